import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { byKind, crossReference, Doc, one, runScript, validateManifests } from './util/k8s';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const names = fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.ts') && f !== 'synth-all.ts').map(f => f.replace(/\.ts$/, '')).sort();

function synthExample(name: string): Doc[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const chart: Chart = require(path.join(EXAMPLES, name)).build(Testing.app());
  expect(chart.node.id).toBe(name);
  return Testing.synth(chart) as Doc[];
}

test('the seed examples exist', () => {
  expect(names).toEqual(expect.arrayContaining(['kubia-pet', 'nginx-web', 'websocket']));
});

describe.each(names)('example %s', (name) => {
  test('every document passes the Kubernetes 1.27 validator and the cross-reference checks', () => {
    const docs = synthExample(name);
    expect(docs.length).toBeGreaterThan(0);
    validateManifests(docs);
    crossReference(docs);
  });
});

describe('kubia-pet (seed 001)', () => {
  const docs = synthExample('kubia-pet');
  test('snapshot', () => expect(docs).toMatchSnapshot());
  test('3 luksa/kubia-pet pods on 8080 behind port 80, 1Mi data at /var/data', () => {
    const sts = one(docs, 'StatefulSet', 'kubia');
    const svc = one(docs, 'Service', 'kubia');
    expect(sts.spec.replicas).toBe(3);
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const c = sts.spec.template.spec.containers[0];
    expect(c).toMatchObject({ name: 'kubia-ctr', image: 'luksa/kubia-pet', ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }] });
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/data' }]);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Mi');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

describe('nginx-web (seed 003)', () => {
  const docs = synthExample('nginx-web');
  test('snapshot', () => expect(docs).toMatchSnapshot());
  test('StatefulSet web behind headless Service nginx, claim www at /usr/share/nginx/html', () => {
    const sts = one(docs, 'StatefulSet', 'web');
    expect(sts.spec.serviceName).toBe('nginx');
    expect(sts.spec.replicas).toBe(2);
    expect(one(docs, 'Service', 'nginx').spec.clusterIP).toBe('None');
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('www');
    expect(claim.spec).toMatchObject({ storageClassName: 'nginx-storage-class', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'www', mountPath: '/usr/share/nginx/html' }]);
  });
  test('4 hostPath PVs pv-nginx-0..3, each pre-bound to www-web-N and retained', () => {
    const pvs = byKind(docs, 'PersistentVolume');
    expect(pvs.map(p => p.metadata.name)).toEqual(['pv-nginx-0', 'pv-nginx-1', 'pv-nginx-2', 'pv-nginx-3']);
    pvs.forEach((pv, n) => {
      expect(pv.spec.hostPath.path).toBe(`/data/nas/web/nginx${n}`);
      expect(pv.spec.claimRef).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'k8s-learning', name: `www-web-${n}` });
      expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
      expect(pv.spec).toMatchObject({ storageClassName: 'nginx-storage-class', capacity: { storage: '1Gi' }, volumeMode: 'Filesystem' });
    });
  });
  test('readiness holds on an empty volume: it does not GET the docroot (the www claim), which is 403 while empty', () => {
    const c = one(docs, 'StatefulSet').spec.template.spec.containers[0];
    const docroot = c.volumeMounts.find((m: any) => m.name === 'www').mountPath;
    expect(docroot).toBe('/usr/share/nginx/html');
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
      expect(probe.httpGet).toBeUndefined();
    }
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 8080 });
  });
  test('the unprivileged nginx image runs as its own uid on 8080', () => {
    const pod = one(docs, 'StatefulSet').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101 });
    expect(pod.containers[0].ports).toEqual([{ containerPort: 8080, name: 'web', protocol: 'TCP' }]);
  });
});

describe('websocket (seed 000)', () => {
  const docs = synthExample('websocket');
  test('snapshot', () => expect(docs).toMatchSnapshot());
  test('stable per-pod DNS, peers published before Ready, a client Service over all pods', () => {
    const sts = one(docs, 'StatefulSet', 'ws');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(one(docs, 'Service', 'ws').spec.publishNotReadyAddresses).toBe(true);
    const client = one(docs, 'Service', 'ws-client');
    expect(client.spec.clusterIP).toBeUndefined();
    expect(client.spec.selector['statefulset.kubernetes.io/pod-name']).toBeUndefined();
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });
  test('each pod writes its own node id (script executed)', () => {
    const script = one(docs, 'ConfigMap', 'ws-scripts').data['ordinal-init.sh'];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-'));
    const local = script.split('/etc/ws').join(dir);
    for (const n of [0, 1, 2]) {
      const run = runScript(local, 'sh', { POD_NAME: `ws-${n}` });
      expect(run.status).toBe(0);
      expect(fs.readFileSync(`${dir}/node-id`, 'utf8')).toBe(`ws-node-${n}\n`);
    }
    const init = one(docs, 'StatefulSet').spec.template.spec.initContainers[0];
    expect(init.volumeMounts).toContainEqual({ name: 'ordinal-init-output', mountPath: '/etc/ws' });
  });
});

describe('zookeeper (seed 003: the canonical StatefulSet)', () => {
  const docs = synthExample('zookeeper');
  test('snapshot', () => expect(docs).toMatchSnapshot());
  test('3 servers in coordination, FQDNs in zoo.cfg, retained data and datalog claims, a quorum-keeping PDB', () => {
    const sts = one(docs, 'StatefulSet', 'zk');
    expect(sts.metadata.namespace).toBe('coordination');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    const cfg: string = one(docs, 'ConfigMap', 'zk-config').data['zoo.cfg'];
    expect(cfg.split('\n').filter(l => l.startsWith('server.'))).toEqual([0, 1, 2].map(o =>
      `server.${o + 1}=zk-${o}.zk.coordination.svc.cluster.local:2888:3888;2181`));
    expect(cfg).toMatch(/^dataLogDir=\/datalog$/m);
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName ?? null, t.spec.resources.requests.storage]))
      .toEqual([['data', null, '10Gi'], ['datalog', 'fast-ssd', '5Gi']]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

describe('redis-sentinel (issue 13: Sentinel failover, both kinds of client)', () => {
  const docs = synthExample('redis-sentinel');
  const sts = one(docs, 'StatefulSet', 'cache');
  const pod = sts.spec.template.spec;
  const container = (name: string) => pod.containers.find((c: any) => c.name === name);
  const env = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const serviceLink = /(_SERVICE_HOST|_SERVICE_PORT.*|_PORT|_PORT_.*)$/;

  test('3 pods started in Parallel, each with redis, sentinel, watchdog and labeler', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(pod.containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel', 'watchdog', 'labeler']);
    expect(one(docs, 'PodDisruptionBudget', 'cache').spec.maxUnavailable).toBe(1);
    expect(one(docs, 'Service', 'cache').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  test('the sentinel container: the Redis image, the shipped start script, the explicit options', () => {
    const s = container('sentinel');
    expect(s.image).toBe(container('redis').image);
    expect(s.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/sentinel-start.sh']);
    expect(s.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(env(s)).toMatchObject({
      RS_MASTER_NAME: 'mymaster', RS_SENTINEL_TCP: '26379', RS_QUORUM: '2', RS_DOWN_AFTER_MS: '5000', RS_FAILOVER_TIMEOUT_MS: '60000',
    });
    const holding: string = one(docs, 'ConfigMap', 'cache-config').data['holding.conf'];
    expect(holding).toMatch(/^min-replicas-to-write 1$/m);
    expect(holding).toMatch(/^min-replicas-max-lag 10$/m);
    expect(holding).toMatch(/^replicaof holding\.invalid 6379$/m);
  });

  test('cache-primary selects the role label master; cache-sentinel exposes 26379', () => {
    expect(one(docs, 'Service', 'cache-primary').spec.selector).toEqual({
      'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis', 'redis.cdk8s-stateful.io/role': 'master',
    });
    // not in the template: the labeler sets it on its own pod (the Role allows patch)
    expect(sts.spec.template.metadata.labels['redis.cdk8s-stateful.io/role']).toBeUndefined();
    expect(env(container('labeler')).RS_ROLE_LABEL).toBe('redis.cdk8s-stateful.io/role');
    const sentinel = one(docs, 'Service', 'cache-sentinel').spec;
    expect(sentinel.selector).toEqual({ 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' });
    expect(sentinel.ports).toEqual([{ name: 'sentinel', port: 26379, protocol: 'TCP', targetPort: 26379 }]);
  });

  test('the labeler may only get/patch the 3 pods by name, and only it mounts a token', () => {
    expect(one(docs, 'Role', 'cache-labeler').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'], resourceNames: ['cache-0', 'cache-1', 'cache-2'] },
    ]);
    const binding = one(docs, 'RoleBinding', 'cache-labeler');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cache-labeler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cache-labeler' }]);
    expect(one(docs, 'ServiceAccount', 'cache-labeler').automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('cache-labeler');
    expect(pod.automountServiceAccountToken).toBe(false);
    const tokenVolumes = pod.volumes.filter((v: any) => v.projected?.sources.some((s: any) => s.serviceAccountToken)).map((v: any) => v.name);
    expect(tokenVolumes).toHaveLength(1);
    const mounting = [...pod.initContainers, ...pod.containers]
      .filter((c: any) => (c.volumeMounts ?? []).some((m: any) => tokenVolumes.includes(m.name)));
    expect(mounting.map((c: any) => c.name)).toEqual(['labeler']);
    expect(container('labeler').image).toBe('curlimages/curl:8.11.1');
  });

  test('clients: web asks the Sentinels, worker uses cache-primary; no env name a Service link can produce', () => {
    const web = one(docs, 'Deployment', 'web').spec.template.spec.containers[0];
    const worker = one(docs, 'Deployment', 'worker').spec.template.spec.containers[0];
    const secretRef = { secretKeyRef: { name: 'cache-auth', key: 'password' } };
    expect(env(web)).toEqual({ REDIS_SENTINEL_ADDR: 'cache-sentinel:26379', REDIS_MASTER_NAME: 'mymaster', REDIS_PASSWORD: secretRef });
    expect(env(worker)).toEqual({ REDIS_ADDR: 'cache-primary:6379', REDIS_PASSWORD: secretRef });
    // the addresses name Services (and ports) this chart creates
    const [sHost, sPort] = env(web).REDIS_SENTINEL_ADDR.split(':');
    expect(one(docs, 'Service', sHost).spec.ports.map((p: any) => p.port)).toContain(Number(sPort));
    const [pHost, pPort] = env(worker).REDIS_ADDR.split(':');
    expect(one(docs, 'Service', pHost).spec.ports.map((p: any) => p.port)).toContain(Number(pPort));
    expect(env(container('sentinel')).RS_MASTER_NAME).toBe(env(web).REDIS_MASTER_NAME);
    for (const c of [web, worker]) for (const e of c.env) expect(e.name).not.toMatch(serviceLink);
  });
});
