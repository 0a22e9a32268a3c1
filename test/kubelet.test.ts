/**
 * Self-tests of the kubelet stand-in (test/util/kubelet.ts): the environment it builds is
 * the one a kubelet builds, and a pod's processes get the pod's name, address, mounts,
 * user and read-only root.
 */
import { Testing } from 'cdk8s';
import { Credentials, StatefulRedis } from '../src';
import { Doc } from './util/k8s';
import { expandRefs, FakeCluster, kubeletMissing, serviceLinkEnv } from './util/kubelet';

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
