import { createHash } from 'crypto';
import { Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClaimRetentionPolicy, Credentials, OrdinalScript, OrdinalStep, PetService, PodSpreading, StaticVolumesOptions } from '../core';
import { renderInitStep, renderProbeScript, renderSeedStep } from './scripts';
import { atLeast, describeVersion, parseRedisImage, parseVersionProp, RedisServerVersion, SUPPORTED_RANGE, unsupportedReason } from './versions';
import { assertSize } from '../core/sizes';
import { assertDnsLabel, assertInteger, assertOneOf, assertPort, assertServiceName, propError } from '../core/validate';

/** What Redis does when `maxmemory` is reached (`maxmemory-policy`). */
export enum RedisEvictionPolicy {
  /** Refuse writes that need more memory (errors to the client); never drop data. */
  NO_EVICTION = 'noeviction',
  /** Evict any key, least recently used first. */
  ALLKEYS_LRU = 'allkeys-lru',
  /** Evict any key, least frequently used first. */
  ALLKEYS_LFU = 'allkeys-lfu',
  /** Evict random keys. */
  ALLKEYS_RANDOM = 'allkeys-random',
  /** Evict keys with an expiry, least recently used first. */
  VOLATILE_LRU = 'volatile-lru',
  /** Evict keys with an expiry, least frequently used first. */
  VOLATILE_LFU = 'volatile-lfu',
  /** Evict random keys with an expiry. */
  VOLATILE_RANDOM = 'volatile-random',
  /** Evict keys with an expiry, nearest expiry first. */
  VOLATILE_TTL = 'volatile-ttl',
}

/** How often the append-only file is fsynced (`appendfsync`). */
export enum RedisAppendFsync {
  /** After every write: safest, slowest. */
  ALWAYS = 'always',
  /** Once a second: at most about a second of writes lost on a crash. */
  EVERY_SEC = 'everysec',
  /** Leave it to the operating system. */
  NO = 'no',
}

/** An RDB snapshot rule (`save <seconds> <changes>`): snapshot after `interval` if at least `changes` keys changed. */
export interface RedisSnapshotRule {
  /** How long after the last snapshot (whole seconds, at least 1). */
  readonly interval: Duration;

  /** The minimum number of changed keys (at least 1). */
  readonly changes: number;
}

/** Props of a StatefulRedis. */
export interface StatefulRedisProps {
  /**
   * The StatefulSet's name (pods are `<name>-<ordinal>`, claims `<storageClaimName>-<name>-<ordinal>`).
   * Renaming orphans the data.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The headless governing Service's name (pods are `<pod>.<serviceName>`).
   *
   * @default - same as `name`
   */
  readonly serviceName?: string;

  /**
   * The name of the client Service for writes, which selects only the primary pod.
   *
   * @default - `<name>-primary`
   */
  readonly primaryServiceName?: string;

  /**
   * The name of the client Service for reads, over every ready pod (primary and synced replicas).
   *
   * @default - `<name>-read`
   */
  readonly readServiceName?: string;

  /**
   * The namespace of every object. When set, host names are FQDNs
   * (`cache-0.cache.<namespace>.svc.<clusterDomain>`).
   *
   * @default - none: the namespace of the kubectl context; host names are then
   * namespace-relative (`cache-0.cache`, `cache-primary`) and resolve from pods in the same namespace
   */
  readonly namespace?: string;

  /**
   * The cluster's DNS domain, used in FQDNs.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Extra labels on every object and pod.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * The number of pods: the first is the primary, every other one a replica of it.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The server image: the official `redis` image (Redis 5.0.3 to 8.x), `valkey/valkey`
   * (Valkey 7.2 to 8.x), or a mirror of either (`docker.io/library/redis:6.2.14`,
   * `registry.example.com/mirror/redis:7`, `ghcr.io/valkey-io/valkey:8.0-alpine`). The
   * server version is read from the tag; set `version` when the tag does not say it.
   *
   * @default "redis:7.4"
   */
  readonly image?: string;

  /**
   * The server version the image runs, e.g. `'6.2'`, `'5.0.14'` or `'8'`, for images whose
   * tag does not say it (`latest`, a digest, a private name). It decides the `redis.conf`
   * syntax: Redis 5.x and 6.x get no `bind` (all interfaces, their default), one `save`
   * rule per line and no `shutdown-on-sigterm`. An image under a private name is taken
   * as Redis (its binaries `redis-server`/`redis-cli`) unless its name contains `valkey`.
   * A version outside Redis 5.0.3 to 8.x / Valkey 7.2 to 8.x is refused.
   *
   * @default - read from the image tag (an error asks for it when the tag does not say it)
   */
  readonly version?: string;

  /**
   * When the image is pulled.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;

  /**
   * The port Redis listens on and the Services expose.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * Require a password (`requirepass`, and `masterauth` on replicas). Turning it off is an
   * explicit opt-in to an open server (`protected-mode no`).
   *
   * @default true
   */
  readonly auth?: boolean;

  /**
   * Where the password comes from. It is read from the Secret at pod start and never
   * appears in a ConfigMap, a command line or an annotation.
   *
   * @default - `Credentials.fromSecretName('<name>-auth', 'password')`: a Secret you create,
   * e.g. `kubectl create secret generic <name>-auth --from-literal=password=$(openssl rand -hex 24)`;
   * the pods wait for it
   */
  readonly credentials?: Credentials;

  /**
   * Persist every write to the append-only file (`appendonly`).
   *
   * @default true
   */
  readonly appendOnly?: boolean;

  /**
   * How often the append-only file is fsynced.
   *
   * @default RedisAppendFsync.EVERY_SEC
   */
  readonly appendFsync?: RedisAppendFsync;

  /**
   * RDB snapshot rules (`save`); an empty list turns RDB snapshots off (`save ""`).
   *
   * @default - Redis's defaults: after 1 hour with 1 change, 5 minutes with 100, 1 minute with 10000
   */
  readonly rdbSnapshots?: RedisSnapshotRule[];

  /**
   * The memory Redis may use for data (`maxmemory`), at least 1 MiB and below the
   * container's memory limit.
   *
   * @default - 75% of the container's memory limit (384 MiB with the default 512Mi limit);
   * no limit when the container has no memory limit
   */
  readonly maxmemory?: Size;

  /**
   * What Redis does when `maxmemory` is reached.
   *
   * @default RedisEvictionPolicy.NO_EVICTION
   */
  readonly maxmemoryPolicy?: RedisEvictionPolicy;

  /**
   * Extra `redis.conf` directives (name → value, written as `name value`), e.g.
   * `{ 'hz': '20', 'latency-tracking': 'no' }`. Directives this construct manages
   * (port, dir, auth, replication, persistence, memory) are refused: use their props.
   *
   * @default - none
   */
  readonly extraConfig?: { [directive: string]: string };

  /**
   * The size of each pod's data claim, mounted at `/data`.
   *
   * @default Size.gibibytes(1)
   */
  readonly storageSize?: Size;

  /**
   * The storage class of the data claims (`''` for pre-created volumes only).
   *
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;

  /**
   * The access modes of the data claims.
   *
   * @default [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]
   */
  readonly storageAccessModes?: kplus.PersistentVolumeAccessMode[];

  /**
   * The name of the data claim template (claims are `<storageClaimName>-<name>-<ordinal>`).
   *
   * @default "data"
   */
  readonly storageClaimName?: string;

  /**
   * Pre-created PersistentVolumes, one per pod and pre-bound to its claim (needs `namespace`).
   *
   * @default - none: a provisioner creates the volumes
   */
  readonly storageStaticVolumes?: StaticVolumesOptions;

  /**
   * Whether the claims are deleted when the StatefulSet is deleted.
   *
   * @default ClaimRetentionPolicy.RETAIN
   */
  readonly claimRetentionWhenDeleted?: ClaimRetentionPolicy;

  /**
   * Whether the claims of removed pods are deleted when the StatefulSet scales down.
   *
   * @default ClaimRetentionPolicy.RETAIN
   */
  readonly claimRetentionWhenScaled?: ClaimRetentionPolicy;

  /**
   * The Redis container's resources.
   *
   * @default - requests 100m CPU and 256Mi memory, memory limit 512Mi, no CPU limit
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * The numeric user the containers run as (the official image's `redis` user is 999).
   *
   * @default 999
   */
  readonly runAsUser?: number;

  /**
   * The numeric group the containers run as.
   *
   * @default - same as `runAsUser`
   */
  readonly runAsGroup?: number;

  /**
   * The group that owns the mounted volumes.
   *
   * @default - same as `runAsGroup`
   */
  readonly fsGroup?: number;

  /**
   * Mount the root filesystems read-only (everything Redis writes is a volume).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * How long a pod may take to shut down. On SIGTERM Redis waits up to 10 s for lagging
   * replicas (`shutdown-timeout`), fsyncs the append-only file and, when RDB rules are
   * set, saves a snapshot before it exits.
   *
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * How the pods are spread across nodes.
   *
   * @default PodSpreading.SOFT_ANTI_AFFINITY
   */
  readonly spreading?: PodSpreading;

  /**
   * Create a PodDisruptionBudget.
   *
   * @default - true when replicas > 1
   */
  readonly disruptionBudget?: boolean;

  /**
   * The PodDisruptionBudget's `maxUnavailable`.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;

  /**
   * Annotations on the pods.
   *
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
}

const C = 'StatefulRedis';
const DEFAULT_IMAGE = 'redis:7.4';
const DATA_DIR = '/data';
const CONF_DIR = '/etc/redis';
const CONFIG_SOURCE = '/mnt/redis-config';
const PROBE_SCRIPT = 'redis-probe.sh';
const PROBE_PATH = PetService.scriptPath(PROBE_SCRIPT);
const MIB = 1024;

/** Directives StatefulRedis writes itself, with the prop to use instead. */
const MANAGED: { [directive: string]: string } = {
  'port': '`port`',
  'bind': '(all interfaces are bound)',
  'dir': '(the data claim at /data)',
  'include': '(the generated configuration)',
  'daemonize': '(Redis must run in the foreground)',
  'logfile': '(logs go to stdout)',
  'requirepass': '`auth` / `credentials`',
  'masterauth': '`auth` / `credentials`',
  'masteruser': '`auth` / `credentials`',
  'protected-mode': '`auth`',
  'replicaof': '(ordinal 0 is the primary, the other pods its replicas)',
  'slaveof': '(ordinal 0 is the primary, the other pods its replicas)',
  'appendonly': '`appendOnly`',
  'appendfsync': '`appendFsync`',
  'save': '`rdbSnapshots`',
  'maxmemory': '`maxmemory`',
  'maxmemory-policy': '`maxmemoryPolicy`',
  'shutdown-on-sigterm': '(SIGTERM shuts down gracefully, persisting data)',
  'dbfilename': '(the init container recognises the data files by their default names)',
  'appendfilename': '(the init container recognises the data files by their default names)',
  'appenddirname': '(the init container recognises the data files by their default names)',
};

/** How long the seed init container waits for the copy of a peer's data. */
const SEED_TIMEOUT_SECONDS = 1800;

/**
 * Replicated Redis on a PetService: the first pod (ordinal 0) is the primary, every other
 * pod a replica of it through the primary's stable DNS name (`<name>-0.<headless service>`).
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
export class StatefulRedis extends Construct {
  /** The core: StatefulSet, headless Service, claims, PDB (escape hatch). */
  public readonly pet: PetService;
  /** The cdk8s-plus StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The Redis container. */
  public readonly container: kplus.Container;
  /** The headless governing Service (per-pod DNS). */
  public readonly headlessService: kplus.Service;
  /** The client Service for writes: selects only the primary pod. */
  public readonly primaryService: kplus.Service;
  /** The client Service for reads: every ready pod. */
  public readonly readService: kplus.Service;
  /** The ConfigMap with `redis.conf`, `primary.conf` and `replica.conf` (no password). */
  public readonly configMap: kplus.ConfigMap;
  /** The StatefulSet's name. */
  public readonly name: string;
  /** The number of pods. */
  public readonly replicas: number;
  /** The port of Redis and of the Services. */
  public readonly port: number;
  /** The image. */
  public readonly image: string;
  /** The server and version the configuration is rendered for, e.g. `Redis 7.4`, `Redis 5`, `Valkey 8.0`. */
  public readonly serverVersion: string;
  /** The write Service's host name: `<name>-primary` plus `.<namespace>.svc.<domain>` when the namespace is set. */
  public readonly primaryHost: string;
  /** The read Service's host name: `<name>-read` plus `.<namespace>.svc.<domain>` when the namespace is set. */
  public readonly readHost: string;
  /** The primary pod's stable host name, the target of the replicas' `replicaof`. */
  public readonly primaryPodHost: string;
  /** The Secret holding the password (undefined when `auth` is off). */
  public readonly passwordSecret?: kplus.ISecret;
  /** The key of the password in `passwordSecret` (undefined when `auth` is off). */
  public readonly passwordSecretKey?: string;

  private readonly _directives: Array<[string, string]> = [];
  private readonly _auth: boolean;

  constructor(scope: Construct, id: string, props: StatefulRedisProps = {}) {
    super(scope, id);
    if (props === null || typeof props !== 'object') throw propError(C, 'props', props, 'must be an object');

    this.name = assertDnsLabel(C, 'name', props.name ?? id.toLowerCase(), 52);
    this.replicas = assertInteger(C, 'replicas', props.replicas ?? 3, 1, 1000);
    this.port = assertPort(C, 'port', props.port ?? 6379);
    this.image = props.image ?? DEFAULT_IMAGE;
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
    const resources: kplus.ContainerResources = props.resources ?? {
      cpu: { request: kplus.Cpu.millis(100) },
      memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
    };
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

    // ---- the core -------------------------------------------------------------------------
    const uid = props.runAsUser ?? 999;
    this.pet = new PetService(this, 'Resource', {
      name: this.name,
      serviceName: props.serviceName,
      namespace: props.namespace,
      clusterDomain: props.clusterDomain,
      appName: 'redis',
      labels: props.labels,
      podAnnotations: props.podAnnotations,
      replicas: this.replicas,
      image: this.image,
      imagePullPolicy: props.imagePullPolicy,
      containerName: 'redis',
      args: [server, `${CONF_DIR}/redis.conf`],
      ports: [{ name: 'redis', port: this.port }],
      readiness: kplus.Probe.fromCommand(['sh', PROBE_PATH, 'readiness'], {
        initialDelaySeconds: Duration.seconds(5),
        periodSeconds: Duration.seconds(5),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 3,
      }),
      liveness: kplus.Probe.fromCommand(['sh', PROBE_PATH, 'liveness'], {
        initialDelaySeconds: Duration.seconds(30),
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: 6,
      }),
      // Replicas resolve the primary by its pod DNS name while it is still starting.
      publishNotReadyAddresses: true,
      resources,
      runAsUser: uid,
      runAsGroup: props.runAsGroup,
      fsGroup: props.fsGroup,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(60),
      claimRetentionWhenDeleted: props.claimRetentionWhenDeleted,
      claimRetentionWhenScaled: props.claimRetentionWhenScaled,
      spreading: props.spreading,
      disruptionBudget: props.disruptionBudget,
      maxUnavailable: props.maxUnavailable,
    });
    this.pet._addProductClaimTemplate({
      name: props.storageClaimName ?? 'data',
      size: props.storageSize ?? Size.gibibytes(1),
      storageClassName: props.storageClassName,
      accessModes: props.storageAccessModes,
      mountPath: DATA_DIR,
      staticVolumes: props.storageStaticVolumes,
    }, {
      name: 'storageClaimName',
      size: 'storageSize',
      storageClassName: 'storageClassName',
      accessModes: 'storageAccessModes',
      staticVolumes: 'storageStaticVolumes',
    });
    this.statefulSet = this.pet.statefulSet;
    this.container = this.pet.container;
    this.headlessService = this.pet.service;

    // Names: FQDNs when the namespace is known, else namespace-relative names (resolved
    // through the pods' DNS search path), which are right in whatever namespace this is applied to.
    const first = this.pet.ordinalsStart;
    this.primaryPodHost = this.pet.podHost(first);
    this.primaryService = this.pet.addClientService('primary', {
      ordinal: first,
      name: props.primaryServiceName === undefined ? undefined : assertServiceName(C, 'primaryServiceName', props.primaryServiceName),
    });
    this.readService = this.pet.addClientService('read', {
      name: props.readServiceName === undefined ? undefined : assertServiceName(C, 'readServiceName', props.readServiceName),
    });
    this.primaryHost = this.pet.hostFor(this.primaryService.name);
    this.readHost = this.pet.hostFor(this.readService.name);

    // ---- configuration --------------------------------------------------------------------
    // Redis 7.0 introduced `bind *` / the optional `-` prefix, several rules on one `save`
    // line and `shutdown-on-sigterm`: Redis 5.x and 6.x stop at start on any of them
    // ("Bad directive or wrong number of arguments"). Without `bind` they listen on every
    // interface (IPv6 only where the kernel has it), which is what `bind * -::*` says.
    this._directives.push(
      ['port', String(this.port)],
      ...(modern ? [['bind', '* -::*'] as [string, string]] : []),
      ['protected-mode', auth ? 'yes' : 'no'],
      ['daemonize', 'no'],
      ['logfile', '""'],
      ['appendonly', appendOnly ? 'yes' : 'no'],
      ...(appendOnly ? [['appendfsync', fsync] as [string, string]] : []),
      ...(modern || save.length === 0 ? [['save', save.length === 0 ? '""' : save.join(' ')] as [string, string]]
        : save.map(rule => ['save', rule] as [string, string])),
      ...(maxmemoryKib !== undefined ? [['maxmemory', redisSize(maxmemoryKib)] as [string, string]] : []),
      ['maxmemory-policy', policy],
      ...(modern ? [['shutdown-on-sigterm', 'default'] as [string, string]] : []),
    );
    for (const [k, v] of Object.entries(props.extraConfig ?? {})) this.addDirective(k, v);

    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, namespace: props.namespace, labels: this.pet.labels },
    });
    this.configMap.addData('redis.conf', Lazy.any({ produce: () => this._renderCommon() }) as unknown as string);
    this.configMap.addData('primary.conf', [
      `# Generated by cdk8s-stateful: the primary, ${this.pet.podName(first)}. Replicas follow it.`,
      '',
    ].join('\n'));
    this.configMap.addData('replica.conf', [
      `# Generated by cdk8s-stateful: every pod but ${this.pet.podName(first)} replicates it through its stable DNS name.`,
      `replicaof ${this.primaryPodHost} ${this.port}`,
      'replica-read-only yes',
      'replica-serve-stale-data yes',
      '',
    ].join('\n'));

    // A change of the configuration rolls the pods (a ConfigMap change alone would not).
    this.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash',
      Lazy.any({ produce: () => this._configHash() }) as unknown as string);

    // ---- password -------------------------------------------------------------------------
    let passwordEnv: kplus.EnvValue | undefined;
    if (auth) {
      const creds = props.credentials ?? Credentials.fromSecretName(`${this.name}-auth`, 'password');
      const bound = creds.bind(this, 'Auth', { secretName: `${this.name}-auth`, namespace: props.namespace, labels: this.pet.labels });
      this.passwordSecret = bound.secret;
      this.passwordSecretKey = bound.key;
      passwordEnv = kplus.EnvValue.fromSecretValue({ secret: bound.secret, key: bound.key });
      // redis-cli (probes, `kubectl exec … redis-cli`) reads REDISCLI_AUTH: never `-a`.
      this.container.env.addVariable('REDISCLI_AUTH', passwordEnv);
      // valkey-cli 8 reads VALKEYCLI_AUTH (7.2 still REDISCLI_AUTH).
      if (version.flavor === 'valkey') this.container.env.addVariable('VALKEYCLI_AUTH', passwordEnv);
    }

    // ---- per-ordinal init, probes ------------------------------------------------------------
    const init = this.pet.addOrdinalInit({
      name: 'redis-init',
      steps: [OrdinalStep.shell(renderInitStep({ configSource: CONFIG_SOURCE, confDir: CONF_DIR, dataDir: DATA_DIR }, auth),
        'write redis.conf for the primary (first pod) or a replica')],
      configMap: this.configMap,
      configMountPath: CONFIG_SOURCE,
      outputPath: CONF_DIR,
    });
    if (passwordEnv) init.env.addVariable('REDIS_PASSWORD', passwordEnv);

    // redis-seed: an empty volume on the first pod never wins over peers that hold data. It
    // may run a temporary server holding the whole data set: the server's resources.
    const peers: string[] = [];
    for (let i = 1; i < this.replicas; i++) peers.push(this.pet.podHost(first + i));
    const seedScript = new OrdinalScript({
      statefulSetName: this.name,
      ordinalsStart: first,
      steps: [OrdinalStep.shell(renderSeedStep({
        confDir: CONF_DIR,
        dataDir: DATA_DIR,
        port: this.port,
        peers,
        primaryPodHost: this.primaryPodHost,
        server,
        cli,
        timeoutSeconds: SEED_TIMEOUT_SECONDS,
        appendOnly,
      }), 'the first pod on an empty volume copies the data of the best peer before it serves as the primary')],
    });
    const seedPath = this.pet.addScript('redis-seed.sh', seedScript.render());
    const seed = this.pet.addInitContainer({
      name: 'redis-seed',
      image: this.image,
      imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['sh', seedPath],
      envVariables: { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) },
      resources,
    });
    if (passwordEnv) {
      seed.env.addVariable('REDISCLI_AUTH', passwordEnv);
      if (version.flavor === 'valkey') seed.env.addVariable('VALKEYCLI_AUTH', passwordEnv);
    }
    this.pet.mountScripts(seed);
    this.pet.mountClaim(seed, props.storageClaimName ?? 'data', DATA_DIR);
    seed.mount(CONF_DIR, init.mounts.find(m => m.path === CONF_DIR)!.volume);

    this.pet.addScript(PROBE_SCRIPT, renderProbeScript(this.name, this.port, CONF_DIR, cli));
    this.pet.mountScripts(this.container);
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
    if (typeof value !== 'string' || value.trim().length === 0 || /[\0\r\n]/.test(value)) {
      throw propError(C, `extraConfig[${directive}]`, value, 'must be a non-empty value on one line');
    }
    if (this._directives.some(([k]) => k === directive)) {
      throw propError(C, 'extraConfig directive', directive, 'is already set');
    }
    this._directives.push([directive, value]);
  }

  private _configHash(): string {
    const hash = createHash('sha256');
    for (const [k, v] of Object.entries(this.configMap.data).sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`${k}\0${k === 'redis.conf' ? this._renderCommon() : v}\0`);
    }
    return hash.digest('hex').slice(0, 16);
  }

  private _renderCommon(): string {
    return [
      `# Generated by cdk8s-stateful: redis.conf shared by every pod of ${this.name}.`,
      ...(this._auth
        ? ['# At pod start the init container appends `dir`, the role (primary.conf or replica.conf)',
          '# and an include of the password file it writes from the Secret.']
        : ['# At pod start the init container appends `dir` and the role (primary.conf or replica.conf).',
          '# Auth is off (`auth: false`): any client that reaches the port can read and write.']),
      ...this._directives.map(([k, v]) => `${k} ${v}`),
      '',
    ].join('\n');
  }
}

/** `maxmemory` in the largest exact Redis unit (Redis's kb/mb/gb are powers of 1024). */
function redisSize(kib: number): string {
  if (kib % (MIB * MIB) === 0) return `${kib / (MIB * MIB)}gb`;
  if (kib % MIB === 0) return `${kib / MIB}mb`;
  return `${kib}kb`;
}

/** The server version: the `version` prop, else the image tag; refused outside the supported range. */
function resolveVersion(image: string, versionProp: string | undefined): RedisServerVersion {
  const parsed = parseRedisImage(image);
  const flavor = parsed.flavor ?? (/valkey/i.test(image) ? 'valkey' : 'redis');
  let v: { major: number; minor?: number; patch?: number } | undefined;
  if (versionProp !== undefined) {
    v = typeof versionProp === 'string' ? parseVersionProp(versionProp) : undefined;
    if (!v) throw propError(C, 'version', versionProp, 'must be a server version such as \'7.4\', \'6.2\' or \'5.0.14\'');
  } else if (parsed.flavor && parsed.version) {
    v = parsed.version;
  } else {
    throw propError(C, 'image', image,
      `does not say its server version (${parsed.flavor ? 'no version in the tag' : 'not an official redis or valkey image name'}); set \`version\` (e.g. version: '7.4'); supported: ${SUPPORTED_RANGE}`);
  }
  const version: RedisServerVersion = { flavor, ...v };
  const why = unsupportedReason(version);
  if (why) {
    throw propError(C, versionProp !== undefined ? 'version' : 'image', versionProp ?? image,
      `is ${describeVersion(version)}${versionProp !== undefined ? ` (image ${image})` : ''}, which StatefulRedis does not support (${why}); supported: ${SUPPORTED_RANGE}`);
  }
  return version;
}

function renderSaveRules(rules: RedisSnapshotRule[]): string[] {
  if (!Array.isArray(rules)) throw propError(C, 'rdbSnapshots', rules, 'must be a list of { interval, changes } rules ([] turns RDB snapshots off)');
  if (rules.length === 0) return [];
  return rules.map((r, i) => {
    let ms = NaN;
    try {
      ms = r?.interval instanceof Duration ? r.interval.toMilliseconds() : NaN;
    } catch {
      // a fraction of a millisecond: reported below
    }
    if (!Number.isFinite(ms) || ms % 1000 !== 0 || ms < 1000) {
      throw propError(C, `rdbSnapshots[${i}].interval`, r?.interval instanceof Duration ? (Number.isFinite(ms) ? `${ms / 1000}s` : r.interval.toHumanString()) : r?.interval, 'must be a Duration of whole seconds, at least 1 second');
    }
    const changes = assertInteger(C, `rdbSnapshots[${i}].changes`, r.changes, 1, 2 ** 31 - 1);
    return `${ms / 1000} ${changes}`;
  });
}
