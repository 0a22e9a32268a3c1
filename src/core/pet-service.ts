import { ApiObject, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClaimInfo, claimTemplateSpecs, createStaticVolumes, parseClaimTemplate } from './claims';
import { needsRoot } from './images';
import { IPet, NetworkIsolationOptions, PetNetworkPolicy } from './network';
import { OrdinalScript } from './ordinal';
import {
  ClientServiceOptions, MountClaimOptions, OrdinalInitOptions, PetPort, PetServiceProps, PetUpdateStrategy, PodSpreading,
} from './pet-service-props';
import { spreadingRules } from './spreading';
import { ClaimRetentionPolicy, ClaimTemplateProps } from './storage';
import {
  assertAbsolutePath, assertBoolean, assertDnsLabel, assertDnsSubdomain, assertEnvName, assertInteger, assertLabels, assertNonEmptyString,
  assertOneOf, assertPort, assertPortName, assertServiceName, assertStringArray, assertUnique, propError,
} from './validate';
import { assertAnnotations, assertDuration, assertList, assertProbe, assertResources } from './validate-pet';
import { PetHeadlessService, PetStatefulSet, StatefulSetExtras } from './workload';


const C = 'PetService';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';


/**
 * A stateful service done right: a StatefulSet with its headless governing Service,
 * per-pod claim templates, optional pre-created and pre-bound PersistentVolumes, a
 * PodDisruptionBudget, spreading, Pod Security Standards "restricted" defaults, and the
 * ordinal facility that makes pod N behave as pod N.
 *
 * Every product construct (StatefulRedis, StatefulMySql, …) is built on it.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
export class PetService extends Construct implements IPet {
  /** Where `mountScripts()` mounts the scripts ConfigMap in a container. */
  public static readonly SCRIPTS_PATH = '/opt/cdk8s-stateful/scripts';

  /**
   * The path a script added with `addScript(fileName, …)` has in containers that mount the
   * scripts (known before the script is added, e.g. for a probe passed to the constructor).
   */
  public static scriptPath(fileName: string): string {
    return `${PetService.SCRIPTS_PATH}/${fileName}`;
  }

  /** The StatefulSet's name. */
  public readonly name: string;
  /** The headless Service's name. */
  public readonly serviceName: string;
  /** The namespace, if one was set. */
  public readonly namespace?: string;
  /** The cluster DNS domain. */
  public readonly clusterDomain: string;
  /** The number of pods. */
  public readonly replicas: number;
  /** The first ordinal. */
  public readonly ordinalsStart: number;
  /** The labels that select the pods (`app.kubernetes.io/name` and `/instance`). */
  public readonly selectorLabels: { [key: string]: string };
  /** The labels on every object and pod. */
  public readonly labels: { [key: string]: string };
  /** The cdk8s-plus StatefulSet (escape hatch: `ApiObject.of(pet.statefulSet)`). */
  public readonly statefulSet: kplus.StatefulSet;
  /** The headless governing Service. */
  public readonly service: kplus.Service;
  /** The main container. */
  public readonly container: kplus.Container;
  /** The PodDisruptionBudget, when one is created. */
  public readonly podDisruptionBudget?: ApiObject;

  private readonly _ports: Array<Required<Pick<PetPort, 'name' | 'port' | 'containerPort'>> & { protocol: kplus.Protocol }>;
  private readonly _claims: ClaimInfo[] = [];
  private readonly _staticVolumes: ApiObject[] = [];
  private readonly _blockDevices = new Map<string, kplus.k8s.VolumeDevice[]>();
  private readonly _retention: kplus.k8s.StatefulSetPersistentVolumeClaimRetentionPolicy;
  private readonly _revisionHistoryLimit?: number;
  private readonly _spreading: PodSpreading;
  private readonly _restricted: boolean;
  private readonly _enableServiceLinks: boolean;
  private readonly _warnings: string[] = [];
  private _warned = false;
  private readonly _containerDefaults: Partial<kplus.ContainerProps>;
  private _scripts?: kplus.ConfigMap;
  private _scriptsVolume?: kplus.Volume;

  constructor(scope: Construct, id: string, props: PetServiceProps) {
    super(scope, id);
    if (props === undefined || props === null || typeof props !== 'object') {
      throw propError(C, 'props', props, 'must be an object with at least `image` and `ports`');
    }

    // ---- identity -------------------------------------------------------------------
    this.name = assertDnsLabel(C, 'name', props.name ?? id.toLowerCase(), 52);
    this.serviceName = props.serviceName === undefined
      ? assertServiceName(C, 'name', this.name, ' (the headless Service is named after it unless `serviceName` is set)')
      : assertServiceName(C, 'serviceName', props.serviceName);
    // The namespace is the prop, else the enclosing Chart's: every host name, FQDN and claimRef follows it.
    const namespace = props.namespace ?? Chart.of(this).namespace;
    this.namespace = namespace === undefined ? undefined : assertDnsLabel(C, 'namespace', namespace, 63);
    this._enableServiceLinks = assertBoolean(C, 'enableServiceLinks', props.enableServiceLinks) ?? false;
    this.clusterDomain = assertDnsSubdomain(C, 'clusterDomain', props.clusterDomain ?? 'cluster.local');
    const appName = assertDnsLabel(C, 'appName', props.appName ?? this.name, 63);
    this.selectorLabels = { 'app.kubernetes.io/name': appName, 'app.kubernetes.io/instance': this.name };
    const extra = assertLabels(C, 'labels', props.labels);
    for (const key of Object.keys(this.selectorLabels)) {
      if (key in extra) throw propError(C, 'labels', key, 'may not redefine a selector label; use `appName` or `name`');
    }
    this.labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/managed-by': 'cdk8s-stateful',
      ...(props.component !== undefined ? { 'app.kubernetes.io/component': assertDnsLabel(C, 'component', props.component) } : {}),
      ...(props.partOf !== undefined ? { 'app.kubernetes.io/part-of': assertDnsLabel(C, 'partOf', props.partOf) } : {}),
      ...extra,
    };
    const podAnnotations = props.podAnnotations === undefined ? undefined : assertAnnotations(props.podAnnotations);

    // ---- scale and lifecycle --------------------------------------------------------
    this.replicas = assertInteger(C, 'replicas', props.replicas ?? 1, 1, 10_000);
    this.ordinalsStart = assertInteger(C, 'ordinalsStart', props.ordinalsStart ?? 0, 0, 1_000_000);
    const policy = assertOneOf(C, 'podManagementPolicy', props.podManagementPolicy ?? kplus.PodManagementPolicy.ORDERED_READY,
      [kplus.PodManagementPolicy.ORDERED_READY, kplus.PodManagementPolicy.PARALLEL]);
    const strategyType = assertOneOf(C, 'updateStrategy', props.updateStrategy ?? PetUpdateStrategy.ROLLING_UPDATE,
      [PetUpdateStrategy.ROLLING_UPDATE, PetUpdateStrategy.ON_DELETE]);
    if (props.partition !== undefined && strategyType === PetUpdateStrategy.ON_DELETE) {
      throw propError(C, 'partition', props.partition, 'only applies to PetUpdateStrategy.ROLLING_UPDATE');
    }
    const partition = assertInteger(C, 'partition', props.partition ?? 0, 0, this.replicas);
    const minReady = assertDuration('minReady', props.minReady ?? Duration.seconds(0), 0);
    this._revisionHistoryLimit = props.revisionHistoryLimit === undefined ? undefined
      : assertInteger(C, 'revisionHistoryLimit', props.revisionHistoryLimit, 0, 1000);
    const whenDeleted = assertOneOf(C, 'claimRetentionWhenDeleted', props.claimRetentionWhenDeleted ?? ClaimRetentionPolicy.RETAIN,
      [ClaimRetentionPolicy.RETAIN, ClaimRetentionPolicy.DELETE]);
    const whenScaled = assertOneOf(C, 'claimRetentionWhenScaled', props.claimRetentionWhenScaled ?? ClaimRetentionPolicy.RETAIN,
      [ClaimRetentionPolicy.RETAIN, ClaimRetentionPolicy.DELETE]);
    this._retention = { whenDeleted, whenScaled };
    const grace = assertDuration('terminationGracePeriod', props.terminationGracePeriod ?? Duration.seconds(30), 1);
    this._spreading = assertOneOf(C, 'spreading', props.spreading ?? PodSpreading.SOFT_ANTI_AFFINITY,
      [PodSpreading.SOFT_ANTI_AFFINITY, PodSpreading.REQUIRED_ANTI_AFFINITY, PodSpreading.TOPOLOGY_SPREAD, PodSpreading.NONE]);

    // ---- ports ----------------------------------------------------------------------
    if (!Array.isArray(props.ports) || props.ports.length === 0) {
      throw propError(C, 'ports', props.ports, 'must list at least one port: the headless Service publishes the pods through its ports');
    }
    this._ports = props.ports.map((p, i) => ({
      name: assertPortName(C, `ports[${i}].name`, p?.name),
      port: assertPort(C, `ports[${i}].port`, p.port),
      containerPort: assertPort(C, `ports[${i}].containerPort`, p.containerPort ?? p.port),
      protocol: assertOneOf(C, `ports[${i}].protocol`, p.protocol ?? kplus.Protocol.TCP, [kplus.Protocol.TCP, kplus.Protocol.UDP, kplus.Protocol.SCTP]),
    }));
    assertUnique(C, 'ports[].name', this._ports.map(p => p.name));
    assertUnique(C, 'ports[].port', this._ports.map(p => `${p.port}/${p.protocol}`));
    assertUnique(C, 'ports[].containerPort', this._ports.map(p => `${p.containerPort}/${p.protocol}`));

    // ---- security -------------------------------------------------------------------
    const allowRoot = assertBoolean(C, 'allowRunAsRoot', props.allowRunAsRoot) ?? false;
    this._restricted = !allowRoot;
    const user = assertInteger(C, 'runAsUser', props.runAsUser ?? 1000, allowRoot ? 0 : 1, 2 ** 31 - 1);
    const group = assertInteger(C, 'runAsGroup', props.runAsGroup ?? user, 0, 2 ** 31 - 1);
    const fsGroup = assertInteger(C, 'fsGroup', props.fsGroup ?? group, 0, 2 ** 31 - 1);
    const readOnlyRoot = assertBoolean(C, 'readOnlyRootFilesystem', props.readOnlyRootFilesystem) ?? false;
    const containerSecurity: kplus.ContainerSecurityContextProps = {
      ensureNonRoot: !allowRoot,
      user,
      group,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: readOnlyRoot,
    };
    this._containerDefaults = {
      securityContext: containerSecurity,
      imagePullPolicy: assertOneOf(C, 'imagePullPolicy', props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT, Object.values(kplus.ImagePullPolicy)),
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
      },
    };

    // ---- the headless Service and the StatefulSet --------------------------------------
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels: this.labels });
    this.service = new PetHeadlessService(this, 'Service', {
      metadata: metadata(this.serviceName),
      clusterIP: 'None',
      ports: this._ports.map(p => ({ name: p.name, port: p.port, targetPort: p.containerPort, protocol: p.protocol })),
    }, assertBoolean(C, 'publishNotReadyAddresses', props.publishNotReadyAddresses) ?? false);
    for (const [k, v] of Object.entries(this.selectorLabels)) this.service.selectLabel(k, v);

    this.statefulSet = new PetStatefulSet(this, 'Resource', {
      metadata: metadata(this.name),
      service: this.service,
      select: false,
      podMetadata: { labels: this.labels, annotations: podAnnotations },
      replicas: this.replicas,
      podManagementPolicy: policy,
      strategy: strategyType === PetUpdateStrategy.ON_DELETE
        ? kplus.StatefulSetUpdateStrategy.onDelete()
        : kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition }),
      minReady,
      terminationGracePeriod: grace,
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: !allowRoot,
        user,
        group,
        fsGroup,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
    }, () => this._extras(), name => this._claims.some(c => c.props.name === name));
    this.statefulSet.select(kplus.LabelSelector.of({ labels: this.selectorLabels }));

    // ---- the main container -----------------------------------------------------------
    const image = assertNonEmptyString(C, 'image', props.image, 1024);
    if (/\s/.test(image)) throw propError(C, 'image', image, 'must be an image reference without spaces, e.g. "redis:7.4"');
    const rootReason = this._restricted && props.runAsUser === undefined ? needsRoot(image) : undefined;
    if (rootReason) this._warn(`image "${image}" will not start with the restricted defaults (uid ${user}, no capabilities): ${rootReason}`);
    for (const name of Object.keys(props.envVariables ?? {})) assertEnvName(C, 'envVariables', name);
    this.container = this.statefulSet.addContainer({
      ...this._containerDefaults,
      name: assertDnsLabel(C, 'containerName', props.containerName ?? 'main'),
      image,
      command: assertStringArray(C, 'command', props.command),
      args: assertStringArray(C, 'args', props.args),
      workingDir: props.workingDir === undefined ? undefined : assertAbsolutePath(C, 'workingDir', props.workingDir),
      envVariables: props.envVariables,
      resources: assertResources('resources', props.resources) ?? this._containerDefaults.resources,
      readiness: props.readiness,
      liveness: props.liveness,
      startup: props.startup,
      ports: this._ports.map(p => ({ name: p.name, number: p.containerPort, protocol: p.protocol })),
    });

    for (const [prop, probe] of [['readiness', props.readiness], ['liveness', props.liveness], ['startup', props.startup]] as const) {
      assertProbe(prop, probe, this.container);
    }
    assertList('initContainers', props.initContainers).forEach((c, i) => this.statefulSet.addInitContainer(this._withDefaults(c, `initContainers[${i}]`)));
    assertList('sidecars', props.sidecars).forEach((c, i) => this.statefulSet.addContainer(this._withDefaults(c, `sidecars[${i}]`)));
    assertList('claimTemplates', props.claimTemplates).forEach((t, i) => this._addClaimTemplate(t, `claimTemplates[${i}]`));

    // ---- disruption budget ------------------------------------------------------------
    const wantPdb = assertBoolean(C, 'disruptionBudget', props.disruptionBudget) ?? this.replicas > 1;
    if (props.maxUnavailable !== undefined && !wantPdb) {
      throw propError(C, 'maxUnavailable', props.maxUnavailable, 'needs a PodDisruptionBudget: set `disruptionBudget: true` or replicas > 1');
    }
    if (wantPdb) {
      const maxUnavailable = assertInteger(C, 'maxUnavailable', props.maxUnavailable ?? 1, 1, this.replicas);
      this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: metadata(this.name),
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(maxUnavailable),
          selector: { matchLabels: this.selectorLabels },
        },
      });
    }
  }

  /**
   * Warnings about this pet that do not stop synthesis (e.g. an image known to need root
   * under the restricted defaults). Each is also printed to stderr once when the app is
   * synthesized.
   */
  public get warnings(): string[] {
    return [...this._warnings];
  }

  /** The ports (a copy). */
  public get ports(): PetPort[] {
    return this._ports.map(p => ({ ...p }));
  }

  /** The claim templates (a copy). */
  public get claimTemplates(): ClaimTemplateProps[] {
    return this._claims.map(c => c.props);
  }

  /** The generated static PersistentVolumes. */
  public get staticVolumes(): ApiObject[] {
    return [...this._staticVolumes];
  }

  /** The ordinals of the pods, in order: `ordinalsStart .. ordinalsStart + replicas - 1`. */
  public get ordinals(): number[] {
    return Array.from({ length: this.replicas }, (_, i) => this.ordinalsStart + i);
  }

  /**
   * The headless Service's FQDN, e.g. `web.default.svc.cluster.local`. Without `namespace`
   * it assumes `default`; in-cluster wiring should use `serviceHost` instead.
   */
  public get serviceFqdn(): string {
    return `${this.serviceName}.${this.namespace ?? 'default'}.svc.${this.clusterDomain}`;
  }

  /**
   * The headless Service's address for pods in the cluster: its FQDN when `namespace` is
   * set, else the namespace-relative `<serviceName>`, which the pods' DNS search path
   * resolves in whatever namespace the manifests are applied to.
   */
  public get serviceHost(): string {
    return this.hostFor(this.serviceName);
  }

  /**
   * The address of a Service of this pet (e.g. a client Service) for pods in the cluster:
   * `<name>.<namespace>.svc.<clusterDomain>` when `namespace` is set, else `<name>`.
   */
  public hostFor(serviceName: string): string {
    assertDnsLabel(C, 'hostFor serviceName', serviceName);
    return this.namespace === undefined ? serviceName : `${serviceName}.${this.namespace}.svc.${this.clusterDomain}`;
  }

  /** The port of the pet with this name. */
  public port(name: string): number {
    const p = this._ports.find(x => x.name === name);
    if (!p) throw propError(C, 'port name', name, `must be one of ${this._ports.map(x => JSON.stringify(x.name)).join(', ')}`);
    return p.port;
  }

  /** The name of the pod with this ordinal, e.g. `web-0`. */
  public podName(ordinal: number): string {
    this._assertOrdinal(ordinal);
    return `${this.name}-${ordinal}`;
  }

  /**
   * The stable DNS name of the pod with this ordinal, e.g. `web-0.web.default.svc.cluster.local`.
   * Without `namespace` it assumes `default`; in-cluster wiring should use `podHost()`.
   */
  public podFqdn(ordinal: number): string {
    return `${this.podName(ordinal)}.${this.serviceFqdn}`;
  }

  /**
   * The stable address of the pod with this ordinal for pods in the cluster: its FQDN when
   * `namespace` is set, else the namespace-relative `<pod>.<serviceName>` (e.g. `web-0.web`).
   */
  public podHost(ordinal: number): string {
    return `${this.podName(ordinal)}.${this.serviceHost}`;
  }

  /** The stable DNS names of all pods, in ordinal order. */
  public peerFqdns(): string[] {
    return this.ordinals.map(o => this.podFqdn(o));
  }

  /** The name of the claim the controller creates for a template and ordinal, e.g. `www-web-0`. */
  public claimName(template: string, ordinal: number): string {
    if (!this._claims.some(c => c.props.name === template)) {
      throw propError(C, 'claim template', template, `must be one of ${this._claims.map(c => JSON.stringify(c.props.name)).join(', ') || '(none defined)'}`);
    }
    this._assertOrdinal(ordinal);
    return `${template}-${this.name}-${ordinal}`;
  }

  /** Adds a per-pod claim template, mounted in the main container. */
  public addClaimTemplate(props: ClaimTemplateProps): void {
    this._addClaimTemplate(props, 'claimTemplate');
  }

  /**
   * Adds a claim template on behalf of a product construct, whose errors name the
   * product's own props (`labels` maps a ClaimTemplateProps field, e.g. `size`, to the
   * product prop, e.g. `storageSize`).
   * @internal
   */
  public _addProductClaimTemplate(props: ClaimTemplateProps, labels: { [field: string]: string }): void {
    this._addClaimTemplate(props, 'claimTemplate', labels);
  }

  /** Mounts a claim template's volume in another container (an init container, a sidecar). */
  public mountClaim(container: kplus.Container, template: string, mountPath: string, options: MountClaimOptions = {}): void {
    const claim = this._claims.find(c => c.props.name === template);
    if (!claim) {
      throw propError(C, 'mountClaim template', template, `must be one of ${this._claims.map(c => JSON.stringify(c.props.name)).join(', ') || '(none defined)'}`);
    }
    const path = assertAbsolutePath(C, 'mountClaim mountPath', mountPath);
    if (this._usedPaths(container).includes(path)) {
      throw propError(C, 'mountClaim mountPath', path, `must be unique; container ${container.name} already mounts a volume or device there`);
    }
    this._mountClaim(claim, container, path, options);
  }

  /** Adds an init container with this service's security and resource defaults. */
  public addInitContainer(props: kplus.ContainerProps): kplus.Container {
    return this.statefulSet.addInitContainer(this._withDefaults(props, 'addInitContainer'));
  }

  /** Adds a container beside the main one with this service's security and resource defaults. */
  public addSidecar(props: kplus.ContainerProps): kplus.Container {
    return this.statefulSet.addContainer(this._withDefaults(props, 'addSidecar'));
  }

  /**
   * Adds a Service for clients: over all ready pods, or over one pod (`ordinal`).
   *
   * @param id the construct id (also the default name suffix)
   */
  public addClientService(id: string, options: ClientServiceOptions = {}): kplus.Service {
    if (typeof id !== 'string' || id.length === 0 || this.node.tryFindChild(id) !== undefined) {
      throw propError(C, 'addClientService id', id, `must be a non-empty construct id not used by another child: ${this.node.children.map(c => c.node.id).join(', ')}`);
    }
    if (options.name === undefined && !/^[a-z]/.test(this.name)) {
      throw propError(C, 'name', this.name, `must start with a letter to derive the client Service name "${this.name}-${id.toLowerCase()}" (a Service name is an RFC 1035 label); choose another name or name the Service`);
    }
    const name = assertServiceName(C, 'addClientService name', options.name ?? `${this.name}-${id.toLowerCase()}`);
    const names = options.portNames ?? this._ports.map(p => p.name);
    if (!Array.isArray(names) || names.length === 0) throw propError(C, 'addClientService portNames', names, 'must name at least one pet port');
    const type = assertOneOf(C, 'addClientService type', options.type ?? kplus.ServiceType.CLUSTER_IP,
      [kplus.ServiceType.CLUSTER_IP, kplus.ServiceType.NODE_PORT, kplus.ServiceType.LOAD_BALANCER]);
    const ports = names.map(n => {
      const p = this._ports.find(x => x.name === n);
      if (!p) throw propError(C, 'addClientService portNames', n, `must name a pet port: ${this._ports.map(x => JSON.stringify(x.name)).join(', ')}`);
      return { name: p.name, port: p.port, targetPort: p.containerPort, protocol: p.protocol };
    });
    const svc = new kplus.Service(this, id, {
      metadata: { name, namespace: this.namespace, labels: this.labels },
      type,
      ports,
    });
    for (const [k, v] of Object.entries(this.selectorLabels)) svc.selectLabel(k, v);
    if (options.ordinal !== undefined) {
      svc.selectLabel(POD_NAME_LABEL, this.podName(options.ordinal));
    }
    return svc;
  }

  /**
   * Isolates the pets' network (a NetworkPolicy): only the pets themselves (on any port)
   * and the chosen clients (on the pet ports) may connect to them. Returns the policy, to
   * which more rules can be added.
   */
  public isolateNetwork(options: NetworkIsolationOptions = {}): PetNetworkPolicy {
    if (this.node.tryFindChild('NetworkPolicy')) {
      throw propError(C, 'isolateNetwork', 'called twice', 'may be called once; add rules to the policy it returned (addIngressRule)');
    }
    return new PetNetworkPolicy(this, 'NetworkPolicy', { ...options, pet: this });
  }

  /**
   * Adds a script file to the scripts ConfigMap (`<name>-scripts`) and returns the path
   * it has in containers that mount it (`mountScripts()`).
   */
  public addScript(fileName: string, content: string): string {
    if (typeof fileName !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(fileName) || fileName.length > 253) {
      throw propError(C, 'script file name', fileName, 'must be a ConfigMap key: letters, digits, \'-\', \'_\' and \'.\'');
    }
    const scripts = this._scriptsConfigMap();
    if (fileName in scripts.data) throw propError(C, 'script file name', fileName, 'is already used by another script');
    scripts.addData(fileName, content);
    return PetService.scriptPath(fileName);
  }

  /** Mounts the scripts ConfigMap (read-only, executable) in a container. */
  public mountScripts(container: kplus.Container): void {
    this._scriptsConfigMap();
    if (!container.mounts.some(m => m.volume === this._scriptsVolume)) {
      container.mount(PetService.SCRIPTS_PATH, this._scriptsVolume!, { readOnly: true });
    }
  }

  /**
   * Adds an init container that runs an `OrdinalScript` with the given steps: the
   * per-ordinal set-up (ids, primary/replica configuration) before the main container.
   */
  public addOrdinalInit(options: OrdinalInitOptions): kplus.Container {
    const name = assertDnsLabel(C, 'addOrdinalInit name', options.name ?? 'ordinal-init');
    const script = new OrdinalScript({ statefulSetName: this.name, ordinalsStart: this.ordinalsStart, steps: options.steps });
    const path = this.addScript(`${name}.sh`, script.render());
    const init = this.addInitContainer({
      name,
      image: options.image ?? this.container.image,
      command: ['sh', path],
      envVariables: { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) },
      resources: { cpu: { request: kplus.Cpu.millis(10) }, memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) } },
    });
    this.mountScripts(init);
    if (options.configMap) {
      const mountPath = assertAbsolutePath(C, 'addOrdinalInit configMountPath', options.configMountPath ?? '/mnt/config');
      init.mount(mountPath, kplus.Volume.fromConfigMap(this, `${name}-config`, options.configMap, { name: `${name}-config` }), { readOnly: true });
    }
    if (options.outputPath !== undefined) {
      const out = assertAbsolutePath(C, 'addOrdinalInit outputPath', options.outputPath);
      const vol = kplus.Volume.fromEmptyDir(this, `${name}-output`, `${name}-output`);
      init.mount(out, vol);
      this.container.mount(out, vol);
    }
    return init;
  }

  private _assertOrdinal(ordinal: number): void {
    assertInteger(C, 'ordinal', ordinal, this.ordinalsStart, this.ordinalsStart + this.replicas - 1);
  }

  private _withDefaults(props: kplus.ContainerProps, prop: string): kplus.ContainerProps {
    if (props === undefined || props === null || typeof props !== 'object') throw propError(C, prop, props, 'must be container props');
    assertDnsLabel(C, `${prop}.name`, props.name);
    const used = [...this.statefulSet.containers, ...this.statefulSet.initContainers].map(c => c.name);
    if (used.includes(props.name!)) throw propError(C, `${prop}.name`, props.name, `must be unique in the pod; containers: ${used.join(', ')}`);
    assertNonEmptyString(C, `${prop}.image`, props.image, 1024);
    assertStringArray(C, `${prop}.command`, props.command);
    assertStringArray(C, `${prop}.args`, props.args);
    return {
      ...this._containerDefaults,
      ...props,
      securityContext: props.securityContext ?? this._containerDefaults.securityContext,
      resources: assertResources(`${prop}.resources`, props.resources) ?? this._containerDefaults.resources,
    };
  }

  private _scriptsConfigMap(): kplus.ConfigMap {
    if (!this._scripts) {
      this._scripts = new kplus.ConfigMap(this, 'Scripts', {
        metadata: { name: `${this.name}-scripts`, namespace: this.namespace, labels: this.labels },
      });
      this._scriptsVolume = kplus.Volume.fromConfigMap(this, 'ScriptsVolume', this._scripts, { name: 'scripts', defaultMode: 0o555 });
    }
    return this._scripts;
  }

  private _addClaimTemplate(props: ClaimTemplateProps, prop: string, labels: { [field: string]: string } = {}): void {
    const f = (field: string) => labels[field] ?? `${prop}.${field}`;
    if (props === undefined || props === null || typeof props !== 'object') throw propError(C, prop, props, 'must be claim template props');
    const name = assertDnsLabel(C, f('name'), props.name, 63);
    if (this._claims.some(c => c.props.name === name)) {
      throw propError(C, f('name'), name, 'must be unique; another claim template has this name');
    }
    if (name === 'scripts' || this.statefulSet.volumes.some(v => v.name === name)) {
      throw propError(C, f('name'), name, 'is already the name of a pod volume, which would shadow the claim');
    }
    const mountPath = assertAbsolutePath(C, f('mountPath'), props.mountPath);
    if (this._usedPaths(this.container).includes(mountPath)) {
      throw propError(C, f('mountPath'), mountPath, 'must be unique; the main container already mounts a volume there');
    }
    const { quantity, kib, accessModes, volumeMode, storageClassName } = parseClaimTemplate(props, f);
    const placeholder = kplus.Volume.fromEmptyDir(this, `Claim-${name}`, name);
    const claim: ClaimInfo = { props, quantity, kib, accessModes, volumeMode, storageClassName, placeholder };
    if (props.staticVolumes) {
      this._staticVolumes.push(...createStaticVolumes(this, {
        name: this.name,
        namespace: this.namespace,
        replicas: this.replicas,
        ordinalsStart: this.ordinalsStart,
        labels: this.labels,
        existing: this._staticVolumes,
      }, claim, f('staticVolumes')));
    }
    this._claims.push(claim);
    this._mountClaim(claim, this.container, mountPath, { readOnly: assertBoolean(C, f('readOnly'), props.readOnly), subPath: props.subPath });
  }

  /** The mount and device paths a container already uses. */
  private _usedPaths(container: kplus.Container): string[] {
    return [...container.mounts.map(m => m.path), ...(this._blockDevices.get(container.name) ?? []).map(d => d.devicePath)];
  }

  private _mountClaim(claim: ClaimInfo, container: kplus.Container, path: string, options: MountClaimOptions): void {
    if (claim.volumeMode === kplus.PersistentVolumeMode.BLOCK) {
      const devices = this._blockDevices.get(container.name) ?? [];
      devices.push({ name: claim.props.name, devicePath: path });
      this._blockDevices.set(container.name, devices);
      return;
    }
    container.mount(path, claim.placeholder, { readOnly: options.readOnly, subPath: options.subPath });
  }

  /** Records a warning and prints it (once) when the app is validated at synthesis. */
  private _warn(message: string): void {
    if (this._warnings.length === 0) {
      this.node.addValidation({
        validate: () => {
          if (!this._warned) {
            this._warned = true;
            for (const w of this._warnings) process.stderr.write(`[cdk8s-stateful] warning: ${this.node.path}: ${w}\n`);
          }
          return [];
        },
      });
    }
    this._warnings.push(message);
  }

  private _extras(): StatefulSetExtras {
    const { affinity, topologySpreadConstraints } = spreadingRules(this._spreading, this.selectorLabels);
    return {
      volumeClaimTemplates: claimTemplateSpecs(this._claims, this.selectorLabels),
      claimNames: new Set(this._claims.map(c => c.props.name)),
      blockDevices: this._blockDevices,
      retention: this._retention,
      ordinalsStart: this.ordinalsStart,
      revisionHistoryLimit: this._revisionHistoryLimit,
      seccompRuntimeDefault: this._restricted,
      enableServiceLinks: this._enableServiceLinks,
      capabilitiesDropAll: this._restricted,
      podAntiAffinity: affinity?.podAntiAffinity,
      topologySpreadConstraints,
    };
  }
}
