/**
 * A kubelet stand-in for the real-server suites: it runs the containers of a synthesized
 * StatefulSet the way a kubelet on a real node would, so a test exercises what is
 * synthesized and nothing wired by hand.
 *
 * Each pod gets:
 * - its own network namespace with its own address on a test-only bridge (198.18.0.0/16,
 *   the RFC 2544 benchmarking range, inside namespaces this helper creates and deletes),
 *   so every server listens on its real port (6379, 3306, 2181…);
 * - its own UTS namespace (`hostname` is the pod name) and `HOSTNAME`;
 * - its own mount namespace per container process, with the volumes of the pod spec bound
 *   at the container's real mount paths (ConfigMaps and Secrets as files with their modes,
 *   emptyDirs shared by the pod's containers, one persistent directory per claim that
 *   outlives the pod and can be deleted to simulate a lost volume), `/etc/hosts` that
 *   resolves pods (`<pod>.<service>…`) and Services like cluster DNS, and a read-only root
 *   filesystem when the container asks for one;
 * - the kubelet's environment: Service-link variables of every ClusterIP Service of the
 *   manifest unless `enableServiceLinks: false` (the `kubernetes` Service's always), then
 *   `envFrom`, then `env` (values, `$(VAR)` references, downward API, Secret and ConfigMap
 *   keys: a missing Secret or key is CreateContainerConfigError, as in a cluster), and
 *   `$(VAR)` expansion of command and args;
 * - the container's user and group (`runAsUser`, `runAsGroup`, `fsGroup` as a supplementary
 *   group owning the volumes), no capabilities and `no_new_privs`.
 *
 * Needs root, `ip`, `unshare`, `nsenter` and `setpriv` (util-linux, iproute2).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Doc } from './k8s';

/** Everything the sandbox needs on this machine; `kubeletAvailable()` says whether it is there. */
export function kubeletMissing(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of ['ip', 'unshare', 'nsenter', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool);
  }
  return missing;
}

export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ClusterOptions {
  /** The namespace the manifest is applied to (objects without one land here). @default "default" */
  readonly namespace?: string;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /** Secrets that exist in the cluster but not in the manifest (name → key → value). */
  readonly secrets?: Record<string, Record<string, string>>;
  /** Extra ClusterIP Services in the namespace (their Service links reach every pod that leaves links on). */
  readonly extraServices?: Array<{ name: string; port: number; portName?: string }>;
  /**
   * Inject Service links even where the pod spec turns them off (`enableServiceLinks: false`):
   * proves that no script reads a name a Service link can produce.
   */
  readonly forceServiceLinks?: boolean;
  /** Environment variables every image sets (PATH and so on). @default { PATH: IMAGE_PATH } */
  readonly imageEnv?: Record<string, string>;
  /**
   * The image environment of one pod, where it differs from `imageEnv` (e.g. a PATH with
   * busybox applets first, as in an alpine image); undefined keeps `imageEnv`.
   */
  readonly imageEnvFor?: (pod: FakePod) => Record<string, string> | undefined;
  /** ConfigMaps that exist in the cluster but not in the manifest (name → key → value), e.g. `kube-root-ca.crt`. */
  readonly configMaps?: Record<string, Record<string, string>>;
  /**
   * The content of a pod's projected service-account token.
   * @default `sa-token.<serviceAccountName or "default">.<pod name>` (opaque, one per pod)
   */
  readonly serviceAccountToken?: (pod: FakePod) => string;
}

/** A network namespace on the cluster bridge that is not a pod (a test client, the API stand-in). */
export class FakeHost {
  private readonly procs = new Set<ChildProcess>();
  constructor(
    private readonly cluster: FakeCluster,
    public readonly name: string,
    public readonly netns: string,
    public readonly ip: string,
    public readonly dnsNames: string[],
  ) {}

  /**
   * Spawns argv inside this host's network namespace, in a private mount namespace whose
   * /etc/hosts and /etc/resolv.conf are the cluster's (so it resolves pods and Services).
   * Runs as root in its own process group; killed by kill() and by cluster.destroy().
   */
  public spawn(argv: string[], opts: { env?: NodeJS.ProcessEnv; stdio?: any } = {}): ChildProcess {
    const script = [
      'set -e',
      `mount --bind ${shq(this.cluster._hostsFile)} /etc/hosts`,
      `mount --bind ${shq(this.cluster._resolvFile)} /etc/resolv.conf`,
      'exec "$@"',
    ].join('\n');
    const p = spawn('nsenter', [`--net=/run/netns/${this.netns}`, '--', 'unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'host', ...argv],
      { env: opts.env ?? { PATH: IMAGE_PATH }, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'], detached: true });
    this.procs.add(p);
    p.once('exit', () => this.procs.delete(p));
    return p;
  }

  /** Kills every process this host spawned and waits for them. */
  public async kill(): Promise<void> {
    await Promise.all([...this.procs].map(p => new Promise<void>(resolve => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      try { process.kill(-p.pid!, 'SIGKILL'); } catch { resolve(); }
    })));
  }
}

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let clusterCount = 0;

/** A set of pods on one test-only bridge, with cluster DNS in /etc/hosts. */
export class FakeCluster {
  public readonly namespace: string;
  public readonly clusterDomain: string;
  public readonly root: string;
  public readonly id: string;
  private readonly nodeNs: string;
  private readonly pods = new Map<string, FakePod>();
  private readonly hosts = new Map<string, FakeHost>();
  private nextIp = 10;
  private readonly subnet: number;
  private readonly hostsFile: string;
  private readonly resolvFile: string;

  constructor(public readonly docs: Doc[], public readonly options: ClusterOptions = {}) {
    const missing = kubeletMissing();
    if (missing.length) throw new Error(`the kubelet sandbox needs: ${missing.join(', ')}`);
    this.namespace = options.namespace ?? 'default';
    this.clusterDomain = options.clusterDomain ?? 'cluster.local';
    clusterCount++;
    this.subnet = (process.pid * 7 + clusterCount) % 250;
    this.id = `c8s${process.pid % 100000}x${clusterCount}`;
    this.nodeNs = `${this.id}-node`;
    // Not under /tmp or /run: a container may mount a volume over those (an emptyDir at
    // /tmp, a read-only root's tmpfs), which would hide the sources of its other mounts.
    const base = ['/tmp', '/run'].some(d => os.tmpdir() === d || os.tmpdir().startsWith(`${d}/`)) && fs.existsSync('/var/tmp') ? '/var/tmp' : os.tmpdir();
    this.root = fs.mkdtempSync(path.join(base, 'kubelet-'));
    fs.chmodSync(this.root, 0o755);
    this.hostsFile = path.join(this.root, 'hosts');
    this.resolvFile = path.join(this.root, 'resolv.conf');
    // Nothing answers DNS: a name that /etc/hosts does not know fails at once.
    fs.writeFileSync(this.resolvFile, `nameserver 127.0.0.1\nsearch ${this.namespace}.svc.${this.clusterDomain} svc.${this.clusterDomain} ${this.clusterDomain}\noptions ndots:5 timeout:1 attempts:1\n`);
    sh(`ip netns add ${this.nodeNs}`);
    sh(`ip -n ${this.nodeNs} link set lo up && ip -n ${this.nodeNs} link add br0 type bridge && ip -n ${this.nodeNs} link set br0 up`);
    this.writeHosts();
  }

  /** The address block of this cluster's pods. */
  public ipFor(n: number): string {
    return `198.18.${this.subnet}.${n}`;
  }

  /** @internal A fresh address on the bridge. */
  public _nextIp(): string {
    if (this.nextIp > 250) throw new Error('FakeCluster: out of addresses');
    return this.ipFor(this.nextIp++);
  }

  /** Every pod object made so far (deleted ones included: see `exists`). */
  public allPods(): FakePod[] {
    return [...this.pods.values()];
  }

  /** The service-account token projected into `pod` (ClusterOptions.serviceAccountToken, or the default). */
  public tokenFor(pod: FakePod): string {
    return this.options.serviceAccountToken ? this.options.serviceAccountToken(pod) : `sa-token.${pod.serviceAccountName}.${pod.name}`;
  }

  /**
   * A network namespace attached to the bridge with its own address, its `dnsNames` in every
   * pod's /etc/hosts (e.g. `kubernetes.default.svc`); `host.spawn()` runs processes in it.
   * Removed by destroy().
   */
  public addHost(name: string, dnsNames: string[]): FakeHost {
    if (this.hosts.has(name)) throw new Error(`FakeCluster.addHost: host ${name} exists`);
    const ip = this._nextIp();
    const host = new FakeHost(this, name, `${this.id}-h-${name}`.slice(0, 60), ip, dnsNames);
    this._attachNetns(host.netns, ip);
    this.hosts.set(name, host);
    this.writeHosts();
    return host;
  }

  /** Whether Service `svc` (a manifest doc) routes to `pod`: selector, namespace, readiness as in writeHosts. */
  private selects(svc: Doc, pod: FakePod): boolean {
    const ns = svc.metadata.namespace ?? this.namespace;
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    if (!selector || !pod.exists || pod.namespace !== ns) return false;
    if (!Object.entries(selector).every(([k, v]) => pod.labels[k] === v)) return false;
    const headless = svc.spec?.clusterIP === 'None';
    if (!headless && !pod.ready) return false;
    if (headless && !pod.ready && !svc.spec?.publishNotReadyAddresses) return false;
    return true;
  }

  /** The pods Service `serviceName` routes to now (exists, selector matches, Ready unless headless with publishNotReadyAddresses). */
  public podsSelectedBy(serviceName: string, namespace = this.namespace): FakePod[] {
    const svc = this.docs.find(x => x.kind === 'Service' && x.metadata.name === serviceName && (x.metadata.namespace ?? this.namespace) === namespace);
    if (!svc) throw new Error(`FakeCluster.podsSelectedBy: no Service ${serviceName} in namespace ${namespace}`);
    return [...this.pods.values()].filter(p => this.selects(svc, p));
  }

  /** The pod `<sts>-<ordinal>` (created on first use; it keeps its address and claims). */
  public pod(statefulSet: string, ordinal: number): FakePod {
    const name = `${statefulSet}-${ordinal}`;
    let pod = this.pods.get(name);
    if (!pod) {
      const sts = this.docs.find(d => d.kind === 'StatefulSet' && d.metadata.name === statefulSet);
      if (!sts) throw new Error(`no StatefulSet ${statefulSet} in the manifest`);
      pod = new FakePod(this, sts, ordinal, this._nextIp());
      this.pods.set(name, pod);
      this.writeHosts();
    }
    return pod;
  }

  /** @internal */
  public _attach(pod: FakePod): void {
    this._attachNetns(pod.netns, pod.ip);
  }

  /** @internal A new network namespace `ns` with address `ip` on the bridge. */
  public _attachNetns(ns: string, ip: string): void {
    const host = `v${ip.split('.').slice(2).join('x')}`;
    sh(`ip netns add ${ns}`);
    sh(`ip link add eth0 netns ${ns} type veth peer name ${host} netns ${this.nodeNs}`);
    sh(`ip -n ${this.nodeNs} link set ${host} master br0 up`);
    sh(`ip -n ${ns} addr add ${ip}/24 dev eth0 && ip -n ${ns} link set eth0 up && ip -n ${ns} link set lo up`);
  }

  /** Rewrites /etc/hosts of every pod: pods by their DNS names, Services by the pods they select. */
  public writeHosts(): void {
    const d = this.clusterDomain;
    const lines = ['127.0.0.1 localhost'];
    const services = this.docs.filter(x => x.kind === 'Service');
    const forms = (name: string, ns: string) => [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.${d}`];
    for (const pod of this.pods.values()) {
      if (!pod.exists) continue;
      const ns = pod.namespace;
      const names = [pod.name];
      if (pod.subdomain) names.push(...forms(`${pod.name}.${pod.subdomain}`, ns));
      lines.push(`${pod.ip} ${names.join(' ')}`);
    }
    for (const host of this.hosts.values()) lines.push(`${host.ip} ${[host.name, ...host.dnsNames].join(' ')}`);
    for (const svc of services) {
      const ns = svc.metadata.namespace ?? this.namespace;
      if (!svc.spec?.selector) continue;
      for (const pod of this.pods.values()) {
        if (!this.selects(svc, pod)) continue;
        lines.push(`${pod.ip} ${forms(svc.metadata.name, ns).join(' ')}`);
      }
    }
    // Written in place: the file is bind-mounted into running pods.
    fs.writeFileSync(this.hostsFile, `${lines.join('\n')}\n`);
  }

  /** @internal */
  public get _hostsFile(): string { return this.hostsFile; }
  /** @internal */
  public get _resolvFile(): string { return this.resolvFile; }

  /** Every ClusterIP Service the namespace has, with a stable fake cluster IP. */
  public clusterIpServices(ns: string): Array<{ name: string; ip: string; ports: Array<{ name?: string; port: number; protocol: string }> }> {
    const out: Array<{ name: string; ip: string; ports: Array<{ name?: string; port: number; protocol: string }> }> = [
      { name: 'kubernetes', ip: '198.19.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
    ];
    let n = 10;
    for (const svc of this.docs.filter(x => x.kind === 'Service')) {
      n++;
      if ((svc.metadata.namespace ?? this.namespace) !== ns) continue;
      if (svc.spec?.clusterIP === 'None' || (svc.spec?.type && svc.spec.type === 'ExternalName')) continue;
      out.push({ name: svc.metadata.name, ip: `198.19.0.${n}`, ports: (svc.spec?.ports ?? []).map((p: any) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })) });
    }
    for (const extra of this.options.extraServices ?? []) {
      n++;
      out.push({ name: extra.name, ip: `198.19.0.${n}`, ports: [{ name: extra.portName, port: extra.port, protocol: 'TCP' }] });
    }
    return out;
  }

  /** Kills every process and deletes every namespace and file of this cluster. */
  public async destroy(): Promise<void> {
    await Promise.all([...this.pods.values()].map(p => p.kill('SIGKILL')));
    await Promise.all([...this.hosts.values()].map(h => h.kill()));
    for (const pod of this.pods.values()) spawnSync('ip', ['netns', 'del', pod.netns]);
    for (const host of this.hosts.values()) spawnSync('ip', ['netns', 'del', host.netns]);
    spawnSync('ip', ['netns', 'del', this.nodeNs]);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The Service-link variables a kubelet injects for one Service. */
export function serviceLinkEnv(name: string, ip: string, ports: Array<{ name?: string; port: number; protocol: string }>): Record<string, string> {
  const env: Record<string, string> = {};
  if (ports.length === 0) return env;
  const p = name.toUpperCase().replace(/-/g, '_');
  env[`${p}_SERVICE_HOST`] = ip;
  env[`${p}_SERVICE_PORT`] = String(ports[0].port);
  for (const port of ports) if (port.name) env[`${p}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
  env[`${p}_PORT`] = `${ports[0].protocol.toLowerCase()}://${ip}:${ports[0].port}`;
  for (const port of ports) {
    const k = `${p}_PORT_${port.port}_${port.protocol}`;
    env[k] = `${port.protocol.toLowerCase()}://${ip}:${port.port}`;
    env[`${k}_PROTO`] = port.protocol.toLowerCase();
    env[`${k}_PORT`] = String(port.port);
    env[`${k}_ADDR`] = ip;
  }
  return env;
}

/** `$(VAR)` expansion as the kubelet does it (`$$` escapes; unknown references stay). */
export function expandRefs(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => (m === '$$' ? '$' : name in env ? env[name] : m));
}

function quantityBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(String(q));
  if (!m) throw new Error(`bad quantity ${q}`);
  const units: Record<string, number> = { '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'Ki': 1024, 'Mi': 1024 ** 2, 'Gi': 1024 ** 3, 'Ti': 1024 ** 4, 'm': 1e-3 };
  return Number(m[1]) * units[m[2]];
}

/** A mount path with the symlinks of its existing ancestors resolved (`/var/run/x` → `/run/x` on Debian). */
function realTarget(target: string): string {
  let dir = target;
  const rest: string[] = [];
  while (dir !== '/' && !fs.existsSync(dir)) { rest.unshift(path.basename(dir)); dir = path.dirname(dir); }
  try { return path.join(fs.realpathSync(dir), ...rest); } catch { return target; }
}

/** Downward API items as configMap-style items (key = path), keeping each item's mode. */
function downwardItems(items: any[] | undefined): any[] | undefined {
  return items?.map((i: any) => ({ key: i.path, path: i.path, mode: i.mode }));
}

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

function shq(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/** A running container process. */
export interface ContainerProcess {
  readonly name: string;
  /** The current process (replaced when a supervised container is restarted). */
  proc: ChildProcess;
  /** Output of every run of the container, appended. */
  log: string;
  /** How often the stand-in restarted the container after it exited on its own. */
  restarts: number;
  /** Restarted when it exits on its own (restartPolicy Always). */
  supervised: boolean;
  /** Set by kill()/delete(): no restart after this. */
  stopped: boolean;
  /** A pending restart. */
  timer?: NodeJS.Timeout;
}

/** Options of FakePod.init() / create(). */
export interface PodCreateOptions {
  /**
   * The re-created pod gets a fresh address (a new network namespace; the old one is
   * removed), as a real pod re-created on another node does. Claims stay.
   */
  readonly newAddress?: boolean;
}

/** Options of FakePod.start(). */
export interface StartOptions {
  /**
   * Supervise the container like restartPolicy Always: when its process exits on its own it
   * is started again after a back-off (1 s, doubling, capped at 10 s), appending to the same
   * log; `pod.restarts(name)` counts. kill()/delete()/cluster.destroy() end the supervision.
   * @default false
   */
  readonly restart?: boolean;
}

const RESTART_BACKOFF_MS = 1000;
const RESTART_BACKOFF_CAP_MS = 10_000;

/** One pod of a StatefulSet: init containers, containers, probes, claims. */
export class FakePod {
  public readonly name: string;
  public readonly namespace: string;
  public readonly subdomain?: string;
  /** The pod's labels (template labels + the StatefulSet controller's; patchLabels() changes them). */
  public labels: Record<string, string>;
  public readonly netns: string;
  /** The pod exists (it has an address and DNS names); false after delete(). */
  public exists = true;
  /** The pod is Ready: tests set it after a readiness probe passes (Services select ready pods only). */
  public ready = false;
  public readonly running = new Map<string, ContainerProcess>();
  private readonly spec: any;
  private podDir: string;
  private attached = false;
  private incarnation = 0;
  private deleted = false;
  private address: string;

  constructor(private readonly cluster: FakeCluster, private readonly sts: Doc, public readonly ordinal: number, ip: string) {
    this.name = `${sts.metadata.name}-${ordinal}`;
    this.address = ip;
    this.namespace = sts.metadata.namespace ?? cluster.namespace;
    this.subdomain = sts.spec.serviceName;
    this.labels = this.templateLabels();
    this.spec = sts.spec.template.spec;
    this.netns = `${cluster.id}-${ordinal}-${sts.metadata.name}`.slice(0, 60);
    this.podDir = '';
  }

  /** The pod's address (a re-created pod with `newAddress: true` gets a new one). */
  public get ip(): string {
    return this.address;
  }

  /** `spec.serviceAccountName`, else `default`. */
  public get serviceAccountName(): string {
    return this.spec.serviceAccountName ?? 'default';
  }

  private templateLabels(): Record<string, string> {
    return { ...(this.sts.spec.template.metadata?.labels ?? {}), 'statefulset.kubernetes.io/pod-name': this.name, 'apps.kubernetes.io/pod-index': String(this.ordinal) };
  }

  /**
   * Changes the pod's labels like a JSON merge patch of `metadata.labels` (null removes a
   * label) and rewrites /etc/hosts, so Services whose selector includes a label follow it.
   */
  public patchLabels(patch: Record<string, string | null>): void {
    const labels = { ...this.labels };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete labels[k]; else labels[k] = v;
    }
    this.labels = labels;
    this.cluster.writeHosts();
  }

  /** The directory that stands for the claim `<template>-<sts>-<ordinal>` (outlives the pod). */
  public claimDir(template: string): string {
    return path.join(this.cluster.root, 'claims', `${template}-${this.sts.metadata.name}-${this.ordinal}`);
  }

  /** Deletes the claim's data (a lost volume: the next pod start gets an empty one). */
  public deleteClaim(template: string): void {
    fs.rmSync(this.claimDir(template), { recursive: true, force: true });
  }

  /** The pod's containers (`init` ones included) by name. */
  public container(name: string): any {
    const c = [...(this.spec.initContainers ?? []), ...this.spec.containers].find((x: any) => x.name === name);
    if (!c) throw new Error(`${this.name}: no container ${name}`);
    return c;
  }

  public get initContainerNames(): string[] {
    return (this.spec.initContainers ?? []).map((c: any) => c.name);
  }

  public get containerNames(): string[] {
    return this.spec.containers.map((c: any) => c.name);
  }

  private secretValue(name: string, key: string | undefined, optional: boolean): Record<string, string> | string | undefined {
    const doc = this.cluster.docs.find(d => d.kind === 'Secret' && d.metadata.name === name && (d.metadata.namespace ?? this.cluster.namespace) === this.namespace);
    let data: Record<string, string> | undefined;
    if (doc) {
      data = { ...Object.fromEntries(Object.entries(doc.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])), ...(doc.stringData ?? {}) };
    } else {
      data = this.cluster.options.secrets?.[name];
    }
    if (!data) {
      if (optional) return undefined;
      throw new Error(`${this.name}: CreateContainerConfigError: secret "${name}" not found`);
    }
    if (key === undefined) return data;
    if (!(key in data)) {
      if (optional) return undefined;
      throw new Error(`${this.name}: CreateContainerConfigError: couldn't find key ${key} in Secret ${this.namespace}/${name}`);
    }
    return data[key];
  }

  private configMapData(name: string, optional: boolean): Record<string, string> | undefined {
    const doc = this.cluster.docs.find(d => d.kind === 'ConfigMap' && d.metadata.name === name && (d.metadata.namespace ?? this.cluster.namespace) === this.namespace);
    if (!doc) {
      const extra = this.cluster.options.configMaps?.[name];
      if (extra) return extra;
      if (optional) return undefined;
      throw new Error(`${this.name}: CreateContainerConfigError: configmap "${name}" not found`);
    }
    return doc.data ?? {};
  }

  private field(fieldPath: string): string {
    const m = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
    if (m) return this.labels[m[1]] ?? '';
    const a = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
    if (a) return this.sts.spec.template.metadata?.annotations?.[a[1]] ?? '';
    switch (fieldPath) {
      case 'metadata.name': return this.name;
      case 'metadata.namespace': return this.namespace;
      case 'metadata.uid': return `uid-${this.name}`;
      case 'spec.nodeName': return 'node-1';
      case 'spec.serviceAccountName': return this.spec.serviceAccountName ?? 'default';
      case 'status.podIP': return this.ip;
      case 'status.podIPs': return this.ip;
      case 'status.hostIP': return this.cluster.ipFor(1);
      default: throw new Error(`${this.name}: fieldRef ${fieldPath} is not supported by the sandbox`);
    }
  }

  private resourceField(c: any, ref: any): string {
    const [kind, res] = String(ref.resource).split('.');
    const value = c.resources?.[kind]?.[res];
    const divisor = ref.divisor ? quantityBytes(ref.divisor) : 1;
    if (value === undefined) return res === 'cpu' ? String(os.cpus().length) : String(Math.floor(os.totalmem() / divisor));
    return String(Math.ceil(quantityBytes(value) / divisor));
  }

  /** The environment the kubelet gives container `name` (Service links, envFrom, env, HOSTNAME). */
  public env(name: string): Record<string, string> {
    const c = this.container(name);
    const image = this.cluster.options.imageEnvFor?.(this) ?? this.cluster.options.imageEnv ?? { PATH: IMAGE_PATH };
    const env: Record<string, string> = { ...image, HOSTNAME: this.name };
    const links = this.spec.enableServiceLinks !== false || !!this.cluster.options.forceServiceLinks;
    for (const svc of this.cluster.clusterIpServices(this.namespace)) {
      if (links || (svc.name === 'kubernetes')) Object.assign(env, serviceLinkEnv(svc.name, svc.ip, svc.ports));
    }
    for (const from of c.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      const data = from.secretRef
        ? this.secretValue(from.secretRef.name, undefined, !!from.secretRef.optional) as Record<string, string> | undefined
        : this.configMapData(from.configMapRef.name, !!from.configMapRef.optional);
      for (const [k, v] of Object.entries(data ?? {})) if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(prefix + k)) env[prefix + k] = v;
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) {
        env[e.name] = expandRefs(e.value, env);
      } else if (e.valueFrom?.fieldRef) {
        env[e.name] = this.field(e.valueFrom.fieldRef.fieldPath);
      } else if (e.valueFrom?.resourceFieldRef) {
        env[e.name] = this.resourceField(c, e.valueFrom.resourceFieldRef);
      } else if (e.valueFrom?.secretKeyRef) {
        const v = this.secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key, !!e.valueFrom.secretKeyRef.optional);
        if (v !== undefined) env[e.name] = v as string;
      } else if (e.valueFrom?.configMapKeyRef) {
        const data = this.configMapData(e.valueFrom.configMapKeyRef.name, !!e.valueFrom.configMapKeyRef.optional);
        const v = data?.[e.valueFrom.configMapKeyRef.key];
        if (v === undefined && !e.valueFrom.configMapKeyRef.optional) throw new Error(`${this.name}: CreateContainerConfigError: couldn't find key ${e.valueFrom.configMapKeyRef.key} in ConfigMap ${e.valueFrom.configMapKeyRef.name}`);
        if (v !== undefined) env[e.name] = v;
      } else {env[e.name] = '';}
    }
    return env;
  }

  /** The argv the runtime executes for container `name` (command + args, `$(VAR)` expanded). */
  public argv(name: string, env = this.env(name)): string[] {
    const c = this.container(name);
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => expandRefs(a, env));
    if (argv.length === 0) throw new Error(`${this.name}/${name}: no command or args: the sandbox has no image entrypoint`);
    return argv;
  }

  private ensureAttached(): void {
    if (this.attached) return;
    this.cluster._attach(this);
    this.attached = true;
  }

  /** Lays out the pod's volumes (a new pod: fresh emptyDirs, the claims as they are). */
  private createVolumes(): void {
    this.incarnation++;
    this.podDir = path.join(this.cluster.root, 'pods', `${this.name}-${this.incarnation}`);
    fs.mkdirSync(this.podDir, { recursive: true });
    fs.chmodSync(this.podDir, 0o755);
    const sc = this.spec.securityContext ?? {};
    const fsGroup: number | undefined = sc.fsGroup;
    const claimTemplates = new Set((this.sts.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name));
    const volumes = [...(this.spec.volumes ?? []), ...[...claimTemplates].map(n => ({ name: n, persistentVolumeClaim: { claimName: n } }))];
    for (const v of volumes) {
      const dir = this.volumeDir(v.name);
      if (v.persistentVolumeClaim && claimTemplates.has(v.name)) {
        fs.mkdirSync(dir, { recursive: true });
        if (fsGroup !== undefined) { fs.chownSync(dir, 0, fsGroup); fs.chmodSync(dir, 0o2775); }
        continue;
      }
      fs.mkdirSync(dir, { recursive: true });
      const writeItems = (data: Record<string, string>, items: any[] | undefined, defaultMode: number | undefined) => {
        const entries = items
          ? items.map(i => [i.path, data[i.key], i.mode] as const)
          : Object.entries(data).map(([k, val]) => [k, val, undefined] as const);
        for (const [p, val, mode] of entries) {
          if (val === undefined) throw new Error(`${this.name}: volume ${v.name}: missing key for ${p}`);
          const file = path.join(dir, p);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, val);
          fs.chmodSync(file, mode ?? defaultMode ?? 0o644);
          if (fsGroup !== undefined) fs.chownSync(file, 0, fsGroup);
        }
      };
      if (v.configMap) {
        writeItems(this.configMapData(v.configMap.name, !!v.configMap.optional) ?? {}, v.configMap.items, v.configMap.defaultMode);
      } else if (v.secret) {
        const data = this.secretValue(v.secret.secretName, undefined, !!v.secret.optional) as Record<string, string> | undefined;
        writeItems(data ?? {}, v.secret.items, v.secret.defaultMode);
      } else if (v.downwardAPI) {
        writeItems(this.downwardData(v.downwardAPI.items), downwardItems(v.downwardAPI.items), v.downwardAPI.defaultMode);
      } else if (v.projected) {
        for (const src of v.projected.sources ?? []) {
          if (src.serviceAccountToken) {
            writeItems({ token: this.cluster.tokenFor(this) }, [{ key: 'token', path: src.serviceAccountToken.path }], v.projected.defaultMode);
          } else if (src.configMap) {
            const data = this.configMapData(src.configMap.name, !!src.configMap.optional);
            if (data) writeItems(data, src.configMap.items, v.projected.defaultMode);
          } else if (src.secret) {
            const data = this.secretValue(src.secret.name, undefined, !!src.secret.optional) as Record<string, string> | undefined;
            if (data) writeItems(data, src.secret.items, v.projected.defaultMode);
          } else if (src.downwardAPI) {
            writeItems(this.downwardData(src.downwardAPI.items), downwardItems(src.downwardAPI.items), v.projected.defaultMode);
          } else {
            throw new Error(`${this.name}: volume ${v.name}: projected source not supported by the sandbox (${Object.keys(src).join(',')})`);
          }
        }
      } else if (v.emptyDir) {
        fs.chmodSync(dir, 0o777);
      } else if (v.persistentVolumeClaim) {
        // a claim that is not from a template: a directory of its own, kept like a claim
      } else {
        throw new Error(`${this.name}: volume ${v.name}: kind not supported by the sandbox (${Object.keys(v).join(',')})`);
      }
      if (fsGroup !== undefined && !v.emptyDir) fs.chownSync(dir, 0, fsGroup);
    }
  }

  private downwardData(items: any[] | undefined): Record<string, string> {
    const data: Record<string, string> = {};
    for (const i of items ?? []) {
      if (i.fieldRef) data[i.path] = this.field(i.fieldRef.fieldPath);
      else if (i.resourceFieldRef) data[i.path] = this.resourceField(this.container(i.resourceFieldRef.containerName), i.resourceFieldRef);
      else data[i.path] = '';
    }
    return data;
  }

  private volumeDir(volume: string): string {
    const claimTemplates = new Set((this.sts.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name));
    if (claimTemplates.has(volume)) return this.claimDir(volume);
    return path.join(this.podDir, 'volumes', volume);
  }

  /** The shell that builds a container's mount namespace and execs its process as its user. */
  private wrapper(name: string, argv: string[]): string[] {
    const c = this.container(name);
    const sc = { ...(this.spec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    const lines = ['set -e', `hostname ${shq(this.name)}`];
    const bind = (src: string, target: string, ro: boolean) => {
      lines.push(`if [ -d ${shq(src)} ]; then mkdir -p ${shq(target)}; else mkdir -p "$(dirname ${shq(target)})"; [ -e ${shq(target)} ] || : > ${shq(target)}; fi`);
      lines.push(`mount --bind ${shq(src)} ${shq(target)}`);
      if (ro) lines.push(`mount -o remount,bind,ro ${shq(target)}`);
    };
    const roRoot = sc.readOnlyRootFilesystem === true;
    const mounts: Array<[string, string, boolean]> = [];
    for (const m of c.volumeMounts ?? []) {
      let src = this.volumeDir(m.name);
      if (m.subPath) { src = path.join(src, m.subPath); fs.mkdirSync(src, { recursive: true }); }
      const vol = (this.spec.volumes ?? []).find((v: any) => v.name === m.name);
      mounts.push([src, realTarget(m.mountPath), !!m.readOnly || !!vol?.configMap || !!vol?.secret || !!vol?.downwardAPI || !!vol?.projected]);
    }
    // Mount points are made on the host first (empty directories), then bound in this namespace only.
    for (const [src, target, ro] of mounts) bind(src, target, ro);
    bind(this.cluster._hostsFile, '/etc/hosts', true);
    bind(this.cluster._resolvFile, '/etc/resolv.conf', true);
    bind(path.join(this.podDir, 'hostname'), '/etc/hostname', true);
    fs.writeFileSync(path.join(this.podDir, 'hostname'), `${this.name}\n`);
    // A private /tmp and /run like a container's (writable unless the root is read-only).
    const tmp = path.join(this.podDir, 'rootfs-tmp', name);
    const run = path.join(this.podDir, 'rootfs-run', name);
    fs.mkdirSync(tmp, { recursive: true }); fs.chmodSync(tmp, 0o1777);
    fs.mkdirSync(run, { recursive: true }); fs.chmodSync(run, 0o1777);
    if (!roRoot) {
      bind(tmp, '/tmp', false);
      bind(run, '/run', false);
      // The container's own volumes at /tmp or /run go over the private ones.
      for (const [src, target, ro] of mounts) if (target.startsWith('/tmp') || target.startsWith('/run')) bind(src, target, ro);
    }
    if (roRoot) {
      // Read-only root: every mount of the host becomes read-only except the container's volumes.
      lines.push('mount -o remount,bind,ro / 2>/dev/null || mount --bind / / && mount -o remount,bind,ro /');
      // A read-only tmpfs over /tmp and /run, unless a volume is mounted there; the tmpfs
      // stays writable until the volumes under it have their mount points.
      for (const dir of ['/tmp', '/run']) {
        const exact = mounts.filter(([, target]) => target === dir);
        const under = mounts.filter(([, target]) => target.startsWith(`${dir}/`));
        if (exact.length > 0) continue; // bound above, before the root became read-only
        lines.push(`mount -t tmpfs -o size=1k tmpfs ${dir}`);
        for (const [src, target, ro] of under) {
          // A bind from the now read-only root is read-only: set the volume's own mode.
          bind(src, target, ro);
          lines.push(`mount -o remount,bind,${ro ? 'ro' : 'rw'} ${shq(target)}`);
        }
        lines.push(`mount -o remount,ro,size=1k tmpfs ${dir}`);
      }
    }
    const uid = sc.runAsUser ?? 0;
    const gid = sc.runAsGroup ?? uid;
    const groups = [sc.fsGroup, ...(sc.supplementalGroups ?? [])].filter((g: any) => g !== undefined);
    const priv = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, groups.length ? `--groups=${groups.join(',')}` : '--clear-groups'];
    if (sc.allowPrivilegeEscalation === false) priv.push('--no-new-privs');
    if ((sc.capabilities?.drop ?? []).includes('ALL')) priv.push('--inh-caps=-all', '--bounding-set=-all');
    const wd = c.workingDir ?? '/';
    lines.push(`cd ${shq(wd)}`);
    lines.push(`exec ${priv.map(shq).join(' ')} -- "$@"`);
    return ['nsenter', `--net=/run/netns/${this.netns}`, '--', 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', lines.join('\n'), 'sandbox', ...argv];
  }

  /** Runs argv in container `name`'s environment (like `kubectl exec`), waiting for it. */
  public exec(name: string, argv: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): ExecResult {
    this.ensureAttached();
    if (!this.podDir) this.createVolumes();
    const env = { ...this.env(name), ...(opts.env ?? {}) };
    const w = this.wrapper(name, argv);
    const r = spawnSync(w[0], w.slice(1), { env, input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }

  /** Like exec, but asynchronous (for long-running steps that must not block the event loop). */
  public execAsync(name: string, argv: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExecResult> {
    this.ensureAttached();
    if (!this.podDir) this.createVolumes();
    const env = { ...this.env(name), ...(opts.env ?? {}) };
    const w = this.wrapper(name, argv);
    return new Promise(resolve => {
      const p = spawn(w[0], w.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      p.stdout!.on('data', d => { stdout += d; });
      p.stderr!.on('data', d => { stderr += d; });
      const timer = setTimeout(() => { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } stderr += '\n(timed out)'; }, opts.timeoutMs ?? 120_000);
      p.on('close', status => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  }

  /** Runs the container's exec probe (`readinessProbe`, `livenessProbe` or `startupProbe`). */
  public probe(name: string, kind: 'readiness' | 'liveness' | 'startup'): ExecResult {
    const p = this.container(name)[`${kind}Probe`];
    if (!p) throw new Error(`${this.name}/${name}: no ${kind} probe`);
    if (!p.exec) throw new Error(`${this.name}/${name}: the ${kind} probe is not an exec probe`);
    return this.exec(name, p.exec.command, { timeoutMs: (p.timeoutSeconds ?? 1) * 1000 + 5000 });
  }

  /**
   * Creates the pod (fresh emptyDirs, the claims as they are) and runs its init containers
   * in order; a failing one throws with its output (the kubelet would restart it).
   */
  public async init(opts: PodCreateOptions = {}): Promise<ExecResult[]> {
    if (opts.newAddress) {
      if (this.exists && this.attached && [...this.running.keys()].some(n => this.isRunning(n))) throw new Error(`${this.name}: init({ newAddress }) needs the pod deleted first`);
      if (this.attached) {
        this.killNetnsProcesses();
        spawnSync('ip', ['netns', 'del', this.netns]);
        this.attached = false;
      }
      this.address = this.cluster._nextIp();
    }
    if (this.deleted) {
      // a new pod object: the template's labels again
      this.labels = this.templateLabels();
      this.deleted = false;
    }
    this.ensureAttached();
    this.exists = true;
    this.createVolumes();
    this.cluster.writeHosts();
    const results: ExecResult[] = [];
    for (const name of this.initContainerNames) {
      const r = await this.execAsync(name, this.argv(name));
      results.push(r);
      if (r.status !== 0) throw new Error(`${this.name}: init container ${name} exited ${r.status}\n${r.stdout}${r.stderr}`);
    }
    return results;
  }

  /**
   * Starts container `name` (every container when omitted) in the background; with
   * `{ restart: true }` it is supervised like restartPolicy Always (see StartOptions).
   */
  public start(name?: string, opts: StartOptions = {}): void {
    for (const n of name ? [name] : this.containerNames) {
      const old = this.running.get(n);
      if (old?.timer) clearTimeout(old.timer);
      if (old) old.stopped = true;
      const cp: ContainerProcess = { name: n, proc: undefined as any, log: '', restarts: 0, supervised: !!opts.restart, stopped: false };
      this.spawnContainer(cp, RESTART_BACKOFF_MS);
      this.running.set(n, cp);
    }
  }

  private spawnContainer(cp: ContainerProcess, backoffMs: number): void {
    const w = this.wrapper(cp.name, this.argv(cp.name));
    const proc = spawn(w[0], w.slice(1), { env: this.env(cp.name), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    cp.proc = proc;
    proc.stdout!.on('data', d => { cp.log += d; });
    proc.stderr!.on('data', d => { cp.log += d; });
    proc.once('exit', () => {
      if (!cp.supervised || cp.stopped || this.running.get(cp.name) !== cp) return;
      cp.timer = setTimeout(() => {
        cp.timer = undefined;
        if (cp.stopped || this.running.get(cp.name) !== cp) return;
        cp.restarts++;
        try {
          this.spawnContainer(cp, Math.min(backoffMs * 2, RESTART_BACKOFF_CAP_MS));
        } catch (e) {
          cp.log += `\n(sandbox: restart failed: ${e})\n`;
        }
      }, backoffMs);
    });
  }

  /** How often the stand-in restarted container `name` (supervised with `start(name, { restart: true })`). */
  public restarts(name: string): number {
    return this.running.get(name)?.restarts ?? 0;
  }

  /** init() then start(): the pod as a StatefulSet controller creates it. */
  public async create(opts: PodCreateOptions & StartOptions = {}): Promise<void> {
    await this.init(opts);
    this.start(undefined, { restart: opts.restart });
  }

  /** Whether container `name`'s process is still running. */
  public isRunning(name: string): boolean {
    const cp = this.running.get(name);
    return !!cp && cp.proc.exitCode === null && cp.proc.signalCode === null;
  }

  /** The output of container `name` so far. */
  public logs(name: string): string {
    return this.running.get(name)?.log ?? '';
  }

  /** Signals every container (SIGTERM waits up to `graceMs`, then SIGKILL) and waits for them to exit. */
  public async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    for (const cp of this.running.values()) {
      cp.stopped = true;
      if (cp.timer) { clearTimeout(cp.timer); cp.timer = undefined; }
    }
    await Promise.all([...this.running.values()].map(cp => new Promise<void>(resolve => {
      const p = cp.proc;
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const done = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } }, signal === 'SIGKILL' ? 0 : graceMs);
      p.once('exit', done);
      try { process.kill(-p.pid!, signal); } catch { done(); }
    })));
    this.ready = false;
  }

  /** Deletes the pod (its processes; the claims stay): it disappears from DNS until created again. */
  public async delete(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.kill(signal);
    this.killNetnsProcesses();
    this.exists = false;
    this.ready = false;
    this.deleted = true;
    this.cluster.writeHosts();
  }

  /** SIGKILLs whatever still runs in the pod's network namespace (a process that left its group). */
  private killNetnsProcesses(): void {
    if (!this.attached) return;
    const r = spawnSync('ip', ['netns', 'pids', this.netns], { encoding: 'utf8' });
    for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean)) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
  }

  /** Marks the pod Ready (or not) and updates Service DNS. */
  public setReady(ready: boolean): void {
    this.ready = ready;
    this.cluster.writeHosts();
  }
}
