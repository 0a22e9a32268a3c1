/**
 * Self-tests of the kubelet stand-in (test/util/kubelet.ts): the environment it builds is
 * the one a kubelet builds, and a pod's processes get the pod's name, address, mounts,
 * user and read-only root.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Testing } from 'cdk8s';
import { Credentials, StatefulRedis } from '../src';
import { ApiCa, ApiStandIn } from './util/api-stand-in';
import { Doc } from './util/k8s';
import { expandRefs, FakeCluster, FakePod, kubeletMissing, serviceLinkEnv } from './util/kubelet';

test('Service links: the variables a kubelet injects for a ClusterIP Service', () => {
  expect(serviceLinkEnv('db-primary', '10.96.0.7', [{ name: 'mysql', port: 3306, protocol: 'TCP' }])).toEqual({
    DB_PRIMARY_SERVICE_HOST: '10.96.0.7',
    DB_PRIMARY_SERVICE_PORT: '3306',
    DB_PRIMARY_SERVICE_PORT_MYSQL: '3306',
    DB_PRIMARY_PORT: 'tcp://10.96.0.7:3306',
    DB_PRIMARY_PORT_3306_TCP: 'tcp://10.96.0.7:3306',
    DB_PRIMARY_PORT_3306_TCP_PROTO: 'tcp',
    DB_PRIMARY_PORT_3306_TCP_PORT: '3306',
    DB_PRIMARY_PORT_3306_TCP_ADDR: '10.96.0.7',
  });
});

test('$(VAR) references expand like the kubelet; $$ escapes; unknown ones stay', () => {
  expect(expandRefs('a $(X) b $$(X) $(NOPE)', { X: '1' })).toBe('a 1 b $(X) $(NOPE)');
});

const missing = kubeletMissing();
if (missing.length && process.env.CI) {
  test('the kubelet sandbox can run here (CI)', () => { throw new Error(`missing: ${missing.join(', ')}`); });
}
(missing.length ? describe.skip : describe)('a pod in the sandbox', () => {
  const chart = Testing.chart();
  new StatefulRedis(chart, 'cache', { credentials: Credentials.fromPassword('pw') });
  const docs = Testing.synth(chart) as Doc[];
  let cluster: FakeCluster;
  beforeAll(() => { cluster = new FakeCluster(docs, { extraServices: [{ name: 'redis', port: 6379 }] }); });
  afterAll(async () => cluster.destroy());

  test('env: secrets, downward API, HOSTNAME; Service links only when the pod spec leaves them on', () => {
    const pod = cluster.pod('cache', 1);
    const env = pod.env('redis-init');
    expect(env.POD_NAME).toBe('cache-1');
    expect(env.HOSTNAME).toBe('cache-1');
    expect(env.REDIS_PASSWORD).toBe('pw');
    expect(env.KUBERNETES_SERVICE_HOST).toBeDefined();
    const sts = docs.find(d => d.kind === 'StatefulSet')!;
    const links = sts.spec.template.spec.enableServiceLinks !== false;
    expect(env.REDIS_PORT === 'tcp://' + env.REDIS_SERVICE_HOST + ':6379').toBe(links);
  });

  test('a missing Secret is CreateContainerConfigError', () => {
    const other = Testing.chart();
    new StatefulRedis(other, 'c2');
    const c = new FakeCluster(Testing.synth(other) as Doc[]);
    try {
      expect(() => c.pod('c2', 0).env('redis')).toThrow(/CreateContainerConfigError: secret "c2-auth" not found/);
    } finally { void c.destroy(); }
  });

  test('a process runs as the pod: hostname, address, user, volumes, read-only root, DNS', () => {
    const pod = cluster.pod('cache', 0);
    const r = pod.exec('redis', ['sh', '-c', 'hostname; id -u; id -G; test -d /data && echo data; touch /x 2>/dev/null || echo ro; getent hosts cache-0.cache | cut -d" " -f1; ls /opt/cdk8s-stateful/scripts']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(['cache-0', '999', '999', 'data', 'ro', pod.ip]);
    expect(lines).toContain('redis-probe.sh');
  });
});

/**
 * A tiny chart for the extensions the Sentinel suite needs: a projected service-account
 * volume, RBAC that lets the pods get/patch some pods by name, a Service that selects a
 * label the pods set through the API, a container that exits on its own.
 */
function sentinelLikeChart(): Doc[] {
  const chart = Testing.chart();
  const labels = { app: 'kt' };
  new ApiObject(chart, 'sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kt-labeler' } });
  new ApiObject(chart, 'role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'kt-labeler' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'], resourceNames: ['kt-0', 'kt-1', 'kt-ghost'] }],
  } as any);
  new ApiObject(chart, 'rb', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kt-labeler' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kt-labeler' },
    subjects: [{ kind: 'ServiceAccount', name: 'kt-labeler' }],
  } as any);
  new ApiObject(chart, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kt-secret' }, stringData: { pw: 's3cret' } } as any);
  new ApiObject(chart, 'headless', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kt' },
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: labels, ports: [{ port: 80 }] },
  });
  new ApiObject(chart, 'primary', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kt-primary' },
    spec: { selector: { ...labels, 'kt.example/role': 'master' }, ports: [{ port: 80 }] },
  });
  new ApiObject(chart, 'sts', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'kt' },
    spec: {
      serviceName: 'kt',
      replicas: 3,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'kt-labeler',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 },
          volumes: [{
            name: 'api',
            projected: {
              defaultMode: 0o440,
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                { secret: { name: 'kt-secret', items: [{ key: 'pw', path: 'pw', mode: 0o400 }] } },
                { configMap: { name: 'absent', optional: true } },
              ],
            },
          }],
          containers: [
            { name: 'oneshot', image: 'x', command: ['sh', '-c', 'echo run; sleep 0.2; exit 3'] },
            { name: 'idle', image: 'x', command: ['sleep', '600'], volumeMounts: [{ name: 'api', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] },
          ],
        },
      },
    },
  } as any);
  return Testing.synth(chart) as Doc[];
}

async function waitFor(what: string, fn: () => boolean, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

(missing.length ? describe.skip : describe)('the stand-in extensions for Sentinel (projected volumes, labels, restarts, new addresses, API)', () => {
  const docs = sentinelLikeChart();
  let ca: ApiCa;
  let cluster: FakeCluster;
  let api: ApiStandIn;
  beforeAll(async () => {
    ca = ApiStandIn.makeCa();
    cluster = new FakeCluster(docs, { configMaps: { 'kube-root-ca.crt': { 'ca.crt': ca.caPem } } });
    api = await ApiStandIn.start(cluster, { ca });
  });
  afterAll(async () => {
    await api?.stop();
    await cluster?.destroy();
  });

  test('projected volume: token, kube-root-ca.crt (a cluster ConfigMap), downward API, Secret; modes, fsGroup, read-only', () => {
    const pod = cluster.pod('kt', 0);
    expect(cluster.tokenFor(pod)).toBe('sa-token.kt-labeler.kt-0');
    const r = pod.exec('idle', ['sh', '-c', `cd ${SA} && for f in token ca.crt namespace pw; do stat -c "%n %a %g" $f; done; cat token; echo; cat namespace; echo; touch x 2>/dev/null || echo ro`]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual(['token 440 2000', 'ca.crt 440 2000', 'namespace 440 2000', 'pw 400 2000']);
    expect(lines.slice(4)).toEqual(['sa-token.kt-labeler.kt-0', 'default', 'ro']);
    expect(pod.exec('idle', ['cat', `${SA}/ca.crt`]).stdout).toBe(ca.caPem);
  });

  test('without the cluster ConfigMap kube-root-ca.crt the projected volume fails (CreateContainerConfigError)', async () => {
    const c = new FakeCluster(docs);
    try {
      await expect(c.pod('kt', 0).init()).rejects.toThrow(/configmap "kube-root-ca.crt" not found/);
    } finally { await c.destroy(); }
  });

  test('patchLabels: Services whose selector has the label follow it; a re-created pod has the template labels', async () => {
    const pod = cluster.pod('kt', 2);
    await pod.init();
    pod.setReady(true);
    expect(cluster.podsSelectedBy('kt-primary')).toEqual([]);
    pod.patchLabels({ 'kt.example/role': 'master' });
    expect(cluster.podsSelectedBy('kt-primary').map(p => p.name)).toEqual(['kt-2']);
    expect(cluster.pod('kt', 0).exec('idle', ['getent', 'hosts', 'kt-primary']).stdout.split(' ')[0]).toBe(pod.ip);
    pod.setReady(false);
    expect(cluster.podsSelectedBy('kt-primary')).toEqual([]); // a ClusterIP Service: Ready pods only
    expect(cluster.podsSelectedBy('kt').map(p => p.name)).toContain('kt-2'); // headless + publishNotReadyAddresses
    pod.setReady(true);
    pod.patchLabels({ 'kt.example/role': null });
    expect(pod.labels['kt.example/role']).toBeUndefined();
    expect(cluster.podsSelectedBy('kt-primary')).toEqual([]);
    expect(cluster.pod('kt', 0).exec('idle', ['getent', 'hosts', 'kt-primary']).status).not.toBe(0);
    pod.patchLabels({ 'kt.example/role': 'master' });
    await pod.delete('SIGKILL');
    expect(cluster.podsSelectedBy('kt-primary')).toEqual([]);
    await pod.init();
    expect(pod.labels['kt.example/role']).toBeUndefined();
    expect(pod.labels.app).toBe('kt');
  });

  test('restarts: a supervised container that exits is restarted (same log, counted); after kill() nothing restarts', async () => {
    const pod = cluster.pod('kt', 2);
    pod.start('oneshot', { restart: true });
    pod.start('idle', { restart: true });
    const runs = () => (pod.logs('oneshot').match(/^run$/mg) ?? []).length;
    await waitFor('two restarts of oneshot, each appending to the log', () => pod.restarts('oneshot') >= 2 && runs() >= 3, 15_000);
    expect(pod.restarts('idle')).toBe(0);
    expect(pod.isRunning('idle')).toBe(true);
    await pod.kill('SIGKILL');
    const n = pod.restarts('oneshot');
    await new Promise(r => setTimeout(r, 5000)); // longer than the back-off so far (1 s, 2 s)
    expect(pod.restarts('oneshot')).toBe(n);
    expect(pod.restarts('idle')).toBe(0);
    expect(pod.isRunning('idle')).toBe(false);
    expect(pod.isRunning('oneshot')).toBe(false);
    // an unsupervised container that exits stays down
    pod.start('oneshot');
    await waitFor('oneshot to exit', () => !pod.isRunning('oneshot'));
    await new Promise(r => setTimeout(r, 1500));
    expect(pod.restarts('oneshot')).toBe(0);
    expect(pod.isRunning('oneshot')).toBe(false);
  });

  test('a re-created pod with newAddress gets a new IP; peers resolve its name to it; the old processes are gone', async () => {
    const peer = cluster.pod('kt', 0);
    const pod = cluster.pod('kt', 1);
    await pod.create();
    const oldIp = pod.ip;
    const oldPid = pod.running.get('idle')!.proc.pid!;
    expect(peer.exec('idle', ['getent', 'hosts', 'kt-1.kt']).stdout.split(' ')[0]).toBe(oldIp);
    await pod.delete('SIGKILL');
    expect(peer.exec('idle', ['getent', 'hosts', 'kt-1.kt']).status).not.toBe(0);
    await pod.create({ newAddress: true });
    expect(pod.ip).not.toBe(oldIp);
    expect(() => process.kill(oldPid, 0)).toThrow();
    expect(peer.exec('idle', ['getent', 'hosts', 'kt-1.kt']).stdout.split(' ')[0]).toBe(pod.ip);
    const addr = pod.exec('idle', ['ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(addr.stdout).toContain(`${pod.ip}/24`);
    expect(addr.stdout).not.toContain(`${oldIp}/`);
    await pod.kill('SIGKILL');
  });

  test('addHost: a netns on the bridge with its own address and DNS names, reachable from pods', async () => {
    const host = cluster.addHost('client', ['client.example']);
    const peer = cluster.pod('kt', 0);
    expect(peer.exec('idle', ['getent', 'hosts', 'client.example']).stdout.split(' ')[0]).toBe(host.ip);
    const p = host.spawn(['sh', '-c', 'getent hosts kt-0.kt; ip -4 -o addr show eth0']);
    let out = '';
    p.stdout!.on('data', d => { out += d; });
    p.stderr!.on('data', d => { out += d; });
    await new Promise(r => p.once('exit', r));
    expect(out).toContain(peer.ip);
    expect(out).toContain(`${host.ip}/24`);
    // a server on the host answers a pod by the host's DNS name
    host.spawn(['socat', 'TCP-LISTEN:8080,reuseaddr,fork', 'SYSTEM:echo hello-from-host']);
    const r = await peer.execAsync('idle', ['sh', '-c', 'for i in $(seq 50); do out=$(nc -w2 client.example 8080 </dev/null) && [ -n "$out" ] && { echo "$out"; exit 0; }; sleep 0.1; done; exit 1'], { timeoutMs: 30_000 });
    expect(r.stdout.trim()).toBe('hello-from-host');
    await host.kill();
  });

  test('API stand-in: a pod PATCHes its own labels over HTTPS with its projected token; RBAC, 401, 403, 404, 415', async () => {
    const pod = cluster.pod('kt', 0);
    await pod.init();
    pod.setReady(true);
    const url = 'https://kubernetes.default.svc/api/v1/namespaces/default/pods';
    const body = '{"metadata":{"labels":{"kt.example/role":"master"}}}';
    const auth = `Authorization: Bearer $(cat ${SA}/token)`;
    // asynchronous: the stand-in's answers come from this process's event loop
    const run = async (args: string, from: FakePod = pod) => {
      const r = await from.execAsync('idle', ['sh', '-c', `curl -sS --max-time 5 --cacert ${SA}/ca.crt -w '\\n%{http_code}' ${args}`], { timeoutMs: 20_000 });
      const lines = r.stdout.split('\n');
      return { stdout: lines.pop()!, stderr: lines.join('\n') + r.stderr };
    };
    const ok = await run(`-X PATCH -H 'Content-Type: application/merge-patch+json' -H "${auth}" --data-binary '${body}' ${url}/kt-0`);
    expect(ok.stdout).toBe('200');
    expect(JSON.parse(ok.stderr).metadata.labels['kt.example/role']).toBe('master');
    expect(pod.labels['kt.example/role']).toBe('master'); // applied before the 200
    expect(cluster.podsSelectedBy('kt-primary').map(p => p.name)).toEqual(['kt-0']);
    const last = api.requests().slice(-1)[0];
    expect(last).toMatchObject({ method: 'PATCH', path: '/api/v1/namespaces/default/pods/kt-0', contentType: 'application/merge-patch+json', token: 'sa-token.kt-labeler.kt-0', body, status: 200, caller: 'kt-0' });

    const get = await run(`-H "${auth}" ${url}/kt-0`);
    expect(get.stdout).toBe('200');
    expect(JSON.parse(get.stderr).metadata).toMatchObject({ name: 'kt-0', namespace: 'default' });

    const removal = await run(`-X PATCH -H 'Content-Type: application/merge-patch+json' -H "${auth}" --data-binary '{"metadata":{"labels":{"kt.example/role":null}}}' ${url}/kt-0`);
    expect(removal.stdout).toBe('200');
    expect(cluster.podsSelectedBy('kt-primary')).toEqual([]);

    expect((await run(`-X PATCH -H 'Content-Type: application/merge-patch+json' -H 'Authorization: Bearer wrong' --data-binary '${body}' ${url}/kt-0`)).stdout).toBe('401');
    expect((await run(`-X PATCH -H 'Content-Type: application/merge-patch+json' --data-binary '${body}' ${url}/kt-0`)).stdout).toBe('401');
    expect((await run(`-X PATCH -H 'Content-Type: application/merge-patch+json' -H "${auth}" --data-binary '${body}' ${url}/kt-2`)).stdout).toBe('403');
    expect(cluster.pod('kt', 2).labels['kt.example/role']).toBeUndefined();
    expect((await run(`-H "${auth}" ${url}/kt-ghost`)).stdout).toBe('404');
    expect((await run(`-X PATCH -H 'Content-Type: application/json' -H "${auth}" --data-binary '${body}' ${url}/kt-0`)).stdout).toBe('415');
    expect((await run(`-X DELETE -H "${auth}" ${url}/kt-0`)).stdout).toBe('405');
    expect(pod.labels['kt.example/role']).toBeUndefined();
    // a pod's token dies with the pod
    const token = cluster.tokenFor(pod);
    await pod.delete('SIGKILL');
    const other = cluster.pod('kt', 1);
    await other.init();
    expect((await run(`-H "Authorization: Bearer ${token}" ${url}/kt-1`, other)).stdout).toBe('401');
    expect((await run(`-H "${auth}" ${url}/kt-1`, other)).stdout).toBe('200');
    expect(api.requests().map(r => r.status)).toEqual([200, 200, 200, 401, 401, 403, 404, 415, 405, 401, 200]);
  });

  test('API stand-in: StatefulRedis\'s shipped sentinel-labeler.sh (curl --config -, token re-read, CA from the projected volume) sets the role label', async () => {
    const pod = cluster.pod('kt', 1);
    // Copied where the pod can see it: a container's /tmp is its own (the repository may be under /tmp).
    const script = path.join(cluster.root, 'sentinel-labeler.sh');
    fs.copyFileSync(path.join(__dirname, '..', 'src', 'redis', 'scripts', 'sentinel-labeler.sh'), script);
    fs.chmodSync(script, 0o644);
    const before = api.requests().length;
    const r = await pod.execAsync('idle', ['sh', '-c', 'echo master > /tmp/role && exec sh "$0"', script], {
      env: { RS_POD: 'kt-1', RS_ROLE_FILE: '/tmp/role', RS_ROLE_LABEL: 'kt.example/role', RS_LABEL_ROUNDS: '1' },
      timeoutMs: 30_000,
    });
    expect(`${r.status} ${r.stderr}`).toMatch(/^0 .*label kt\.example\/role=master/s);
    expect(pod.labels['kt.example/role']).toBe('master');
    const reqs = api.requests().slice(before);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/default/pods/kt-1',
      contentType: 'application/merge-patch+json',
      token: cluster.tokenFor(pod),
      body: '{"metadata":{"labels":{"kt.example/role":"master"}}}',
      status: 200,
    });
  });
});
