import { Duration, Size } from 'cdk8s';
import { Credentials } from '../core';
import { StatefulProductProps } from '../core/product-props';

/**
 * Props of a StatefulZooKeeper: the shared product props (`StatefulProductProps`) plus
 * ZooKeeper's own.
 *
 * ZooKeeper's defaults for the shared props: `replicas` 3 (and only 1, 3, 5 or 7: an
 * ensemble of 2n+1 servers tolerates n failures; an even count tolerates no more than the
 * odd count below it; observers are not supported; changing it on a running ensemble
 * changes every member's server list, see the README), `image` "zookeeper:3.9" (it must
 * provide `zkServer.sh` on the PATH, `nc` and `sh`, as the official image does),
 * `runAsUser` 1000, `storageSize` Size.gibibytes(1) (the claim mounted at `/data`:
 * snapshots, `myid`, and the transaction log unless `dataLogStorageSize` is set),
 * `resources` requests 100m CPU / 512Mi with a 1Gi memory limit, `maxUnavailable`
 * (replicas - 1) / 2 (at most that: a budget that lets more servers go loses the quorum),
 * `terminationGracePeriod` 60 s. The pods start in parallel (`podManagementPolicy:
 * Parallel`): a lone server is never Ready.
 */
export interface StatefulZooKeeperProps extends StatefulProductProps {
  /**
   * The name of the client Service (port 2181, every Ready server).
   *
   * @default - `<name>-client`
   */
  readonly clientServiceName?: string;

  /**
   * SASL (DIGEST-MD5) authentication: every client session must authenticate as
   * `clientUser`, and the servers authenticate each other (quorum SASL). The passwords
   * are read from Secrets at pod start into a 0600 JAAS file on an emptyDir; they never
   * appear in a ConfigMap or on a command line. `kubectl exec <pod> -- zkCli.sh`
   * authenticates as `clientUser` (`CLIENT_JVMFLAGS` points at the JAAS file).
   *
   * @default false: no authentication (restrict who reaches port 2181, e.g. with `isolateNetwork()`)
   */
  readonly auth?: boolean;

  /**
   * The user clients authenticate as (needs `auth`): letters, digits and '_'.
   *
   * @default "zookeeper"
   */
  readonly clientUser?: string;

  /**
   * The password of `clientUser` (needs `auth`). `Credentials.fromSecret(secret)` and
   * `Credentials.fromSecretName(name)` with no key read the Secret's key `password`.
   *
   * @default - `Credentials.fromSecretName('<name>-auth', 'client-password')`: a Secret you create
   */
  readonly clientCredentials?: Credentials;

  /**
   * The secret the servers authenticate each other with (needs `auth`).
   * `Credentials.fromSecret(secret)` and `Credentials.fromSecretName(name)` with no key
   * read the Secret's key `password`.
   *
   * @default - `Credentials.fromSecretName('<name>-auth', 'quorum-password')`: a Secret you create
   */
  readonly quorumCredentials?: Credentials;

  /**
   * The length of a tick (`tickTime`), in whole milliseconds: the unit of the
   * heartbeats, `initLimit` and `syncLimit`.
   *
   * @default Duration.millis(2000)
   */
  readonly tickTime?: Duration;

  /**
   * How many ticks a follower may take to connect to and sync with the leader (`initLimit`).
   *
   * @default 10
   */
  readonly initLimit?: number;

  /**
   * How many ticks a follower may lag behind the leader (`syncLimit`).
   *
   * @default 5
   */
  readonly syncLimit?: number;

  /**
   * How many snapshots (and their transaction logs) autopurge keeps
   * (`autopurge.snapRetainCount`, at least 3).
   *
   * @default 3
   */
  readonly snapshotRetainCount?: number;

  /**
   * How often autopurge runs, in hours (`autopurge.purgeInterval`); 0 turns it off.
   *
   * @default 24
   */
  readonly purgeIntervalHours?: number;

  /**
   * The maximum number of connections one client address may open to one server (`maxClientCnxns`; 0: no limit).
   *
   * @default 60
   */
  readonly maxClientConnections?: number;

  /**
   * The JVM heap (`-Xmx`), in whole MiB, at least 32 MiB and below the memory limit.
   *
   * @default - 75% of the container's memory limit, read at start from the downward API
   * (768 MiB with the default 1Gi limit); the JVM's default when there is no limit
   */
  readonly heapSize?: Size;

  /**
   * The size of a separate claim for the transaction log (`dataLogDir`, mounted at
   * `/datalog`): ZooKeeper's latency is the fsync latency of this log, so a dedicated
   * (fast) volume helps under write load.
   *
   * @default - none: the transaction log is on the data claim
   */
  readonly dataLogStorageSize?: Size;

  /**
   * The storage class of the transaction-log claims (needs `dataLogStorageSize`).
   *
   * @default - same as `storageClassName`
   */
  readonly dataLogStorageClassName?: string;

  /**
   * The name of the transaction-log claim template (needs `dataLogStorageSize`).
   *
   * @default "datalog"
   */
  readonly dataLogClaimName?: string;
}
