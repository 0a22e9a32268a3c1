/**
 * An HTTPS stand-in for the Kubernetes pods endpoint (`/api/v1/namespaces/<ns>/pods/<name>`,
 * GET and PATCH with a JSON merge patch of `metadata.labels`), for suites whose pods talk to
 * the API server (a label updater). It runs on a host of the FakeCluster bridge named
 * `kube-apiserver` that resolves as `kubernetes.default.svc` (and the other forms), on port
 * 443, with a certificate from a CA the test makes first (`ApiStandIn.makeCa()`) and hands to
 * the cluster as the `kube-root-ca.crt` ConfigMap:
 *
 * ```ts
 * const ca = ApiStandIn.makeCa();
 * const cluster = new FakeCluster(docs, { configMaps: { 'kube-root-ca.crt': { 'ca.crt': ca.caPem } } });
 * const api = await ApiStandIn.start(cluster, { ca });
 * ```
 *
 * Like the API server it authenticates the bearer token (the projected token of a pod that
 * exists: `cluster.tokenFor(pod)`, else 401), authorizes from the RBAC objects of the
 * synthesized manifest (Roles/ClusterRoles bound to the pod's ServiceAccount: verb `get` or
 * `patch`, resource `pods` in the core group, `resourceNames` if set; else 403), answers 404
 * for an unknown pod, 415 for a PATCH that is not `application/merge-patch+json`, 405 for
 * other methods, 404 for other paths.
 *
 * The server process (test/util/api-stand-in-server.js, node inside the host's network
 * namespace) forwards each request to this (the test) process over a pipe and waits for the
 * answer, so a label patch is applied to the FakePod (`pod.patchLabels`, /etc/hosts
 * rewritten) BEFORE the 200 goes out. Consequence: the test's event loop must be free while
 * a client talks to the stand-in: run clients with `pod.execAsync`/`pod.start`/`host.spawn`,
 * not the synchronous `pod.exec` (which blocks the loop: the server answers 503 after 10 s).
 */
import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { Doc } from './k8s';
import { FakeCluster, FakeHost, FakePod } from './kubelet';

/** A CA made by `ApiStandIn.makeCa()` (files in `dir`, removed by `ApiStandIn.stop()`). */
export interface ApiCa {
  readonly dir: string;
  /** The CA certificate (PEM): the `ca.crt` of the `kube-root-ca.crt` ConfigMap. */
  readonly caPem: string;
}

/** One request the stand-in answered. */
export interface ApiRequest {
  /** Milliseconds since the epoch when the test process saw it. */
  readonly time: number;
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  /** The bearer token of the Authorization header ('' when there is none). */
  readonly token: string;
  readonly body: string;
  readonly status: number;
  /** The pod the token belongs to, if any. */
  readonly caller?: string;
  /** The address the request came from. */
  readonly remote: string;
  /** The name of the pod that had that address when the request came, if any. */
  readonly remotePod?: string;
}

export interface ApiStandInOptions {
  /** The CA from `ApiStandIn.makeCa()` (the one in the cluster's `kube-root-ca.crt`). */
  readonly ca: ApiCa;
  /** @default 443 */
  readonly port?: number;
  /** @default 'kube-apiserver' */
  readonly hostName?: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
}

interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly authorization: string;
  readonly body: string;
}

const LABELS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;

export class ApiStandIn {
  /** Makes a CA (EC P-256, one day) in a new temporary directory. */
  public static makeCa(): ApiCa {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-stand-in-'));
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
      '-days', '1', '-subj', '/CN=api-stand-in-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    return { dir, caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8') };
  }

  /**
   * Adds the `kube-apiserver` host to the cluster, issues its certificate (for `kubernetes`,
   * `kubernetes.default`, `kubernetes.default.svc`, `kubernetes.default.svc.<domain>` and its
   * address) and starts the server; resolves when it listens.
   */
  public static async start(cluster: FakeCluster, opts: ApiStandInOptions): Promise<ApiStandIn> {
    const d = cluster.clusterDomain;
    const names = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${d}`];
    const host = cluster.addHost(opts.hostName ?? 'kube-apiserver', names);
    const dir = opts.ca.dir;
    fs.writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=${[...names.map(n => `DNS:${n}`), `IP:${host.ip}`].join(',')}\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kubernetes.default.svc'], dir);
    openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext'], dir);
    const proc = host.spawn([process.execPath, path.join(__dirname, 'api-stand-in-server.js'), path.join(dir, 'server.key'), path.join(dir, 'server.crt'), String(opts.port ?? 443)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    const api = new ApiStandIn(cluster, host, proc, dir);
    await api.ready;
    return api;
  }

  private readonly log: ApiRequest[] = [];
  private readonly ready: Promise<void>;
  private stderr = '';

  private constructor(private readonly cluster: FakeCluster, public readonly host: FakeHost, proc: ChildProcess, private readonly dir: string) {
    proc.stderr!.on('data', d => { this.stderr += d; });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ApiStandIn: the server did not start in 15 s: ${this.stderr}`)), 15_000);
      proc.once('exit', code => { clearTimeout(timer); reject(new Error(`ApiStandIn: the server exited (${code}): ${this.stderr}`)); });
      readline.createInterface({ input: proc.stdout! }).on('line', line => {
        let msg: any;
        try { msg = JSON.parse(line); } catch { return; }
        if (msg.ready) { clearTimeout(timer); resolve(); return; }
        const { status, body, caller } = this.answer(msg);
        this.log.push({
          time: Date.now(),
          method: msg.method,
          path: msg.path,
          contentType: msg.contentType,
          token: bearer(msg.authorization),
          body: msg.body,
          status,
          caller,
          remote: msg.remote ?? '',
          remotePod: this.cluster.allPods().find(p => p.exists && p.ip === msg.remote)?.name,
        });
        proc.stdin!.write(`${JSON.stringify({ id: msg.id, status, body })}\n`);
      });
    });
    this.ready.catch(() => undefined);
  }

  /** The stand-in's address on the bridge. */
  public get ip(): string {
    return this.host.ip;
  }

  /** Every request answered so far, in order. */
  public requests(): ApiRequest[] {
    return [...this.log];
  }

  /** Stops the server and removes the CA and certificate files (the host goes with cluster.destroy()). */
  public async stop(): Promise<void> {
    await this.host.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private answer(req: RawRequest): { status: number; body: any; caller?: string } {
    const status = (code: number, message: string, caller?: string) => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message }, caller });
    const token = bearer(req.authorization);
    const caller = token ? this.cluster.allPods().find(p => p.exists && this.cluster.tokenFor(p) === token) : undefined;
    if (!caller) return status(401, 'Unauthorized');
    const url = req.path.split('?')[0];
    const m = LABELS_PATH.exec(url);
    if (!m) return status(404, `the stand-in serves only /api/v1/namespaces/<ns>/pods/<name>, not ${url}`, caller.name);
    const [ns, name] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    const verb = req.method === 'GET' ? 'get' : req.method === 'PATCH' ? 'patch' : undefined;
    if (!verb) return status(405, `method ${req.method} not allowed`, caller.name);
    if (!this.allowed(caller, verb, ns, name)) {
      return status(403, `pods "${name}" is forbidden: User "system:serviceaccount:${caller.namespace}:${caller.serviceAccountName}" cannot ${verb} resource "pods" in API group "" in the namespace "${ns}"`, caller.name);
    }
    const pod = this.cluster.allPods().find(p => p.exists && p.namespace === ns && p.name === name);
    if (!pod) return status(404, `pods "${name}" not found`, caller.name);
    if (verb === 'patch') {
      if (req.contentType.split(';')[0].trim() !== 'application/merge-patch+json') return status(415, `the stand-in accepts only application/merge-patch+json, not ${req.contentType}`, caller.name);
      let patch: any;
      try { patch = JSON.parse(req.body); } catch { return status(400, 'the body is not JSON', caller.name); }
      const labels = patch?.metadata?.labels;
      if (labels !== undefined && labels !== null) {
        if (typeof labels !== 'object' || Object.values(labels).some(v => v !== null && typeof v !== 'string')) return status(422, 'metadata.labels must map to strings or null', caller.name);
        pod.patchLabels(labels);
      }
    }
    return { status: 200, body: { kind: 'Pod', apiVersion: 'v1', metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels } }, caller: caller.name };
  }

  /** RBAC of the manifest: (Cluster)RoleBindings naming the caller's ServiceAccount, their rules. */
  private allowed(caller: FakePod, verb: string, ns: string, name: string): boolean {
    const docs = this.cluster.docs;
    const nsOf = (d: Doc) => d.metadata.namespace ?? this.cluster.namespace;
    const bindings = docs.filter(d => (d.kind === 'RoleBinding' && nsOf(d) === ns) || d.kind === 'ClusterRoleBinding');
    for (const b of bindings) {
      const bound = (b.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === caller.serviceAccountName
        && (s.namespace ?? (b.kind === 'RoleBinding' ? nsOf(b) : undefined)) === caller.namespace);
      if (!bound) continue;
      const ref = b.roleRef ?? {};
      const role = ref.kind === 'Role'
        ? docs.find(d => d.kind === 'Role' && d.metadata.name === ref.name && nsOf(d) === nsOf(b))
        : docs.find(d => d.kind === 'ClusterRole' && d.metadata.name === ref.name);
      for (const rule of role?.rules ?? []) {
        const has = (list: string[] | undefined, x: string) => (list ?? []).includes(x) || (list ?? []).includes('*');
        if (!has(rule.apiGroups, '') || !has(rule.resources, 'pods') || !has(rule.verbs, verb)) continue;
        if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(name)) continue;
        return true;
      }
    }
    return false;
  }
}

function bearer(header: string): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : '';
}
