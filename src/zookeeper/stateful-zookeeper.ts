import { createHash } from 'crypto';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { renderZooCfg } from './config';
import { AUTH_STEP, INIT_STEP, PROBE_SCRIPT, START_SCRIPT } from './scripts';
import { ClaimRetentionPolicy, Credentials, OrdinalStep, PetService, PodSpreading, StaticVolumesOptions } from '../core';
import { assertSize } from '../core/sizes';
import { assertBoolean, assertDnsLabel, assertInteger, assertServiceName, propError } from '../core/validate';

/** Props of a StatefulZooKeeper. */
export interface StatefulZooKeeperProps {
  /**
   * The StatefulSet's name (pods are `<name>-<ordinal>`, claims `<storageClaimName>-<name>-<ordinal>`).
   * Renaming orphans the data.
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The headless governing Service's name (pods are `<pod>.<serviceName>`, the names in `zoo.cfg`).
   *
   * @default - same as `name`
   */
  readonly serviceName?: string;

  /**
   * The name of the client Service (port 2181, every Ready server).
   *
   * @default - `<name>-client`
   */
  readonly clientServiceName?: string;

  /**
   * The namespace of every object. When set, host names are FQDNs
   * (`zk-0.zk.<namespace>.svc.<clusterDomain>`).
   *
   * @default - none: the namespace of the kubectl context; host names are then
   * namespace-relative (`zk-0.zk`) and resolve from pods in the same namespace
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
   * The number of servers: 1, 3, 5 or 7 (an ensemble of 2n+1 servers tolerates n failures;
   * an even count tolerates no more than the odd count below it). Observers are not
   * supported. Changing it on a running ensemble changes every member's server list: see
   * the README for the procedure.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The first ordinal (`spec.ordinals.start`). Server ids are ordinal + 1.
   *
   * @default 0
   */
  readonly ordinalsStart?: number;

  /**
   * The official ZooKeeper image (a 3.9 tag, or a mirror of it). It must provide
   * `zkServer.sh` on the PATH, `nc` (netcat) and `sh`, as the official image does.
   *
   * @default "zookeeper:3.9"
   */
  readonly image?: string;

  /**
   * When the image is pulled.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;

  /**
   * SASL (DIGEST-MD5) authentication: every client session must authenticate as
   * `clientUser`, and the servers authenticate each other (quorum SASL). The passwords
   * are read from Secrets at pod start into a 0600 JAAS file on an emptyDir; they never
   * appear in a ConfigMap or on a command line. `kubectl exec <pod> -- zkCli.sh`
   * authenticates as `clientUser` (`CLIENT_JVMFLAGS` points at the JAAS file).
   *
   * @default false: no authentication (restrict who reaches port 2181, e.g. with `pet.isolateNetwork()`)
   */
  readonly auth?: boolean;

  /**
   * The user clients authenticate as (needs `auth`): letters, digits and '_'.
   *
   * @default "zookeeper"
   */
  readonly clientUser?: string;

  /**
   * The password of `clientUser` (needs `auth`).
   *
   * @default - `Credentials.fromSecretName('<name>-auth', 'client-password')`: a Secret you create
   */
  readonly clientCredentials?: Credentials;

  /**
   * The secret the servers authenticate each other with (needs `auth`).
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
   * The ZooKeeper container's resources.
   *
   * @default - requests 100m CPU and 512Mi memory, memory limit 1Gi, no CPU limit
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * The size of each server's data claim (`dataDir`: snapshots, `myid`, and the
   * transaction log unless `dataLogStorageSize` is set), mounted at `/data`.
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
   * Pre-created PersistentVolumes for the data claims, one per pod and pre-bound to its claim (needs `namespace`).
   *
   * @default - none: a provisioner creates the volumes
   */
  readonly storageStaticVolumes?: StaticVolumesOptions;

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
   * The numeric user the containers run as (the official image's `zookeeper` user is 1000).
   *
   * @default 1000
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
   * Mount the root filesystems read-only (ZooKeeper writes only to its volumes, `/logs` and `/tmp`).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * How long a server may take to shut down.
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
   * Create a PodDisruptionBudget that keeps a quorum: `maxUnavailable = (replicas - 1) / 2`.
   *
   * @default - true when replicas > 1
   */
  readonly disruptionBudget?: boolean;

  /**
   * Annotations on the pods.
   *
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
}

const C = 'StatefulZooKeeper';
const DEFAULT_IMAGE = 'zookeeper:3.9';
const CLIENT_PORT = 2181;
const QUORUM_PORT = 2888;
const ELECTION_PORT = 3888;
const DATA_DIR = '/data';
const DATALOG_DIR = '/datalog';
const LOG_DIR = '/logs';
const TMP_DIR = '/tmp';
const CONFIG_DIR = '/zookeeper-config';
const CONFIG_SOURCE = '/mnt/zookeeper-config';
const START_FILE = 'zk-start.sh';
const PROBE_FILE = 'zk-probe.sh';
const PROBE_PATH = PetService.scriptPath(PROBE_FILE);
const RESERVED_VOLUMES = ['zk-logs', 'zk-tmp', 'scripts', 'zookeeper-init-output', 'zookeeper-init-config'];

/**
 * A ZooKeeper ensemble on a PetService: `replicas` servers (1, 3, 5 or 7) of the official
 * `zookeeper` image, each with its own stable DNS name, `myid` (ordinal + 1) and data claim.
 *
 * With no props you get 3 servers running as uid 1000 under Pod Security Standards
 * "restricted", a read-only root filesystem, a retained 1Gi claim per server, a headless
 * Service that publishes not-ready addresses (peers resolve each other before they are
 * Ready), a client Service on 2181 (`<name>-client`), a PodDisruptionBudget that keeps a
 * quorum (`maxUnavailable = (replicas - 1) / 2`) and soft anti-affinity.
 *
 * Pods start in parallel (`podManagementPolicy: Parallel`, as in the Kubernetes ZooKeeper
 * tutorial): a server is Ready when it is in a quorum and serves clients, which a lone
 * server never is, so OrderedReady would wait for pod 0 forever. Rolling updates still
 * replace one pod at a time, waiting for it to rejoin the quorum.
 *
 * `zoo.cfg` (in the ConfigMap `<name>-config`) lists every member
 * (`server.<ordinal + 1>=<pod>.<service>:2888:3888;2181`); an init container (the core's
 * ordinal facility) writes `myid` and copies the file into an emptyDir. The server runs
 * `zkServer.sh start-foreground` (no entrypoint config generation) with the heap sized
 * from the memory limit, and logs to stdout.
 *
 * @see https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html
 */
export class StatefulZooKeeper extends Construct {
  /** The core: StatefulSet, headless Service, claims, PDB (escape hatch). */
  public readonly pet: PetService;
  /** The cdk8s-plus StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The ZooKeeper container. */
  public readonly container: kplus.Container;
  /** The headless governing Service (per-pod DNS, not-ready addresses published). */
  public readonly headlessService: kplus.Service;
  /** The client Service (port 2181, every Ready server). */
  public readonly clientService: kplus.Service;
  /** The ConfigMap with `zoo.cfg`. */
  public readonly configMap: kplus.ConfigMap;
  /** The StatefulSet's name. */
  public readonly name: string;
  /** The number of servers. */
  public readonly replicas: number;
  /** The image. */
  public readonly image: string;
  /** The client port (2181). */
  public readonly clientPort: number;
  /** The client Service's host name: `<name>-client` plus `.<namespace>.svc.<domain>` when the namespace is set. */
  public readonly clientHost: string;
  /**
   * The connection string for ZooKeeper clients: every server's stable host and client
   * port, e.g. `zk-0.zk:2181,zk-1.zk:2181,zk-2.zk:2181` (FQDNs when the namespace is set).
   */
  public readonly connectString: string;
  /** The rendered `zoo.cfg`. */
  public readonly zooCfg: string;

  constructor(scope: Construct, id: string, props: StatefulZooKeeperProps = {}) {
    super(scope, id);
    if (props === null || typeof props !== 'object') throw propError(C, 'props', props, 'must be an object');

    this.name = assertDnsLabel(C, 'name', props.name ?? id.toLowerCase(), 52);
    const replicas = props.replicas ?? 3;
    if (!([1, 3, 5, 7] as unknown[]).includes(replicas)) {
      throw propError(C, 'replicas', replicas,
        'must be 1, 3, 5 or 7: an ensemble of 2n+1 servers tolerates n failures and an even count tolerates no more than the odd one below it (observers are not supported)');
    }
    this.replicas = replicas;
    this.image = props.image ?? DEFAULT_IMAGE;
    this.clientPort = CLIENT_PORT;

    // ---- auth ---------------------------------------------------------------------------------
    const auth = assertBoolean(C, 'auth', props.auth) ?? false;
    if (!auth) {
      for (const prop of ['clientUser', 'clientCredentials', 'quorumCredentials'] as const) {
        if (props[prop] !== undefined) throw propError(C, prop, prop === 'clientUser' ? props[prop] : '(set)', 'only applies with `auth: true`');
      }
    }
    const clientUser = props.clientUser ?? 'zookeeper';
    if (typeof clientUser !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(clientUser)) {
      throw propError(C, 'clientUser', clientUser, 'must be 1 to 64 letters, digits and \'_\'');
    }
    for (const prop of ['clientCredentials', 'quorumCredentials'] as const) {
      if (props[prop] !== undefined && !(props[prop] instanceof Credentials)) {
        throw propError(C, prop, props[prop], 'must be Credentials.fromSecret(), fromSecretName() or fromPassword()');
      }
    }

    // ---- tuning -----------------------------------------------------------------------------
    const tickTimeMs = assertTickTime(props.tickTime);
    const initLimit = assertInteger(C, 'initLimit', props.initLimit ?? 10, 1, 1000);
    const syncLimit = assertInteger(C, 'syncLimit', props.syncLimit ?? 5, 1, 1000);
    const snapRetainCount = assertInteger(C, 'snapshotRetainCount', props.snapshotRetainCount ?? 3, 3, 1000);
    const purgeIntervalHours = assertInteger(C, 'purgeIntervalHours', props.purgeIntervalHours ?? 24, 0, 24 * 365);
    const maxClientConnections = assertInteger(C, 'maxClientConnections', props.maxClientConnections ?? 60, 0, 100_000);

    // ---- resources and heap -------------------------------------------------------------------
    const resources: kplus.ContainerResources = props.resources ?? {
      cpu: { request: kplus.Cpu.millis(100) },
      memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
    };
    const limit = resources.memory?.limit === undefined ? undefined : assertSize(C, 'resources.memory.limit', resources.memory.limit);
    let heapMib: number | undefined;
    if (props.heapSize !== undefined) {
      const heap = assertSize(C, 'heapSize', props.heapSize);
      if (heap.kib % 1024 !== 0 || heap.kib < 32 * 1024) throw propError(C, 'heapSize', heap.quantity, 'must be a whole number of MiB, at least 32 MiB');
      if (limit && heap.kib >= limit.kib) {
        throw propError(C, 'heapSize', heap.quantity,
          `must be below the container's memory limit (${limit.quantity}), which also holds the JVM's metaspace, threads and buffers; raise \`resources.memory.limit\` or lower \`heapSize\``);
      }
      heapMib = heap.kib / 1024;
    } else if (limit && Math.floor(limit.kib * 3 / 4 / 1024) < 32) {
      throw propError(C, 'resources.memory.limit', limit.quantity, 'must leave ZooKeeper a heap of at least 32 MiB (75% of the limit): at least 43Mi');
    }

    // ---- the core -------------------------------------------------------------------------------
    const disruptionBudget = assertBoolean(C, 'disruptionBudget', props.disruptionBudget) ?? replicas > 1;
    if (disruptionBudget && replicas === 1) {
      throw propError(C, 'disruptionBudget', true, 'needs at least 3 servers: a single server has no quorum to keep, and a budget of 0 would block every node drain');
    }
    const startPath = PetService.scriptPath(START_FILE);
    this.pet = new PetService(this, 'Resource', {
      name: this.name,
      serviceName: props.serviceName,
      namespace: props.namespace,
      clusterDomain: props.clusterDomain,
      appName: 'zookeeper',
      labels: props.labels,
      podAnnotations: props.podAnnotations,
      replicas,
      ordinalsStart: props.ordinalsStart,
      // A lone server is never in a quorum, hence never Ready: OrderedReady would never
      // create pod 1. Parallel start; updates still roll one pod at a time.
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      image: this.image,
      imagePullPolicy: props.imagePullPolicy,
      containerName: 'zookeeper',
      command: ['sh', startPath, `${CONFIG_DIR}/zoo.cfg`],
      ports: [
        { name: 'client', port: CLIENT_PORT },
        { name: 'quorum', port: QUORUM_PORT },
        { name: 'election', port: ELECTION_PORT },
      ],
      readiness: kplus.Probe.fromCommand(['sh', PROBE_PATH, 'readiness', String(CLIENT_PORT)], {
        initialDelaySeconds: Duration.seconds(10),
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(8),
        failureThreshold: 3,
      }),
      liveness: kplus.Probe.fromCommand(['sh', PROBE_PATH, 'liveness', String(CLIENT_PORT)], {
        initialDelaySeconds: Duration.seconds(60),
        periodSeconds: Duration.seconds(15),
        timeoutSeconds: Duration.seconds(8),
        failureThreshold: 4,
      }),
      // Peers resolve each other by their pod DNS names before they are Ready (they cannot
      // be Ready before they have formed a quorum).
      publishNotReadyAddresses: true,
      resources,
      runAsUser: props.runAsUser ?? 1000,
      runAsGroup: props.runAsGroup,
      fsGroup: props.fsGroup,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(60),
      claimRetentionWhenDeleted: props.claimRetentionWhenDeleted,
      claimRetentionWhenScaled: props.claimRetentionWhenScaled,
      spreading: props.spreading,
      disruptionBudget,
      maxUnavailable: disruptionBudget ? (replicas - 1) / 2 : undefined,
    });
    this.statefulSet = this.pet.statefulSet;
    this.container = this.pet.container;
    this.headlessService = this.pet.service;

    const claimName = props.storageClaimName ?? 'data';
    if (RESERVED_VOLUMES.includes(claimName)) {
      throw propError(C, 'storageClaimName', claimName, `is the name of a pod volume StatefulZooKeeper uses (${RESERVED_VOLUMES.join(', ')})`);
    }
    this.pet._addProductClaimTemplate({
      name: claimName,
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
    let dataLogDir: string | undefined;
    if (props.dataLogStorageSize !== undefined) {
      const logClaim = props.dataLogClaimName ?? 'datalog';
      if (RESERVED_VOLUMES.includes(logClaim)) {
        throw propError(C, 'dataLogClaimName', logClaim, `is the name of a pod volume StatefulZooKeeper uses (${RESERVED_VOLUMES.join(', ')})`);
      }
      this.pet._addProductClaimTemplate({
        name: logClaim,
        size: props.dataLogStorageSize,
        storageClassName: props.dataLogStorageClassName ?? props.storageClassName,
        accessModes: props.storageAccessModes,
        mountPath: DATALOG_DIR,
      }, {
        name: 'dataLogClaimName',
        size: 'dataLogStorageSize',
        storageClassName: props.dataLogStorageClassName === undefined ? 'storageClassName' : 'dataLogStorageClassName',
        accessModes: 'storageAccessModes',
      });
      dataLogDir = DATALOG_DIR;
    } else {
      for (const prop of ['dataLogStorageClassName', 'dataLogClaimName'] as const) {
        if (props[prop] !== undefined) throw propError(C, prop, props[prop], 'only applies with `dataLogStorageSize` (a separate transaction-log claim)');
      }
    }

    // Writable scratch space under a read-only root: zkServer.sh's log directory and the JVM's /tmp.
    this.container.mount(LOG_DIR, kplus.Volume.fromEmptyDir(this, 'Logs', 'zk-logs'));
    this.container.mount(TMP_DIR, kplus.Volume.fromEmptyDir(this, 'Tmp', 'zk-tmp'));

    // ---- names ----------------------------------------------------------------------------------
    this.clientService = this.pet.addClientService('client', {
      name: props.clientServiceName === undefined ? undefined : assertServiceName(C, 'clientServiceName', props.clientServiceName),
      portNames: ['client'],
    });
    this.clientHost = this.pet.hostFor(this.clientService.name);
    this.connectString = this.pet.ordinals.map(o => `${this.pet.podHost(o)}:${CLIENT_PORT}`).join(',');

    // ---- configuration ----------------------------------------------------------------------------
    this.zooCfg = renderZooCfg({
      name: this.name,
      members: this.pet.ordinals.map(o => ({ id: o + 1, host: this.pet.podHost(o) })),
      clientPort: CLIENT_PORT,
      quorumPort: QUORUM_PORT,
      electionPort: ELECTION_PORT,
      dataDir: DATA_DIR,
      dataLogDir,
      tickTimeMs,
      initLimit,
      syncLimit,
      snapRetainCount,
      purgeIntervalHours,
      maxClientConnections,
      fourLetterWords: ['srvr', 'ruok'],
      sasl: auth,
    });
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, namespace: props.namespace, labels: this.pet.labels },
    });
    this.configMap.addData('zoo.cfg', this.zooCfg);

    // ---- init, start, probes ----------------------------------------------------------------------
    const init = this.pet.addOrdinalInit({
      name: 'zookeeper-init',
      steps: [
        OrdinalStep.shell(INIT_STEP, 'write myid (ordinal + 1) and zoo.cfg'),
        ...(auth ? [OrdinalStep.shell(AUTH_STEP, 'write the JAAS file from the Secrets')] : []),
      ],
      configMap: this.configMap,
      configMountPath: CONFIG_SOURCE,
      outputPath: CONFIG_DIR,
    });
    this.pet.mountClaim(init, claimName, DATA_DIR);
    init.env.addVariable('ZK_CONFIG_SOURCE', kplus.EnvValue.fromValue(CONFIG_SOURCE));
    init.env.addVariable('ZK_CONFIG_DIR', kplus.EnvValue.fromValue(CONFIG_DIR));
    init.env.addVariable('ZK_DATA_DIR', kplus.EnvValue.fromValue(DATA_DIR));
    if (auth) {
      const bind = (creds: Credentials | undefined, key: string, childId: string, secretName: string) => {
        const bound = (creds ?? Credentials.fromSecretName(`${this.name}-auth`, key))
          .bind(this, childId, { secretName, namespace: props.namespace, labels: this.pet.labels });
        return kplus.EnvValue.fromSecretValue({ secret: bound.secret, key: bound.key });
      };
      init.env.addVariable('ZK_CLIENT_USER', kplus.EnvValue.fromValue(clientUser));
      init.env.addVariable('ZK_CLIENT_PASSWORD', bind(props.clientCredentials, 'client-password', 'ClientAuth', `${this.name}-client-auth`));
      init.env.addVariable('ZK_QUORUM_PASSWORD', bind(props.quorumCredentials, 'quorum-password', 'QuorumAuth', `${this.name}-quorum-auth`));
    }

    this.pet.addScript(START_FILE, START_SCRIPT);
    this.pet.addScript(PROBE_FILE, PROBE_SCRIPT);
    this.pet.mountScripts(this.container);
    const env = this.container.env;
    if (heapMib !== undefined) {
      env.addVariable('ZK_HEAP_MIB', kplus.EnvValue.fromValue(String(heapMib)));
    } else if (limit) {
      env.addVariable('ZK_MEMORY_LIMIT_MIB', kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT, { divisor: '1Mi' }));
      env.addVariable('ZK_HEAP_PERCENT', kplus.EnvValue.fromValue('75'));
    }
    // The official image's conventions: logs under ZOO_LOG_DIR (an emptyDir here; the
    // server logs to stdout), no pid file on the data volume, no JMX agent.
    env.addVariable('ZOO_LOG_DIR', kplus.EnvValue.fromValue(LOG_DIR));
    env.addVariable('ZOOPIDFILE', kplus.EnvValue.fromValue(`${LOG_DIR}/zookeeper_server.pid`));
    env.addVariable('JMXDISABLE', kplus.EnvValue.fromValue('true'));
    if (auth) {
      env.addVariable('ZK_JAAS_CONFIG', kplus.EnvValue.fromValue(`${CONFIG_DIR}/jaas.conf`));
      // zkCli.sh in the pod (kubectl exec) authenticates with the JAAS file's Client section.
      env.addVariable('CLIENT_JVMFLAGS', kplus.EnvValue.fromValue(`-Djava.security.auth.login.config=${CONFIG_DIR}/jaas.conf`));
    }

    // A change of the configuration or the scripts rolls the pods (a ConfigMap change alone would not).
    const hash = createHash('sha256').update(`${this.zooCfg}\0${INIT_STEP}\0${auth ? AUTH_STEP : ''}\0${START_SCRIPT}\0${PROBE_SCRIPT}`).digest('hex').slice(0, 16);
    this.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash', hash);
  }

  /** The stable host name of the server with this ordinal, e.g. `zk-0.zk`. */
  public serverHost(ordinal: number): string {
    return this.pet.podHost(ordinal);
  }

  /** The server id (`myid`) of the pod with this ordinal: ordinal + 1. */
  public serverId(ordinal: number): number {
    this.pet.podName(ordinal); // validates the ordinal
    return ordinal + 1;
  }
}

function assertTickTime(value: unknown): number {
  if (value === undefined) return 2000;
  const allowed = 'must be a Duration of whole milliseconds from 100 ms to 60 s (e.g. Duration.millis(2000))';
  if (!(value instanceof Duration)) throw propError(C, 'tickTime', value, allowed);
  let ms = NaN;
  try {
    ms = value.toMilliseconds();
  } catch {
    // reported below
  }
  if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) throw propError(C, 'tickTime', Number.isFinite(ms) ? `${ms}ms` : value.toHumanString(), allowed);
  return ms;
}
