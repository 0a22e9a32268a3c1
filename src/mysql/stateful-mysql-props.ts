import { Credentials, StatefulProductProps } from '../core';

/** Which server StatefulMySql runs. */
export enum MySqlFlavor {
  /**
   * The official `mysql` image (8.4 LTS): GTID replication, `super_read_only` replicas,
   * new replicas seeded with the CLONE plugin.
   */
  MYSQL = 'MySQL',
  /**
   * The official `mariadb` image (10.11 LTS): MariaDB GTID replication (`CHANGE MASTER
   * TO … MASTER_USE_GTID`), `read_only` replicas, new replicas seeded with
   * `mariadb-backup` streamed by a `clone-source` sidecar.
   */
  MARIADB = 'MariaDB',
}

/** Props of a StatefulMySql. */
export interface StatefulMySqlProps extends StatefulProductProps {
  /**
   * The server flavour.
   *
   * @default MySqlFlavor.MYSQL
   */
  readonly flavor?: MySqlFlavor;

  /**
   * The server version the image (`image`) runs. It is read from the image tag
   * (`mysql:8.4`, `mysql:8.0.36-debian`, `docker.io/library/mariadb:10.11`,
   * `registry.example.com/mirror/mariadb:11.4`); every container of the pod uses the image
   * (the scripts need the flavour's server, client and — for MariaDB — `mariadb-backup`,
   * `mbstream` and `socat`, all in the official images). A `mysql` image with
   * `MySqlFlavor.MARIADB` (or the reverse) is refused.
   *
   * Set `version`, e.g. `"8.4"`, `"8.0.36"`, `"10.11"`, `"11.4"`: for
   * images whose tag carries no version (digests, `latest`, private tags). When the tag
   * has one, `version` must agree with it. Versions outside the supported range (MySQL
   * 8.0.26 to 8.4, MariaDB 10.11 and 11.x) are refused.
   *
   * @default - read from the image tag
   */
  readonly version?: string;

  /**
   * The name of the client Service for writes, which selects only the primary (the first
   * pod). `primaryHost` is its host name.
   *
   * @default - `<name>-primary`
   */
  readonly primaryServiceName?: string;

  /**
   * The name of the client Service for reads, over every ready server (the primary and the
   * replicas whose replication threads run). `readHost` is its host name.
   *
   * @default - `<name>-read`
   */
  readonly readServiceName?: string;

  /**
   * `server-id = serverIdOffset + ordinal`. Every id must stay in MySQL's range
   * 1..4294967295.
   *
   * @default 100
   */
  readonly serverIdOffset?: number;

  /**
   * The MySQL port.
   *
   * @default 3306
   */
  readonly port?: number;

  /**
   * MariaDB only: the port the `clone-source` sidecar streams backups to new replicas on.
   *
   * @default 3307
   */
  readonly clonePort?: number;

  /**
   * The root password (accounts `root@localhost` and `root@%`).
   * `Credentials.fromSecret(secret)` / `fromSecretName(name)` without a key read the key
   * `password`; pass the key to read another, e.g. `fromSecretName('db', 'root-password')`.
   *
   * @default - key `root-password` of the Secret of `replicationPassword` or `userPassword`
   * when one of them names a Secret (`fromSecret`/`fromSecretName`); with no password prop
   * at all, `Credentials.fromSecretName('<name>-credentials', 'root-password')`: a Secret
   * you create, e.g. `kubectl create secret generic <name>-credentials
   * --from-literal=root-password=$(openssl rand -hex 24) --from-literal=replication-password=$(openssl rand -hex 24)`.
   * Required when the other passwords are all `Credentials.fromPassword()`.
   */
  readonly rootPassword?: Credentials;

  /**
   * The replication account's name.
   *
   * @default "repl"
   */
  readonly replicationUser?: string;

  /**
   * The replication account's password (also authenticates clones).
   * `Credentials.fromSecret(secret)` / `fromSecretName(name)` without a key read the key
   * `password`.
   *
   * @default - key `replication-password` of the Secret of `rootPassword` or `userPassword`
   * when one of them names a Secret; with no password prop at all,
   * `Credentials.fromSecretName('<name>-credentials', 'replication-password')`. Required
   * when the other passwords are all `Credentials.fromPassword()`.
   */
  readonly replicationPassword?: Credentials;

  /**
   * A database created on the primary when it is initialised.
   *
   * @default - none
   */
  readonly database?: string;

  /**
   * An application account created on the primary when it is initialised, with all
   * privileges on `database`. Needs `userPassword`.
   *
   * @default - none
   */
  readonly user?: string;

  /**
   * The application account's password. `Credentials.fromSecret(secret)` /
   * `fromSecretName(name)` without a key read the key `password`.
   *
   * @default - none; required with `user`
   */
  readonly userPassword?: Credentials;

  /**
   * Extra `[mysqld]` options for every server, e.g. `{ max_connections: '500' }`. Options
   * this construct owns (server-id, GTID, binary log, read-only, paths) are refused.
   *
   * @default - none
   */
  readonly serverOptions?: { [option: string]: string };

}
