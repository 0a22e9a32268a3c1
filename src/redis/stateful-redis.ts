import { createHash } from 'crypto';
import { Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Credentials, OrdinalStep, PetService, StatefulProduct } from '../core';
import { MANAGED, MIB, redisSize, renderCommonConf, renderSaveRules, resolveVersion, sortedKeys } from './config';
import { RedisAppendFsync, RedisEvictionPolicy, StatefulRedisProps } from './props';
import { renderHoldingConf, resolveFailover, ResolvedSentinel, ROLE_LABEL, SENTINEL_MANAGED, wireSentinel } from './sentinel';
import { atLeast, describeVersion } from './versions';
import { productPet } from '../core/product-pet';
import { readScriptFile } from '../core/script-files';
import { assertSize } from '../core/sizes';
import { assertOneOf, assertPort, assertServiceName, propError } from '../core/validate';

const C = 'StatefulRedis';
const DATA_DIR = '/data';
const CONF_DIR = '/etc/redis';
const CONFIG_SOURCE = '/mnt/redis-config';
const PROBE_SCRIPT = 'redis-probe.sh';
const INIT_SCRIPT = 'redis-conf.sh';
const SEED_SCRIPT = 'redis-seed.sh';

/** How long the seed init container waits for the copy of a peer's data. */
const SEED_TIMEOUT_SECONDS = 1800;

/** The container's resources when `resources` is not set. */
const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
};

/**
 * Replicated Redis on a PetService: the first pod (ordinal 0) is the primary, every other
 * pod a replica of it through the primary's stable DNS name (`<name>-0.<headless service>`).
 * With `failover: RedisFailover.sentinel()` the master is no longer pinned: a Sentinel runs
 * beside every Redis, each pod's role is decided from the set at start, a watchdog heals
 * what Sentinel alone does not, and `<name>-primary` follows the master through a role
 * label (see `RedisFailover.sentinel`).
 *
 * With no props you get 3 pods of the official `redis` image running as uid 999 under Pod
 * Security Standards "restricted", a read-only root filesystem, AOF persistence on a
 * retained 1Gi claim per pod, password auth from a Secret, a headless Service, a client
 * Service for writes (`<name>-primary`, the primary only) and one for reads
 * (`<name>-read`, every ready pod), readiness (authenticated PING; on replicas the link
 * to the primary is up) and liveness probes, a PodDisruptionBudget and soft anti-affinity.
 *
 * The configuration is in a ConfigMap (`<name>-config`): `redis.conf` for every pod,
 * `primary.conf` and `replica.conf` per role. An init container (the core's ordinal
 * facility) picks the role from the pod's ordinal and writes the final `redis.conf` into
 * an emptyDir; with auth it also writes `requirepass`/`masterauth` from the Secret into a
 * 0600 file there. The password is never in a ConfigMap, on a command line or on the
 * data volume.
 *
 * An empty volume never wins over peers that hold data: a second init container
 * (`redis-seed`, with the server's resources and the data claim) lets the first pod, when
 * its volume is empty while a peer holds data, copy the best peer (highest replication
 * offset) before it serves as the primary; a peer that exists but does not answer fails
 * the step, and the kubelet retries. The server version (from the image tag, or `version`)
 * decides the `redis.conf` syntax (Redis 5.0.3 to 8.x, Valkey 7.2 to 8.x).
 *
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/replication/
 */
export class StatefulRedis extends StatefulProduct {
  /** The core: StatefulSet, headless Service, claims, PDB (escape hatch). */
  public readonly pet: PetService;
  /** The Redis container. */
  public readonly container: kplus.Container;
  /** The client Service for writes: selects only the primary pod. */
  public readonly primaryService: kplus.Service;
  /** The client Service for reads: every ready pod. */
  public readonly readService: kplus.Service;
  /** The ConfigMap with `redis.conf`, `primary.conf` and `replica.conf` (no password). */
  public readonly configMap: kplus.ConfigMap;
  /** The port of Redis and of the Services. */
  public readonly port: number;
  /** The image. */
  public readonly image: string;
  /** The server and version the configuration is rendered for, e.g. `Redis 7.4`, `Redis 5`, `Valkey 8.0`. */
  public readonly serverVersion: string;
  /** The write Service's host name: `<name>-primary` plus `.<namespace>.svc.<domain>` when the namespace is known. */
  public readonly primaryHost: string;
  /** The read Service's host name: `<name>-read` plus `.<namespace>.svc.<domain>` when the namespace is known. */
  public readonly readHost: string;
  /** The Secret holding the password (undefined when `auth` is off). */
  public readonly passwordSecret?: kplus.ISecret;
  /** The key of the password in `passwordSecret` (undefined when `auth` is off). */
  public readonly passwordSecretKey?: string;
  /** The Service over the Sentinels (Sentinel failover only). */
  public readonly sentinelService?: kplus.Service;
  /**
   * The host Sentinel-aware clients connect to (Sentinel failover only): `<name>-sentinel`
   * plus `.<namespace>.svc.<domain>` when the namespace is known.
   */
  public readonly sentinelHost?: string;
  /** The Sentinels' port (Sentinel failover only). */
  public readonly sentinelPort?: number;
  /** The name Sentinel knows the master by (Sentinel failover only), e.g. `mymaster`. */
  public readonly masterName?: string;
  /** The pod label that names the master in Sentinel mode (`<label>=master`): `<name>-primary` selects it. */
  public readonly roleLabel?: string;

  protected readonly productClass = C;

  private readonly _directives: Array<[string, string]> = [];
  private readonly _auth: boolean;
  private readonly _sentinel?: ResolvedSentinel;

  constructor(scope: Construct, id: string, props: StatefulRedisProps = {}) {
    super(scope, id);
    if (props === null || typeof props !== 'object') throw propError(C, 'props', props, 'must be an object');

    this.port = assertPort(C, 'port', props.port ?? 6379);
    this.image = props.image ?? 'redis:7.4';
    if (typeof this.image !== 'string' || this.image.trim().length === 0) throw propError(C, 'image', this.image, 'must be an image reference, e.g. redis:7.4');
    const version = resolveVersion(this.image, props.version);
    this.serverVersion = describeVersion(version);
    const modern = atLeast(version, 7);
    const server = version.flavor === 'valkey' ? 'valkey-server' : 'redis-server';
    const cli = version.flavor === 'valkey' ? 'valkey-cli' : 'redis-cli';
    const auth = props.auth ?? true;
    if (typeof auth !== 'boolean') throw propError(C, 'auth', auth, 'must be true or false');
    this._auth = auth;
    if (!auth && props.credentials !== undefined) {
      throw propError(C, 'credentials', '(set)', 'cannot be used with `auth: false`; remove one of them');
    }
    if (props.credentials !== undefined && !(props.credentials instanceof Credentials)) {
      throw propError(C, 'credentials', props.credentials, 'must be Credentials.fromSecret(), fromSecretName() or fromPassword()');
    }

    // ---- resources and memory -----------------------------------------------------------
    const resources: kplus.ContainerResources = props.resources ?? DEFAULT_RESOURCES;
    const limit = resources.memory?.limit === undefined ? undefined : assertSize(C, 'resources.memory.limit', resources.memory.limit);
    let maxmemoryKib: number | undefined;
    if (props.maxmemory !== undefined) {
      maxmemoryKib = assertSize(C, 'maxmemory', props.maxmemory).kib;
      if (maxmemoryKib < MIB) throw propError(C, 'maxmemory', `${maxmemoryKib}KiB`, 'must be at least 1 MiB');
      if (limit && maxmemoryKib >= limit.kib) {
        throw propError(C, 'maxmemory', redisSize(maxmemoryKib),
          `must be below the container's memory limit (${limit.quantity}), or Redis is OOM-killed before it evicts; raise \`resources.memory.limit\` or lower \`maxmemory\``);
      }
    } else if (limit) {
      maxmemoryKib = Math.floor((limit.kib * 3) / 4);
    }
    const policy = assertOneOf(C, 'maxmemoryPolicy', props.maxmemoryPolicy ?? RedisEvictionPolicy.NO_EVICTION, Object.values(RedisEvictionPolicy));

    // ---- persistence ----------------------------------------------------------------------
    const appendOnly = props.appendOnly ?? true;
    if (typeof appendOnly !== 'boolean') throw propError(C, 'appendOnly', appendOnly, 'must be true or false');
    const fsync = assertOneOf(C, 'appendFsync', props.appendFsync ?? RedisAppendFsync.EVERY_SEC, Object.values(RedisAppendFsync));
    if (props.appendFsync !== undefined && !appendOnly) {
      throw propError(C, 'appendFsync', props.appendFsync, 'only applies with `appendOnly: true`');
    }
    const save = props.rdbSnapshots === undefined ? ['3600 1', '300 100', '60 10000'] : renderSaveRules(props.rdbSnapshots);

    // ---- failover ---------------------------------------------------------------------------
    const sentinel = resolveFailover(props.failover, {
      replicas: props.replicas ?? 3,
      auth,
      version,
      redisPort: this.port,
      describe: `${this.image} (${this.serverVersion})`,
      literalPassword: props.credentials?._literal(),
    });
    this._sentinel = sentinel;
    const petName = props.name ?? id.toLowerCase();
    const labelerAccount = sentinel && props.serviceAccount === undefined ? `${petName}-labeler` : undefined;

    // ---- the core -------------------------------------------------------------------------
    const probe = (mode: string) => ['sh', PetService.scriptPath(PROBE_SCRIPT), mode, String(this.port), CONF_DIR, cli];
    const readiness = sentinel ? ['sh', PetService.scriptPath('sentinel-probe.sh'), 'redis'] : probe('readiness');
    const petProps = labelerAccount
      ? { ...props, serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, 'LabelerAccount', labelerAccount) }
      : props;
    this.pet = productPet(this, C, petProps, {
      replicas: 3,
      image: 'redis:7.4',
      runAsUser: 999,
      storageSize: Size.gibibytes(1),
      resources: DEFAULT_RESOURCES,
      terminationGracePeriod: Duration.seconds(60),
      // Sentinel mode: a voluntary disruption never takes two Sentinels (of a 3-pod quorum) at once.
      maxUnavailable: sentinel ? 1 : undefined,
    }, DATA_DIR, {
      appName: 'redis',
      containerName: 'redis',
      args: [server, `${CONF_DIR}/redis.conf`],
      ports: [{ name: 'redis', port: this.port }, ...(sentinel ? [{ name: 'sentinel', port: sentinel.port }] : [])],
      // Sentinel mode: every pod must answer its peers from the start (the start-up decision
      // waits for all of them); with OrderedReady pod 1 would never be created.
      podManagementPolicy: sentinel ? kplus.PodManagementPolicy.PARALLEL : undefined,
      readiness: kplus.Probe.fromCommand(readiness, {
        initialDelaySeconds: Duration.seconds(5),
        periodSeconds: Duration.seconds(5),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 3,
      }),
      liveness: kplus.Probe.fromCommand(probe('liveness'), {
        initialDelaySeconds: Duration.seconds(30),
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 6,
      }),
      // Replicas resolve the primary by its pod DNS name while it is still starting.
      publishNotReadyAddresses: true,
    });
    this.container = this.pet.container;

    const built = this._withErrors(() => this._build(props, {
      modern, server, cli, auth, appendOnly, fsync, save, maxmemoryKib, policy, resources, flavor: version.flavor, labelerAccount,
    }));
    this.primaryService = built.primaryService;
    this.readService = built.readService;
    this.primaryHost = built.primaryHost;
    this.readHost = built.readHost;
    this.configMap = built.configMap;
    this.passwordSecret = built.passwordSecret;
    this.passwordSecretKey = built.passwordSecretKey;
    if (sentinel) {
      this.sentinelService = built.sentinelService;
      this.sentinelHost = this.pet.hostFor(built.sentinelService!.name);
      this.sentinelPort = sentinel.port;
      this.masterName = sentinel.masterName;
      this.roleLabel = ROLE_LABEL;
    }
  }

  /**
   * Adds a `redis.conf` directive for every pod (same rules as `extraConfig`).
   *
   * @param directive the directive's name, e.g. `hz`
   * @param value its value, written verbatim after the name
   */
  public addDirective(directive: string, value: string): void {
    if (typeof directive !== 'string' || !/^[a-z][a-z0-9-]*$/.test(directive)) {
      throw propError(C, 'extraConfig directive', directive, 'must be a redis.conf directive name: lowercase letters, digits and \'-\'');
    }
    if (directive in MANAGED) {
      throw propError(C, 'extraConfig directive', directive, `is managed by StatefulRedis; use ${MANAGED[directive]}`);
    }
    if (this._sentinel && directive in SENTINEL_MANAGED) {
      throw propError(C, 'extraConfig directive', directive, `is managed by StatefulRedis with Sentinel failover; use ${SENTINEL_MANAGED[directive]}`);
    }
    if (typeof value !== 'string' || value.trim().length === 0 || /[\0\r\n]/.test(value)) {
      throw propError(C, `extraConfig[${directive}]`, value, 'must be a non-empty value on one line');
    }
    if (this._directives.some(([k]) => k === directive)) {
      throw propError(C, 'extraConfig directive', directive, 'is already set');
    }
    this._directives.push([directive, value]);
  }

  private _build(props: StatefulRedisProps, o: BuildOptions) {
    const pet = this.pet;
    const name = pet.name;
    const namespace = pet.namespace;

    // Names: FQDNs when the namespace is known, else namespace-relative names (resolved
    // through the pods' DNS search path), which are right in whatever namespace this is applied to.
    const first = pet.ordinalsStart;
    const primaryPodHost = pet.podHost(first);
    const sentinel = this._sentinel;
    // Sentinel mode: the write Service follows the master through the role label the pods
    // keep current, not a fixed ordinal.
    const primaryService = pet.addClientService('primary', {
      ordinal: sentinel ? undefined : first,
      portNames: ['redis'],
      name: props.primaryServiceName === undefined ? undefined : assertServiceName(C, 'primaryServiceName', props.primaryServiceName),
    });
    if (sentinel) primaryService.selectLabel(ROLE_LABEL, 'master');
    const readService = pet.addClientService('read', {
      portNames: ['redis'],
      name: props.readServiceName === undefined ? undefined : assertServiceName(C, 'readServiceName', props.readServiceName),
    });

    // ---- configuration --------------------------------------------------------------------
    // Redis 7.0 introduced `bind *` / the optional `-` prefix, several rules on one `save`
    // line and `shutdown-on-sigterm`: Redis 5.x and 6.x stop at start on any of them
    // ("Bad directive or wrong number of arguments"). Without `bind` they listen on every
    // interface (IPv6 only where the kernel has it), which is what `bind * -::*` says.
    const { modern, save } = o;
    this._directives.push(
      ['port', String(this.port)],
      ...(modern ? [['bind', '* -::*'] as [string, string]] : []),
      ['protected-mode', o.auth ? 'yes' : 'no'],
      ['daemonize', 'no'],
      ['logfile', '""'],
      ['appendonly', o.appendOnly ? 'yes' : 'no'],
      ...(o.appendOnly ? [['appendfsync', o.fsync] as [string, string]] : []),
      ...(modern || save.length === 0 ? [['save', save.length === 0 ? '""' : save.join(' ')] as [string, string]]
        : save.map(rule => ['save', rule] as [string, string])),
      ...(o.maxmemoryKib !== undefined ? [['maxmemory', redisSize(o.maxmemoryKib)] as [string, string]] : []),
      ['maxmemory-policy', o.policy],
      ...(modern ? [['shutdown-on-sigterm', 'default'] as [string, string]] : []),
    );
    for (const [k, v] of Object.entries(props.extraConfig ?? {})) this.addDirective(k, v);

    const configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${name}-config`, namespace, labels: pet.labels },
    });
    configMap.addData('redis.conf', Lazy.any({ produce: () => this._renderCommon() }) as unknown as string);
    if (sentinel) {
      configMap.addData('holding.conf', renderHoldingConf(sentinel, this.port));
    } else {
      configMap.addData('primary.conf', [
        `# Generated by cdk8s-stateful: the primary, ${pet.podName(first)}. Replicas follow it.`,
        '',
      ].join('\n'));
      configMap.addData('replica.conf', [
        `# Generated by cdk8s-stateful: every pod but ${pet.podName(first)} replicates it through its stable DNS name.`,
        `replicaof ${primaryPodHost} ${this.port}`,
        'replica-read-only yes',
        'replica-serve-stale-data yes',
        '',
      ].join('\n'));
    }

    // A change of the configuration rolls the pods (a ConfigMap change alone would not).
    pet.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash',
      Lazy.any({ produce: () => this._configHash(configMap) }) as unknown as string);

    // ---- password -------------------------------------------------------------------------
    let passwordEnv: kplus.EnvValue | undefined;
    let passwordSecret: kplus.ISecret | undefined;
    let passwordSecretKey: string | undefined;
    if (o.auth) {
      const creds = props.credentials ?? Credentials.fromSecretName(`${name}-auth`, 'password');
      const bound = creds.bind(this, 'Auth', { secretName: `${name}-auth`, namespace, labels: pet.labels });
      passwordSecret = bound.secret;
      passwordSecretKey = bound.key;
      passwordEnv = kplus.EnvValue.fromSecretValue({ secret: bound.secret, key: bound.key });
      // redis-cli (probes, `kubectl exec … redis-cli`) reads REDISCLI_AUTH: never `-a`.
      this.container.env.addVariable('REDISCLI_AUTH', passwordEnv);
      // valkey-cli 8 reads VALKEYCLI_AUTH (7.2 still REDISCLI_AUTH).
      if (o.flavor === 'valkey') this.container.env.addVariable('VALKEYCLI_AUTH', passwordEnv);
    }

    // ---- per-ordinal init (src/redis/scripts/redis-conf.sh) ----------------------------------
    const initPath = pet.addScript(INIT_SCRIPT, readScriptFile(__dirname, INIT_SCRIPT));
    const init = pet.addOrdinalInit({
      name: 'redis-init',
      steps: [OrdinalStep.shell(`. ${initPath}`, 'write redis.conf for the primary (first pod) or a replica')],
      configMap,
      configMountPath: CONFIG_SOURCE,
      outputPath: CONF_DIR,
    });
    init.env.addVariable('REDIS_CONFIG_SOURCE', kplus.EnvValue.fromValue(CONFIG_SOURCE));
    init.env.addVariable('REDIS_CONF_DIR', kplus.EnvValue.fromValue(CONF_DIR));
    init.env.addVariable('REDIS_DATA_DIR', kplus.EnvValue.fromValue(DATA_DIR));
    init.env.addVariable('REDIS_AUTH', kplus.EnvValue.fromValue(o.auth ? 'yes' : 'no'));
    if (passwordEnv) init.env.addVariable('REDIS_PASSWORD', passwordEnv);

    // ---- redis-seed (src/redis/scripts/redis-seed.sh) or Sentinel mode --------------------------
    let sentinelService: kplus.Service | undefined;
    if (sentinel) {
      // Sentinel mode decides roles at run time (src/redis/scripts/sentinel-*.sh): no seed step;
      // the watchdog never lets an empty pod become master over peers that hold data.
      sentinelService = wireSentinel(this, {
        pet,
        settings: sentinel,
        image: this.image,
        imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
        redisPort: this.port,
        server: o.server,
        cli: o.cli,
        passwordEnv: passwordEnv!,
        dataClaim: props.storageClaimName ?? 'data',
        dataDir: DATA_DIR,
        serviceAccountName: o.labelerAccount ?? props.serviceAccount!.name,
        createServiceAccount: o.labelerAccount !== undefined,
        init,
      }).sentinelService;
      if (o.flavor === 'valkey') this.container.env.addVariable('VALKEYCLI_AUTH', passwordEnv!);
    } else {
      this._addSeed(props, o, { first, primaryPodHost, passwordEnv, init });
    }

    // ---- probes (src/redis/scripts/redis-probe.sh) -------------------------------------------
    pet.addScript(PROBE_SCRIPT, readScriptFile(__dirname, PROBE_SCRIPT));
    pet.mountScripts(this.container);

    return {
      primaryService,
      readService,
      primaryHost: pet.hostFor(primaryService.name),
      readHost: pet.hostFor(readService.name),
      configMap,
      passwordSecret,
      passwordSecretKey,
      sentinelService,
    };
  }

  private _addSeed(props: StatefulRedisProps, o: BuildOptions,
    at: { first: number; primaryPodHost: string; passwordEnv?: kplus.EnvValue; init: kplus.Container }) {
    const pet = this.pet;
    const { first, primaryPodHost, passwordEnv, init } = at;
    // An empty volume on the first pod never wins over peers that hold data. It may run a
    // temporary server holding the whole data set: the server's resources.
    const peers: string[] = [];
    for (let i = 1; i < pet.replicas; i++) peers.push(pet.podHost(first + i));
    const seedPath = pet.addScript(SEED_SCRIPT, readScriptFile(__dirname, SEED_SCRIPT));
    const seed = pet.addInitContainer({
      name: 'redis-seed',
      image: this.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sh', seedPath],
      envVariables: {
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        REDIS_DATA_DIR: kplus.EnvValue.fromValue(DATA_DIR),
        REDIS_CONF_DIR: kplus.EnvValue.fromValue(CONF_DIR),
        REDIS_TCP: kplus.EnvValue.fromValue(String(this.port)),
        REDIS_PEERS: kplus.EnvValue.fromValue(peers.join(' ')),
        REDIS_FOLLOW: kplus.EnvValue.fromValue(primaryPodHost),
        REDIS_SERVER_BIN: kplus.EnvValue.fromValue(o.server),
        REDIS_CLI_BIN: kplus.EnvValue.fromValue(o.cli),
        REDIS_SEED_TIMEOUT: kplus.EnvValue.fromValue(String(SEED_TIMEOUT_SECONDS)),
        REDIS_APPENDONLY: kplus.EnvValue.fromValue(o.appendOnly ? 'yes' : 'no'),
      },
      resources: o.resources,
    });
    if (passwordEnv) {
      seed.env.addVariable('REDISCLI_AUTH', passwordEnv);
      if (o.flavor === 'valkey') seed.env.addVariable('VALKEYCLI_AUTH', passwordEnv);
    }
    pet.mountScripts(seed);
    pet.mountClaim(seed, props.storageClaimName ?? 'data', DATA_DIR);
    seed.mount(CONF_DIR, init.mounts.find(m => m.path === CONF_DIR)!.volume);
  }

  private _configHash(configMap: kplus.ConfigMap): string {
    const hash = createHash('sha256');
    const data = configMap.data;
    for (const k of sortedKeys(data)) {
      hash.update(`${k}\0${k === 'redis.conf' ? this._renderCommon() : data[k]}\0`);
    }
    return hash.digest('hex').slice(0, 16);
  }

  private _renderCommon(): string {
    return renderCommonConf(this.pet.name, this._auth, this._directives);
  }
}

/** What the constructor decided before the pet existed. */
interface BuildOptions {
  readonly modern: boolean;
  readonly server: string;
  readonly cli: string;
  readonly auth: boolean;
  readonly appendOnly: boolean;
  readonly fsync: string;
  readonly save: string[];
  readonly maxmemoryKib?: number;
  readonly policy: string;
  readonly resources: kplus.ContainerResources;
  readonly flavor: 'redis' | 'valkey';
  /** Sentinel mode without a user ServiceAccount: the one the construct creates. */
  readonly labelerAccount?: string;
}
