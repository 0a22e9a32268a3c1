import { createHash } from 'crypto';
import { Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BoundCredentials, Credentials, OrdinalScript, OrdinalStep, PetService, StatefulProduct } from '../core';
import { renderCommonCnf, renderRoleCnf } from './config';
import { MySqlFlavor, StatefulMySqlProps } from './stateful-mysql-props';
import { formatVersion, resolveServerVersion } from './versions';
import { productPet } from '../core/product-pet';
import { readScriptFile } from '../core/script-files';
import {
  assertDnsLabel, assertInteger, assertNonEmptyString, assertOneOf, assertPort, assertServiceName, propError,
} from '../core/validate';

const C = 'StatefulMySql';
const CONFIG_SOURCE = '/mnt/config';
// The paths the shipped scripts use (src/mysql/scripts/mysql-lib.sh): the volumes are mounted there.
const CONF_DIR = '/etc/mysql-stateful';
const DATA_MOUNT = '/var/lib/mysql';
const RUN_DIR = '/var/run/mysqld';
const TMP_DIR = '/tmp';
const SCRIPTS = ['mysql-lib.sh', 'mysql-config.sh', 'mysql-data.sh', 'sql.sh', 'mysqld.sh', 'probe.sh'];
const ACCOUNT = /^[A-Za-z0-9_]{1,32}$/;
const DATABASE = /^[A-Za-z0-9_]{1,64}$/;
const OPTION = /^[a-z][a-z0-9_-]*$/;
const OWNED_OPTIONS = new Set([
  'server_id', 'datadir', 'socket', 'port', 'bind_address', 'log_bin', 'relay_log', 'gtid_mode', 'enforce_gtid_consistency',
  'log_replica_updates', 'log_slave_updates', 'read_only', 'super_read_only', 'gtid_strict_mode', 'skip_networking',
  'plugin_load_add', 'skip_log_bin', 'skip_replica_start', 'skip_slave_start', 'user', 'pid_file',
]);
const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(250) },
  memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
};

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
 * first pod only; `primaryHost`), `<name>-read` (every ready server; `readHost`), the
 * `<name>-config` and `<name>-scripts` ConfigMaps, a PodDisruptionBudget, and Secrets only
 * for `Credentials.fromPassword()`.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/run-replicated-stateful-application/
 */
export class StatefulMySql extends StatefulProduct {
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
  /** The PetService underneath (StatefulSet, headless Service, claims, PDB). */
  public readonly pet: PetService;
  /** `<name>-primary` (`primaryServiceName`): writes go here (selects the first pod only). */
  public readonly primaryService: kplus.Service;
  /** `<name>-read` (`readServiceName`): reads from every ready server. */
  public readonly readService: kplus.Service;
  /**
   * The host name of the write Service (`primaryService`) for clients in the cluster:
   * `db-primary.<namespace>.svc.<clusterDomain>` when the namespace is known, else the
   * namespace-relative `db-primary`.
   */
  public readonly primaryHost: string;
  /** The host name of the read Service (`readService`), like `primaryHost`. */
  public readonly readHost: string;
  /** `<name>-config`: my.cnf, primary.cnf and replica.cnf. */
  public readonly configMap: kplus.ConfigMap;
  /** Where the root password is read from. */
  public readonly rootPassword: BoundCredentials;
  /** Where the replication password is read from. */
  public readonly replicationPassword: BoundCredentials;
  /** Where the application account's password is read from, with `user`. */
  public readonly userPassword?: BoundCredentials;
  protected readonly productClass = C;

  constructor(scope: Construct, id: string, props: StatefulMySqlProps = {}) {
    super(scope, id);
    this.flavor = assertOneOf(C, 'flavor', props.flavor ?? MySqlFlavor.MYSQL, [MySqlFlavor.MYSQL, MySqlFlavor.MARIADB]);
    const mysql = this.flavor === MySqlFlavor.MYSQL;
    this.image = assertNonEmptyString(C, 'image', props.image ?? (mysql ? 'mysql:8.4' : 'mariadb:10.11'), 1024);
    if (/\s/.test(this.image)) throw propError(C, 'image', this.image, 'must be an image reference without spaces, e.g. "mysql:8.4"');
    this.version = formatVersion(resolveServerVersion(this.flavor, this.image, props.version));
    assertDnsLabel(C, 'name', props.name ?? id.toLowerCase(), 52);
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
    const primaryServiceName = props.primaryServiceName === undefined ? undefined : assertServiceName(C, 'primaryServiceName', props.primaryServiceName);
    const readServiceName = props.readServiceName === undefined ? undefined : assertServiceName(C, 'readServiceName', props.readServiceName);

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
    // The parameters of the shipped scripts, in the containers' env (no name a Service link can produce).
    const params = (extra: Record<string, string>) => Object.fromEntries(
      Object.entries({ DB_FLAVOR: this.flavor, DB_LISTEN: `${this.port}`, ...extra }).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]));

    // ---- the pets ---------------------------------------------------------------------
    this.pet = productPet(this, C, { ...props, replicas, ordinalsStart }, {
      replicas: 3,
      image: this.image,
      runAsUser: 999,
      storageSize: Size.gibibytes(10),
      resources: DEFAULT_RESOURCES,
      terminationGracePeriod: Duration.seconds(60),
    }, DATA_MOUNT, {
      appName: mysql ? 'mysql' : 'mariadb',
      component: 'database',
      containerName: mysql ? 'mysql' : 'mariadb',
      ports: [{ name: 'mysql', port: this.port }],
      podManagementPolicy: kplus.PodManagementPolicy.ORDERED_READY,
      // A first pod on an empty volume must find its peers even while they are not Ready
      // (a replica whose primary is gone is not Ready): it never starts empty over them.
      publishNotReadyAddresses: true,
      command: ['sh', PetService.scriptPath('mysqld.sh')],
      envVariables: params({}),
      startup: probe('startup', 10, 60),
      liveness: probe('liveness', 10, 6),
      readiness: probe('readiness', 5, 3),
    });
    const pet = this.pet;
    const claim = props.storageClaimName ?? 'data';
    const namespace = pet.namespace;

    // ---- credentials ------------------------------------------------------------------
    const bindOptions = (suffix: string) => ({ secretName: `${pet.name}-${suffix}`, namespace, labels: pet.labels });
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
      if (!anyGiven) return Credentials.fromSecretName(`${pet.name}-credentials`, key).bind(this, childId, bindOptions(key));
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
      metadata: { name: `${pet.name}-config`, namespace, labels: pet.labels },
      data: {
        'my.cnf': renderCommonCnf(this.flavor, serverOptions),
        'primary.cnf': renderRoleCnf(this.flavor, 'primary'),
        'replica.cnf': renderRoleCnf(this.flavor, 'replica'),
      },
    });
    const [primaryService, readService] = this._withErrors(() => {
      for (const file of [...SCRIPTS, ...(mysql ? [] : ['clone.sh'])]) pet.addScript(file, readScriptFile(__dirname, file));

      const runVolume = kplus.Volume.fromEmptyDir(this, 'RunVolume', 'run');
      const tmpVolume = kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp');
      const mountWritable = (c: kplus.Container) => {
        c.mount(RUN_DIR, runVolume);
        c.mount(TMP_DIR, tmpVolume);
      };

      // init-config: the ordinal facility runs mysql-config.sh, which writes server-id.cnf,
      // role.cnf and my.cnf.
      const initConfig = pet.addOrdinalInit({
        name: 'init-config',
        steps: [OrdinalStep.shell(`. ${PetService.scriptPath('mysql-config.sh')}`,
          `server-id = ${this.serverIdOffset} + ordinal; primary.cnf or replica.cnf`)],
        configMap: this.configMap,
        configMountPath: CONFIG_SOURCE,
        outputPath: CONF_DIR,
      });
      initConfig.env.addVariable('DB_SERVER_ID_OFFSET', kplus.EnvValue.fromValue(`${this.serverIdOffset}`));
      const confMount = initConfig.mounts.find(m => m.path === CONF_DIR)!;

      // init-data: mysql-data.sh initialises the primary or clones a replica from the
      // previous pod; then configures replication once. Same resources as the server (it runs one).
      const dataScript = new OrdinalScript({
        statefulSetName: pet.name,
        ordinalsStart,
        steps: [OrdinalStep.shell(`. ${PetService.scriptPath('mysql-data.sh')}`, mysql
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
          ...params({
            DB_DONOR_LISTEN: `${mysql ? this.port : clonePort}`,
            DB_PRIMARY_POD: pet.podHost(ordinalsStart),
            DB_PEER_DOMAIN: pet.serviceHost,
            DB_PEERS: `${replicas}`,
            DB_REPLICATION_USER: this.replicationUser,
            ...(user ? { DB_APP_USER: user } : {}),
            ...(database ? { DB_DATABASE: database } : {}),
          }),
          DB_ROOT_PASSWORD: env(this.rootPassword),
          DB_REPLICATION_PASSWORD: env(this.replicationPassword),
          ...(this.userPassword ? { DB_APP_PASSWORD: env(this.userPassword) } : {}),
        },
        resources: props.resources ?? DEFAULT_RESOURCES,
      });
      pet.mountScripts(initData);
      pet.mountClaim(initData, claim, DATA_MOUNT);
      initData.mount(CONF_DIR, confMount.volume, { readOnly: true });
      mountWritable(initData);

      // The server (its command, env and probes were given to PetService up front).
      const main = pet.container;
      main.env.addVariable('DB_ROOT_PASSWORD', env(this.rootPassword));
      pet.mountScripts(main);
      mountWritable(main);

      // MariaDB: the donor side of cloning.
      if (!mysql) {
        const source = pet.addSidecar({
          name: 'clone-source',
          image: this.image,
          command: ['sh', PetService.scriptPath('clone.sh'), 'serve'],
          ports: [{ name: 'clone', number: clonePort }],
          envVariables: {
            ...params({ DB_CLONE_LISTEN: `${clonePort}` }),
            DB_ROOT_PASSWORD: env(this.rootPassword),
            DB_REPLICATION_PASSWORD: env(this.replicationPassword),
          },
          resources: {
            cpu: { request: kplus.Cpu.millis(50) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
          },
        });
        pet.mountScripts(source);
        pet.mountClaim(source, claim, DATA_MOUNT, { readOnly: true });
        source.mount(CONF_DIR, confMount.volume, { readOnly: true });
        mountWritable(source);
      }

      // A new configuration rolls the pods: init-config copies my.cnf at pod start only.
      pet.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash',
        Lazy.any({ produce: () => configHash(this.configMap.data) }) as unknown as string);

      // ---- client Services --------------------------------------------------------------
      return [
        pet.addClientService('primary', { ordinal: ordinalsStart, portNames: ['mysql'], name: primaryServiceName }),
        pet.addClientService('read', { portNames: ['mysql'], name: readServiceName }),
      ];
    });
    // Three Services, three names (a clash would make two Services of one name).
    const clash = (prop: string, value: string, others: Array<[string, string]>) => {
      const other = others.find(([, n]) => n === value);
      if (other) throw propError(C, prop, value, `must differ from the ${other[0]} Service's name`);
    };
    clash(primaryServiceName !== undefined ? 'primaryServiceName' : 'serviceName', primaryService.name, [['headless', pet.service.name]]);
    clash(readServiceName !== undefined ? 'readServiceName' : 'serviceName', readService.name,
      [['headless', pet.service.name], ['primary', primaryService.name]]);
    this.primaryService = primaryService;
    this.readService = readService;
    this.primaryHost = pet.hostFor(primaryService.name);
    this.readHost = pet.hostFor(readService.name);
  }
}

/** A short hash of a ConfigMap's data, keys in code-point order (independent of the locale). */
function configHash(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const k of Object.keys(data).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(`${k}\0${data[k]}\0`);
  return hash.digest('hex').slice(0, 16);
}

function probe(mode: string, period: number, failures: number): kplus.Probe {
  return kplus.Probe.fromCommand(['sh', PetService.scriptPath('probe.sh'), mode], {
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
