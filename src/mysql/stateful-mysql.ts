import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BoundCredentials, Credentials, OrdinalScript, OrdinalStep, PetService, PodSpreading } from '../core';
import {
  MySqlScriptOptions, renderCloneScript, renderCommonCnf, renderConfigStep, renderDataStep, renderProbeScript,
  renderRoleCnf, renderServerScript, renderSqlScript,
} from './scripts';
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
   * @default - "mysql:8.4" for MySqlFlavor.MYSQL, "mariadb:10.11" for MySqlFlavor.MARIADB
   */
  readonly image?: string;

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
   * @default - `Credentials.fromSecretName('<name>-credentials', 'root-password')`: a Secret
   * you create, e.g. `kubectl create secret generic <name>-credentials
   * --from-literal=root-password=$(openssl rand -hex 24) --from-literal=replication-password=$(openssl rand -hex 24)`
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
   * @default - `Credentials.fromSecretName('<name>-credentials', 'replication-password')`
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
 * `init-data` container initialises the primary, or seeds a new replica from the
 * previous pod (MySQL: the CLONE plugin; MariaDB: `mariadb-backup`, streamed by the
 * donor's `clone-source` sidecar) and configures its replication source once. A data
 * directory that exists is never touched. Passwords come from Secrets.
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
    this.rootPassword = (props.rootPassword ?? Credentials.fromSecretName(`${name}-credentials`, 'root-password'))
      .bind(this, 'RootPassword', bindOptions('root-password'));
    this.replicationPassword = (props.replicationPassword ?? Credentials.fromSecretName(`${name}-credentials`, 'replication-password'))
      .bind(this, 'ReplicationPassword', bindOptions('replication-password'));
    this.userPassword = props.userPassword?.bind(this, 'UserPassword', bindOptions('user-password'));
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

    // ---- client Services ----------------------------------------------------------------
    this.primaryService = pet.addClientService('primary', { ordinal: ordinalsStart, portNames: ['mysql'] });
    this.readService = pet.addClientService('read', { portNames: ['mysql'] });
  }

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
