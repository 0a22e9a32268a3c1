import { createHash } from 'crypto';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { renderZooCfg } from './config';
import { StatefulZooKeeperProps } from './props';
import { C, validateZooKeeperProps } from './validate';
import { Credentials, OrdinalStep, PetService, StatefulProduct } from '../core';
import { productPet } from '../core/product-pet';
import { readScriptFile } from '../core/script-files';
import { assertServiceName, propError } from '../core/validate';

const CLIENT_PORT = 2181;
const QUORUM_PORT = 2888;
const ELECTION_PORT = 3888;
const DATA_DIR = '/data';
const DATALOG_DIR = '/datalog';
const LOG_DIR = '/logs';
const TMP_DIR = '/tmp';
const CONFIG_DIR = '/zookeeper-config';
const CONFIG_SOURCE = '/mnt/zookeeper-config';
const INIT_FILE = 'zk-init.sh';
const AUTH_FILE = 'zk-auth.sh';
const START_FILE = 'zk-start.sh';
const PROBE_FILE = 'zk-probe.sh';
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
 * ordinal facility running the shipped `zk-init.sh`) writes `myid` and copies the file into
 * an emptyDir. The server runs `zkServer.sh start-foreground` through `zk-start.sh` (no
 * entrypoint config generation) with the heap sized from the memory limit, and logs to stdout.
 *
 * @see https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html
 */
export class StatefulZooKeeper extends StatefulProduct {
  /** The core: StatefulSet, headless Service, claims, PDB (escape hatch). */
  public readonly pet: PetService;
  /** The ZooKeeper container. */
  public readonly container: kplus.Container;
  /** The client Service (port 2181, every Ready server). */
  public readonly clientService: kplus.Service;
  /** The ConfigMap with `zoo.cfg`. */
  public readonly configMap: kplus.ConfigMap;
  /** The image. */
  public readonly image: string;
  /** The client port (2181). */
  public readonly clientPort: number;
  /** The client Service's host name: `<name>-client` plus `.<namespace>.svc.<domain>` when the namespace is known. */
  public readonly clientHost: string;
  /**
   * The connection string for ZooKeeper clients: every server's stable host and client
   * port, e.g. `zk-0.zk:2181,zk-1.zk:2181,zk-2.zk:2181` (FQDNs when the namespace is known).
   */
  public readonly connectString: string;
  /** The rendered `zoo.cfg`. */
  public readonly zooCfg: string;
  protected readonly productClass = C;

  constructor(scope: Construct, id: string, props: StatefulZooKeeperProps = {}) {
    super(scope, id);
    const s = validateZooKeeperProps(props);
    const claimName = props.storageClaimName ?? 'data';
    if (RESERVED_VOLUMES.includes(claimName)) {
      throw propError(C, 'storageClaimName', claimName, `is the name of a pod volume StatefulZooKeeper uses (${RESERVED_VOLUMES.join(', ')})`);
    }
    const probePath = PetService.scriptPath(PROBE_FILE);
    this.pet = productPet(this, C, props, {
      replicas: s.replicas,
      image: 'zookeeper:3.9',
      runAsUser: 1000,
      storageSize: Size.gibibytes(1),
      resources: s.resources,
      terminationGracePeriod: Duration.seconds(60),
      maxUnavailable: s.defaultMaxUnavailable,
    }, DATA_DIR, {
      appName: 'zookeeper',
      // A lone server is never in a quorum, hence never Ready: OrderedReady would never
      // create pod 1. Parallel start; updates still roll one pod at a time.
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      containerName: 'zookeeper',
      command: ['sh', PetService.scriptPath(START_FILE), `${CONFIG_DIR}/zoo.cfg`],
      ports: [
        { name: 'client', port: CLIENT_PORT },
        { name: 'quorum', port: QUORUM_PORT },
        { name: 'election', port: ELECTION_PORT },
      ],
      readiness: kplus.Probe.fromCommand(['sh', probePath, 'readiness', String(CLIENT_PORT)], {
        initialDelaySeconds: Duration.seconds(10),
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(8),
        failureThreshold: 3,
      }),
      liveness: kplus.Probe.fromCommand(['sh', probePath, 'liveness', String(CLIENT_PORT)], {
        initialDelaySeconds: Duration.seconds(60),
        periodSeconds: Duration.seconds(15),
        timeoutSeconds: Duration.seconds(8),
        failureThreshold: 4,
      }),
      // Peers resolve each other by their pod DNS names before they are Ready (they cannot
      // be Ready before they have formed a quorum).
      publishNotReadyAddresses: true,
    });
    this.image = this.pet.container.image;
    this.clientPort = CLIENT_PORT;
    this.container = this.pet.container;
    const namespace = this.pet.namespace;

    let dataLogDir: string | undefined;
    if (props.dataLogStorageSize !== undefined) {
      const logClaim = props.dataLogClaimName ?? 'datalog';
      if (RESERVED_VOLUMES.includes(logClaim)) {
        throw propError(C, 'dataLogClaimName', logClaim, `is the name of a pod volume StatefulZooKeeper uses (${RESERVED_VOLUMES.join(', ')})`);
      }
      this._withErrors(() => this.pet._addProductClaimTemplate({
        name: logClaim,
        size: props.dataLogStorageSize!,
        storageClassName: props.dataLogStorageClassName ?? props.storageClassName,
        accessModes: props.storageAccessModes,
        mountPath: DATALOG_DIR,
      }, {
        name: 'dataLogClaimName',
        size: 'dataLogStorageSize',
        storageClassName: props.dataLogStorageClassName === undefined ? 'storageClassName' : 'dataLogStorageClassName',
        accessModes: 'storageAccessModes',
      }));
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
    this.clientService = this._withErrors(() => this.pet.addClientService('client', {
      name: props.clientServiceName === undefined ? undefined : assertServiceName(C, 'clientServiceName', props.clientServiceName),
      portNames: ['client'],
    }));
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
      tickTimeMs: s.tickTimeMs,
      initLimit: s.initLimit,
      syncLimit: s.syncLimit,
      snapRetainCount: s.snapRetainCount,
      purgeIntervalHours: s.purgeIntervalHours,
      maxClientConnections: s.maxClientConnections,
      fourLetterWords: ['srvr', 'ruok'],
      sasl: s.auth,
    });
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config`, namespace, labels: this.pet.labels },
    });
    this.configMap.addData('zoo.cfg', this.zooCfg);

    // ---- the shipped scripts ------------------------------------------------------------------------
    const scripts: Record<string, string> = {
      [INIT_FILE]: readScriptFile(__dirname, INIT_FILE),
      [START_FILE]: readScriptFile(__dirname, START_FILE),
      [PROBE_FILE]: readScriptFile(__dirname, PROBE_FILE),
      ...(s.auth ? { [AUTH_FILE]: readScriptFile(__dirname, AUTH_FILE) } : {}),
    };
    for (const [file, text] of Object.entries(scripts)) this.pet.addScript(file, text);

    // ---- init, start, probes ----------------------------------------------------------------------
    // The ordinal preamble exports POD_NAME and ORDINAL; the steps run the shipped files.
    const init = this.pet.addOrdinalInit({
      name: 'zookeeper-init',
      steps: [
        OrdinalStep.shell(`sh ${PetService.scriptPath(INIT_FILE)}`, 'write myid (ordinal + 1) and zoo.cfg'),
        ...(s.auth ? [OrdinalStep.shell(`sh ${PetService.scriptPath(AUTH_FILE)}`, 'write the JAAS file from the Secrets')] : []),
      ],
      configMap: this.configMap,
      configMountPath: CONFIG_SOURCE,
      outputPath: CONFIG_DIR,
    });
    this.pet.mountClaim(init, claimName, DATA_DIR);
    init.env.addVariable('ZK_CONFIG_SOURCE', kplus.EnvValue.fromValue(CONFIG_SOURCE));
    init.env.addVariable('ZK_CONFIG_DIR', kplus.EnvValue.fromValue(CONFIG_DIR));
    init.env.addVariable('ZK_DATA_DIR', kplus.EnvValue.fromValue(DATA_DIR));
    if (s.auth) {
      const bind = (creds: Credentials | undefined, key: string, childId: string, secretName: string) => {
        const bound = (creds ?? Credentials.fromSecretName(`${this.name}-auth`, key))
          .bind(this, childId, { secretName, namespace, labels: this.pet.labels });
        return kplus.EnvValue.fromSecretValue({ secret: bound.secret, key: bound.key });
      };
      init.env.addVariable('ZK_CLIENT_USER', kplus.EnvValue.fromValue(s.clientUser));
      init.env.addVariable('ZK_CLIENT_PASSWORD', bind(props.clientCredentials, 'client-password', 'ClientAuth', `${this.name}-client-auth`));
      init.env.addVariable('ZK_QUORUM_PASSWORD', bind(props.quorumCredentials, 'quorum-password', 'QuorumAuth', `${this.name}-quorum-auth`));
    }

    this.pet.mountScripts(this.container);
    const env = this.container.env;
    if (s.heapMib !== undefined) {
      env.addVariable('ZK_HEAP_MIB', kplus.EnvValue.fromValue(String(s.heapMib)));
    } else if (s.memoryLimited) {
      env.addVariable('ZK_MEMORY_LIMIT_MIB', kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT, { divisor: '1Mi' }));
      env.addVariable('ZK_HEAP_PERCENT', kplus.EnvValue.fromValue('75'));
    }
    // The official image's conventions: logs under ZOO_LOG_DIR (an emptyDir here; the
    // server logs to stdout), no pid file on the data volume, no JMX agent.
    env.addVariable('ZOO_LOG_DIR', kplus.EnvValue.fromValue(LOG_DIR));
    env.addVariable('ZOOPIDFILE', kplus.EnvValue.fromValue(`${LOG_DIR}/zookeeper_server.pid`));
    env.addVariable('JMXDISABLE', kplus.EnvValue.fromValue('true'));
    if (s.auth) {
      env.addVariable('ZK_JAAS_CONFIG', kplus.EnvValue.fromValue(`${CONFIG_DIR}/jaas.conf`));
      // zkCli.sh in the pod (kubectl exec) authenticates with the JAAS file's Client section.
      env.addVariable('CLIENT_JVMFLAGS', kplus.EnvValue.fromValue(`-Djava.security.auth.login.config=${CONFIG_DIR}/jaas.conf`));
    }

    // A change of the configuration or the scripts rolls the pods (a ConfigMap change alone would not).
    this.statefulSet.podMetadata.addAnnotation('cdk8s-stateful/config-hash', configHash({ 'zoo.cfg': this.zooCfg, ...scripts }));
  }

  /** The server id (`myid`) of the pod with this ordinal: ordinal + 1. */
  public serverId(ordinal: number): number {
    this._withErrors(() => this.pet.podName(ordinal)); // validates the ordinal
    return ordinal + 1;
  }
}

/** A short hash of named texts, in key order (`<`: the keys are ASCII file names). */
function configHash(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(`${key}\0${files[key]}\0`);
  return hash.digest('hex').slice(0, 16);
}
