import { createHash } from 'crypto';
import { Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BoundCredentials, Credentials, OrdinalScript, OrdinalStep, PetService, PodSpreading } from '../core';
import {
  MySqlScriptOptions, renderCloneScript, renderCommonCnf, renderConfigStep, renderDataStep, renderProbeScript,
  renderRoleCnf, renderServerScript, renderSqlScript,
} from './scripts';
import { formatVersion, resolveServerVersion } from './versions';
import { assertSize } from '../core/sizes';
import {
  assertDnsLabel, assertDnsSubdomain, assertInteger, assertNonEmptyString, assertOneOf, assertPort, propError,
} from '../core/validate';

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
export interface StatefulMySqlProps {
  /**
   * The server flavour.
   *
   * @default MySqlFlavor.MYSQL
   */
  readonly flavor?: MySqlFlavor;

  /**
   * The image. Every container of the pod uses it (the scripts need the flavour's
   * server, client and — for MariaDB — `mariadb-backup`, `mbstream` and `socat`, all in
   * the official images).
   *
   * The server version is read from the tag (`mysql:8.4`, `mysql:8.0.36-debian`,
   * `docker.io/library/mariadb:10.11`, `registry.example.com/mirror/mariadb:11.4`);
   * supported: MySQL 8.0.26 to 8.4, MariaDB 10.11 and 11.x. An image whose tag says
   * nothing (a digest, `latest`, a private tag) needs `version`. A `mysql` image with
   * `MySqlFlavor.MARIADB` (or the reverse) is refused.
   *
   * @default - "mysql:8.4" for MySqlFlavor.MYSQL, "mariadb:10.11" for MySqlFlavor.MARIADB
   */
  readonly image?: string;

  /**
   * The server version the image runs, e.g. `"8.4"`, `"8.0.36"`, `"10.11"`, `"11.4"`: for
   * images whose tag carries no version (digests, `latest`, private tags). When the tag
   * has one, `version` must agree with it. Versions outside the supported range (MySQL
   * 8.0.26 to 8.4, MariaDB 10.11 and 11.x) are refused.
   *
   * @default - read from the image tag
   */
  readonly version?: string;

  /**
   * The StatefulSet's name (also the headless Service's). Pods are `<name>-<ordinal>`.
   * Renaming orphans the data.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The namespace of every object.
   *
   * @default - none: the namespace of the kubectl context; host names then use "default"
   */
  readonly namespace?: string;

  /**
   * The cluster's DNS domain, used in the primary's and the donors' host names.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * The number of servers: the primary and `replicas - 1` read-only replicas.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The first ordinal (`ordinals.start`): the primary is `<name>-<start>`.
   *
   * @default 0
   */
  readonly ordinalsStart?: number;

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
   * The size of each server's `data` claim.
   *
   * @default Size.gibibytes(10)
   */
  readonly storageSize?: Size;

  /**
   * The storage class of the `data` claims.
   *
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;

  /**
   * The root password (accounts `root@localhost` and `root@%`).
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
   * The application account's password.
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

  /**
   * The server container's resources.
   *
   * @default - requests 250m CPU and 512Mi memory, memory limit 1Gi
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * The numeric uid (and gid) every container runs as: the images' `mysql` user.
   *
   * @default 999
   */
  readonly runAsUser?: number;

  /**
   * The group that owns the volumes.
   *
   * @default - same as `runAsUser`
   */
  readonly fsGroup?: number;

  /**
   * Mount the root filesystems read-only (`/tmp` and `/var/run/mysqld` are emptyDirs).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * How the servers are spread across nodes.
   *
   * @default PodSpreading.SOFT_ANTI_AFFINITY
   */
  readonly spreading?: PodSpreading;

  /**
   * How long a server may take to shut down cleanly before it is killed.
   *
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * Extra labels on every object and pod.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

const C = 'StatefulMySql';
const CONFIG_SOURCE = '/mnt/config';
const CONF_DIR = '/etc/mysql-stateful';
const DATA_MOUNT = '/var/lib/mysql';
const DATA_DIR = `${DATA_MOUNT}/data`;
const RUN_DIR = '/var/run/mysqld';
const SOCKET = `${RUN_DIR}/mysqld.sock`;
const TMP_DIR = '/tmp';
const SERVER_SCRIPT = PetService.scriptPath('mysqld.sh');
const PROBE_SCRIPT = PetService.scriptPath('probe.sh');
const ACCOUNT = /^[A-Za-z0-9_]{1,32}$/;
const DATABASE = /^[A-Za-z0-9_]{1,64}$/;
const OPTION = /^[a-z][a-z0-9_-]*$/;
const OWNED_OPTIONS = new Set([
  'server_id', 'datadir', 'socket', 'port', 'bind_address', 'log_bin', 'relay_log', 'gtid_mode', 'enforce_gtid_consistency',
  'log_replica_updates', 'log_slave_updates', 'read_only', 'super_read_only', 'gtid_strict_mode', 'skip_networking',
  'plugin_load_add', 'skip_log_bin', 'skip_replica_start', 'skip_slave_start', 'user', 'pid_file',
]);

/**
 * A replicated MySQL (or MariaDB) on a PetService: the Kubernetes "Run a Replicated
 * Stateful Application" pattern, made secure and complete.
 *
 * The first pod is the primary, every other pod a read-only replica that replicates
 * from it by GTID. An `init-config` container (the ordinal facility) writes
 * `server-id = serverIdOffset + ordinal` and the primary's or the replicas' cnf; an
 * `init-data` container initialises the primary of a new set, or seeds a new replica from
 * the previous pod (MySQL: the CLONE plugin; MariaDB: `mariadb-backup`, streamed by the
 * donor's `clone-source` sidecar) and configures its replication source once. A data
 * directory that exists is never touched, and an empty volume never wins over peers that
 * hold data: a first pod on an empty volume clones the most advanced peer before serving
 * as the primary, and fails (retried) while a peer exists but does not answer. Every step
 * fails closed. Passwords come from Secrets.
 *
 * Creates: the StatefulSet and its headless Service, `<name>-primary` (writes: the
 * first pod only), `<name>-read` (every ready server), the `<name>-config` and
 * `<name>-scripts` ConfigMaps, a PodDisruptionBudget, and Secrets only for
 * `Credentials.fromPassword()`.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/run-replicated-stateful-application/
 */
export class StatefulMySql extends Construct {
  /** The flavour. */
  public readonly flavor: MySqlFlavor;
  /** The image. */
  public readonly image: string;
  /** The server version (from the image tag or the `version` prop), e.g. `"8.4"`. */
  public readonly version: string;
  /** The MySQL port. */
  public readonly port: number;
  /** The server-id offset: `server-id = serverIdOffset + ordinal`. */
  public readonly serverIdOffset: number;
  /** The replication account. */
  public readonly replicationUser: string;
  /**
   * The primary pod's stable DNS name for pods in the cluster: `db-0.db.<namespace>.svc.<domain>`
   * with a namespace, else the namespace-relative `db-0.db`.
   */
  public readonly primaryHost: string;
  /** The PetService underneath (StatefulSet, headless Service, claims, PDB). */
  public readonly pet: PetService;
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless governing Service. */
  public readonly service: kplus.Service;
  /** `<name>-primary`: writes go here (selects the first pod only). */
  public readonly primaryService: kplus.Service;
  /** `<name>-read`: reads from every ready server. */
  public readonly readService: kplus.Service;
  /** `<name>-config`: my.cnf, primary.cnf and replica.cnf. */
  public readonly configMap: kplus.ConfigMap;
  /** Where the root password is read from. */
  public readonly rootPassword: BoundCredentials;
  /** Where the replication password is read from. */
  public readonly replicationPassword: BoundCredentials;
  /** Where the application account's password is read from, with `user`. */
  public readonly userPassword?: BoundCredentials;

  constructor(scope: Construct, id: string, props: StatefulMySqlProps = {}) {
    super(scope, id);
    this.flavor = assertOneOf(C, 'flavor', props.flavor ?? MySqlFlavor.MYSQL, [MySqlFlavor.MYSQL, MySqlFlavor.MARIADB]);
    const mysql = this.flavor === MySqlFlavor.MYSQL;
    this.image = assertNonEmptyString(C, 'image', props.image ?? (mysql ? 'mysql:8.4' : 'mariadb:10.11'), 1024);
    if (/\s/.test(this.image)) throw propError(C, 'image', this.image, 'must be an image reference without spaces, e.g. "mysql:8.4"');
    this.version = formatVersion(resolveServerVersion(this.flavor, this.image, props.version));
    const name = assertDnsLabel(C, 'name', props.name ?? id.toLowerCase(), 52);
    const replicas = assertInteger(C, 'replicas', props.replicas ?? 3, 1, 1000);
    const ordinalsStart = assertInteger(C, 'ordinalsStart', props.ordinalsStart ?? 0, 0, 1_000_000);
    const maxOffset = 4294967295 - (ordinalsStart + replicas - 1);
    this.serverIdOffset = assertInteger(C, 'serverIdOffset', props.serverIdOffset ?? 100, ordinalsStart === 0 ? 1 : 0, maxOffset);
    this.port = assertPort(C, 'port', props.port ?? 3306);
    if (props.clonePort !== undefined && mysql) {
      throw propError(C, 'clonePort', props.clonePort, 'only applies to MySqlFlavor.MARIADB (MySQL clones through its own port with the CLONE plugin)');
    }
    const clonePort = assertPort(C, 'clonePort', props.clonePort ?? 3307);
    if (!mysql && clonePort === this.port) throw propError(C, 'clonePort', clonePort, `must differ from port (${this.port})`);
    const storageSize = props.storageSize ?? Size.gibibytes(10);
    assertSize(C, 'storageSize', storageSize);
    if (props.storageClassName !== undefined) assertDnsSubdomain(C, 'storageClassName', props.storageClassName);

    this.replicationUser = assertAccount('replicationUser', props.replicationUser ?? 'repl');
    if (this.replicationUser === 'root') throw propError(C, 'replicationUser', 'root', 'must not be root: replication gets its own account');
    const database = props.database === undefined ? undefined : assertPattern('database', props.database, DATABASE,
      'must be 1 to 64 letters, digits or \'_\'');
    if (database !== undefined && ['mysql', 'sys', 'information_schema', 'performance_schema'].includes(database.toLowerCase())) {
      throw propError(C, 'database', database, 'must not be a system schema');
    }
    const user = props.user === undefined ? undefined : assertAccount('user', props.user);
    if (user !== undefined && (user === 'root' || user === this.replicationUser)) {
      throw propError(C, 'user', user, `must differ from root and the replication user (${this.replicationUser})`);
    }
    if ((user === undefined) !== (props.userPassword === undefined)) {
      throw propError(C, user === undefined ? 'userPassword' : 'user', user ?? '(set)',
        'needs the other: set both `user` and `userPassword`, or neither');
    }
    const serverOptions = assertServerOptions(props.serverOptions ?? {});
    for (const [prop, c] of [['rootPassword', props.rootPassword], ['replicationPassword', props.replicationPassword], ['userPassword', props.userPassword]] as const) {
      if (c !== undefined && !(c instanceof Credentials)) throw propError(C, prop, c, 'must be Credentials (Credentials.fromSecret/fromSecretName/fromPassword)');
    }
    const uid = assertInteger(C, 'runAsUser', props.runAsUser ?? 999, 1, 2 ** 31 - 1);

    // ---- the pets ---------------------------------------------------------------------
    this.pet = new PetService(this, 'Resource', {
      name,
      namespace: props.namespace,
      clusterDomain: props.clusterDomain,
      image: this.image,
      containerName: mysql ? 'mysql' : 'mariadb',
      ports: [{ name: 'mysql', port: this.port }],
      replicas,
      ordinalsStart,
      podManagementPolicy: kplus.PodManagementPolicy.ORDERED_READY,
      // A first pod on an empty volume must find its peers even while they are not Ready
      // (a replica whose primary is gone is not Ready): it never starts empty over them.
      publishNotReadyAddresses: true,
      component: 'database',
      labels: props.labels,
      runAsUser: uid,
      runAsGroup: uid,
      fsGroup: props.fsGroup,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true,
      spreading: props.spreading,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(60),
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(250) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
      command: ['sh', SERVER_SCRIPT],
      startup: probe('startup', 10, 60),
      liveness: probe('liveness', 10, 6),
      readiness: probe('readiness', 5, 3),
      claimTemplates: [{ name: 'data', size: storageSize, storageClassName: props.storageClassName, mountPath: DATA_MOUNT }],
    });
    const pet = this.pet;
    this.statefulSet = pet.statefulSet;
    this.service = pet.service;
    this.primaryHost = pet.podHost(ordinalsStart);

    // ---- credentials ------------------------------------------------------------------
    const bindOptions = (suffix: string) => ({ secretName: `${name}-${suffix}`, namespace: props.namespace, labels: pet.labels });
    // Passwords the user did not set come from the Secret of one they did set (documented
    // default keys), never from a Secret they never named; with none set, from the
    // documented `<name>-credentials`.
    const given = {
      rootPassword: props.rootPassword?.bind(this, 'RootPassword', bindOptions('root-password')),
      replicationPassword: props.replicationPassword?.bind(this, 'ReplicationPassword', bindOptions('replication-password')),
      userPassword: props.userPassword?.bind(this, 'UserPassword', bindOptions('user-password')),
    };
    const anyGiven = Object.values(given).some(g => g !== undefined);
    const named = ([['rootPassword', props.rootPassword], ['replicationPassword', props.replicationPassword], ['userPassword', props.userPassword]] as const)
      .find(([, c]) => c !== undefined && !c.createsSecret);
    const defaulted = (prop: 'rootPassword' | 'replicationPassword', key: string, childId: string): BoundCredentials => {
      if (!anyGiven) return Credentials.fromSecretName(`${name}-credentials`, key).bind(this, childId, bindOptions(key));
      if (named === undefined) {
        const others = Object.entries(given).filter(([, g]) => g !== undefined).map(([k]) => k).join(' and ');
        throw new Error(`${C}: \`${prop}\` is required: ${others} ${others.includes(' and ') ? 'are' : 'is'} Credentials.fromPassword(), `
          + `whose Secret holds that password only, and StatefulMySql reads no Secret you did not name; set ${prop} too `
          + `(e.g. Credentials.fromSecretName('<secret>', '${key}'))`);
      }
      return { secret: given[named[0]]!.secret, key };
    };
    this.rootPassword = given.rootPassword ?? defaulted('rootPassword', 'root-password', 'RootPassword');
    this.replicationPassword = given.replicationPassword ?? defaulted('replicationPassword', 'replication-password', 'ReplicationPassword');
    this.userPassword = given.userPassword;
    const env = (c: BoundCredentials) => kplus.EnvValue.fromSecretValue({ secret: c.secret, key: c.key });

    // ---- configuration and scripts ----------------------------------------------------
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${name}-config`, namespace: props.namespace, labels: pet.labels },
      data: {
        'my.cnf': renderCommonCnf(this.flavor, serverOptions),
        'primary.cnf': renderRoleCnf(this.flavor, 'primary'),
        'replica.cnf': renderRoleCnf(this.flavor, 'replica'),
      },
    });
    const o: MySqlScriptOptions = {
      flavor: this.flavor,
      serviceHost: pet.serviceHost,
      primaryHost: this.primaryHost,
      port: this.port,
      clonePort,
      serverIdOffset: this.serverIdOffset,
      replicationUser: this.replicationUser,
      appUser: user,
      database,
      configSource: CONFIG_SOURCE,
      confDir: CONF_DIR,
      dataDir: DATA_DIR,
      socket: SOCKET,
      tmpDir: TMP_DIR,
      replicas,
      ordinalsStart,
    };
    pet.addScript('sql.sh', renderSqlScript(o));
    pet.addScript('mysqld.sh', renderServerScript(o));
    pet.addScript('probe.sh', renderProbeScript(o));
    const clonePath = mysql ? undefined : pet.addScript('clone.sh', renderCloneScript(o));

    const runVolume = kplus.Volume.fromEmptyDir(this, 'RunVolume', 'run');
    const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp');
    const mountWritable = (c: kplus.Container) => {
      c.mount(RUN_DIR, runVolume);
      c.mount(TMP_DIR, tmpVolume);
    };

    // init-config: the ordinal facility writes server-id.cnf, role.cnf and my.cnf.
    const initConfig = pet.addOrdinalInit({
      name: 'init-config',
      steps: [OrdinalStep.shell(renderConfigStep(o), `server-id = ${this.serverIdOffset} + ordinal; primary.cnf or replica.cnf`)],
      configMap: this.configMap,
      configMountPath: CONFIG_SOURCE,
      outputPath: CONF_DIR,
    });
    const confMount = initConfig.mounts.find(m => m.path === CONF_DIR)!;

    // init-data: initialise the primary or clone a replica from the previous pod; then
    // configure replication once. Same resources as the server (it runs one).
    const dataScript = new OrdinalScript({
      statefulSetName: name,
      ordinalsStart,
      steps: [OrdinalStep.shell(renderDataStep(o), mysql
        ? 'initialise the primary, or CLONE a new replica from the previous pod; configure replication once'
        : 'initialise the primary, or restore a mariadb-backup of the previous pod; configure replication once')],
    });
    const dataPath = pet.addScript('init-data.sh', dataScript.render());
    const initData = pet.addInitContainer({
      name: 'init-data',
      image: this.image,
      command: ['sh', dataPath],
      envVariables: {
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        DB_ROOT_PASSWORD: env(this.rootPassword),
        DB_REPLICATION_PASSWORD: env(this.replicationPassword),
        ...(this.userPassword ? { DB_APP_PASSWORD: env(this.userPassword) } : {}),
      },
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(250) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
    });
    pet.mountScripts(initData);
    pet.mountClaim(initData, 'data', DATA_MOUNT);
    initData.mount(CONF_DIR, confMount.volume, { readOnly: true });
    mountWritable(initData);

    // The server (its command and probes were given to PetService up front).
    const main = pet.container;
    main.env.addVariable('DB_ROOT_PASSWORD', env(this.rootPassword));
    pet.mountScripts(main);
    mountWritable(main);

    // MariaDB: the donor side of cloning.
    if (clonePath) {
      const source = pet.addSidecar({
        name: 'clone-source',
        image: this.image,
        command: ['sh', clonePath, 'serve'],
        ports: [{ name: 'clone', number: clonePort }],
        envVariables: {
          DB_ROOT_PASSWORD: env(this.rootPassword),
          DB_REPLICATION_PASSWORD: env(this.replicationPassword),
        },
        resources: {
          cpu: { request: kplus.Cpu.millis(50) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
        },
      });
      pet.mountScripts(source);
      pet.mountClaim(source, 'data', DATA_MOUNT, { readOnly: true });
      source.mount(CONF_DIR, confMount.volume, { readOnly: true });
      mountWritable(source);
    }

    // A new configuration rolls the pods: init-config copies my.cnf at pod start only.
    this.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash',
      Lazy.any({ produce: () => configHash(this.configMap.data) }) as unknown as string);

    // ---- client Services ----------------------------------------------------------------
    this.primaryService = pet.addClientService('primary', { ordinal: ordinalsStart, portNames: ['mysql'] });
    this.readService = pet.addClientService('read', { portNames: ['mysql'] });
  }

}

/** A short hash of a ConfigMap's data, keys in code-point order (independent of the locale). */
function configHash(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const k of Object.keys(data).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(`${k}\0${data[k]}\0`);
  return hash.digest('hex').slice(0, 16);
}

function probe(mode: string, period: number, failures: number): kplus.Probe {
  return kplus.Probe.fromCommand(['sh', PROBE_SCRIPT, mode], {
    periodSeconds: Duration.seconds(period),
    timeoutSeconds: Duration.seconds(5),
    failureThreshold: failures,
  });
}

function assertPattern(prop: string, value: unknown, pattern: RegExp, allowed: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw propError(C, prop, value, allowed);
  return value;
}

function assertAccount(prop: string, value: unknown): string {
  return assertPattern(prop, value, ACCOUNT, 'must be an account name of 1 to 32 letters, digits or \'_\'');
}

function assertServerOptions(options: unknown): Record<string, string> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw propError(C, 'serverOptions', options, 'must be a map of option names to values');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options as Record<string, unknown>)) {
    if (!OPTION.test(k)) throw propError(C, 'serverOptions key', k, 'must be a mysqld option name: lowercase letters, digits, \'_\' and \'-\'');
    const normal = k.replace(/-/g, '_');
    if (OWNED_OPTIONS.has(normal)) throw propError(C, 'serverOptions key', k, 'is set by StatefulMySql and cannot be overridden');
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) throw propError(C, `serverOptions[${k}]`, v, 'must be a one-line string');
    out[normal] = v;
  }
  return out;
}
