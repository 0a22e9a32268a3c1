/**
 * StatefulRedis with Sentinel failover (`RedisFailover.sentinel()`): what is synthesized.
 * The behaviour of the pods (real redis-server/redis-sentinel processes) is proven in
 * test/redis-sentinel-server.test.ts.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Credentials, RedisFailover, StatefulRedis, StatefulRedisProps } from '../src';
import { byKind, crossReference, Doc, hasCommand, one, validateManifests } from './util/k8s';
import { assertPss } from './util/pss';

function synth(props: StatefulRedisProps = {}, chartProps: { namespace?: string } = {}): { redis: StatefulRedis; docs: Doc[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', chartProps);
  const redis = new StatefulRedis(chart, 'cache', props);
  return { redis, docs: Testing.synth(chart) as Doc[] };
}
const sentinel = (props: StatefulRedisProps = {}, chartProps = {}) => synth({ failover: RedisFailover.sentinel(), ...props }, chartProps);
const podSpec = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.spec;
const container = (docs: Doc[], name: string) => [...podSpec(docs).containers, ...podSpec(docs).initContainers].find((c: any) => c.name === name);
const envOf = (c: any): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('failover: none (the default)', () => {
  test('RedisFailover.none() synthesizes exactly what no `failover` prop does', () => {
    expect(synth({ failover: RedisFailover.none() }).docs).toEqual(synth().docs);
  });

  test('no Sentinel objects, OrderedReady, the primary Service pinned to ordinal 0', () => {
    const { redis, docs } = synth();
    expect(podSpec(docs).containers.map((c: any) => c.name)).toEqual(['redis']);
    expect(one(docs, 'StatefulSet').spec.podManagementPolicy).toBe('OrderedReady');
    expect(byKind(docs, 'Role')).toEqual([]);
    expect(byKind(docs, 'ServiceAccount')).toEqual([]);
    expect(one(docs, 'Service', 'cache-primary').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('cache-0');
    expect(redis.sentinelService).toBeUndefined();
    expect(redis.sentinelHost).toBeUndefined();
    expect(redis.masterName).toBeUndefined();
  });
});

describe('failover: RedisFailover.sentinel()', () => {
  const { redis, docs } = sentinel();

  test('snapshot', () => {
    expect(docs).toMatchSnapshot();
  });

  test('valid Kubernetes 1.27 objects that reference each other, PSS restricted', () => {
    validateManifests(docs);
    crossReference(docs);
    assertPss(docs, 'restricted');
  });

  test('one pod: redis, sentinel, watchdog and labeler; Parallel; a PDB of maxUnavailable 1', () => {
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.replicas).toBe(3);
    expect(podSpec(docs).containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel', 'watchdog', 'labeler']);
    expect(podSpec(docs).initContainers.map((c: any) => c.name)).toEqual(['redis-init']);
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    // Sentinel runs from the data server's image; only the labeler has another.
    expect(container(docs, 'sentinel').image).toBe('redis:7.4');
    expect(container(docs, 'watchdog').image).toBe('redis:7.4');
    expect(container(docs, 'labeler').image).toBe('curlimages/curl:8.11.1');
    expect(one(docs, 'Service', 'cache').spec.publishNotReadyAddresses).toBe(true);
  });

  test('every pod starts HOLDING: a read-only replica of a name that never resolves, with its DNS name announced', () => {
    const conf = one(docs, 'ConfigMap', 'cache-config').data;
    expect(conf['primary.conf']).toBeUndefined();
    expect(conf['replica.conf']).toBeUndefined();
    const holding = conf['holding.conf'].split('\n').filter((l: string) => l && !l.startsWith('#'));
    expect(holding).toEqual([
      'replicaof holding.invalid 6379', 'replica-read-only yes', 'replica-serve-stale-data yes',
      'min-replicas-to-write 1', 'min-replicas-max-lag 10',
    ]);
    const init = envOf(container(docs, 'redis-init'));
    expect(init.REDIS_MODE).toBe('sentinel');
    expect(init.REDIS_ANNOUNCE_HOST).toBe('$(POD_NAME).cache.$(RS_NAMESPACE).svc.cluster.local');
    expect(init.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(init.RS_NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    // Both are defined before the value that refers to them (the kubelet expands only earlier names).
    const names = container(docs, 'redis-init').env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('REDIS_ANNOUNCE_HOST'));
    expect(names.indexOf('RS_NAMESPACE')).toBeLessThan(names.indexOf('REDIS_ANNOUNCE_HOST'));
    // No seed init container: the watchdog decides roles and never lets an empty pod win.
    expect(container(docs, 'redis-seed')).toBeUndefined();
  });

  test('Services: <name>-primary follows the role label, <name>-read every ready pod, <name>-sentinel the Sentinels', () => {
    const primary = one(docs, 'Service', 'cache-primary').spec;
    expect(primary.selector).toEqual({ 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis', 'redis.cdk8s-stateful.io/role': 'master' });
    expect(primary.ports.map((p: any) => p.port)).toEqual([6379]);
    expect(one(docs, 'Service', 'cache-read').spec.ports.map((p: any) => p.port)).toEqual([6379]);
    const s = one(docs, 'Service', 'cache-sentinel').spec;
    expect(s.ports).toEqual([{ name: 'sentinel', port: 26379, protocol: 'TCP', targetPort: 26379 }]);
    expect(s.selector).toEqual({ 'app.kubernetes.io/instance': 'cache', 'app.kubernetes.io/name': 'redis' });
    // A Sentinel answers while its pod's Redis is syncing (not Ready): clients reach it anyway.
    expect(s.publishNotReadyAddresses).toBe(true);
    expect(one(docs, 'Service', 'cache-primary').spec.publishNotReadyAddresses).toBeUndefined();
    expect(redis.sentinelHost).toBe('cache-sentinel');
    expect(redis.sentinelPort).toBe(26379);
    expect(redis.masterName).toBe('mymaster');
    expect(redis.roleLabel).toBe('redis.cdk8s-stateful.io/role');
    expect(redis.primaryHost).toBe('cache-primary');
  });

  test('least privilege: a ServiceAccount whose Role may only get/patch these three pods by name', () => {
    const sa = one(docs, 'ServiceAccount', 'cache-labeler');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(podSpec(docs).serviceAccountName).toBe('cache-labeler');
    expect(podSpec(docs).automountServiceAccountToken).toBe(false);
    expect(one(docs, 'Role', 'cache-labeler').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'], resourceNames: ['cache-0', 'cache-1', 'cache-2'] },
    ]);
    const binding = one(docs, 'RoleBinding', 'cache-labeler');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cache-labeler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cache-labeler' }]);
    expect(byKind(docs, 'ClusterRole')).toEqual([]);
  });

  test('only the labeler sees the API token (a projected volume: token, cluster CA, namespace)', () => {
    const vol = podSpec(docs).volumes.find((v: any) => v.projected);
    expect(vol.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(vol.projected.sources[0].serviceAccountToken.expirationSeconds).toBe(3600);
    const mounting = [...podSpec(docs).containers, ...podSpec(docs).initContainers]
      .filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === vol.name)).map((c: any) => c.name);
    expect(mounting).toEqual(['labeler']);
    const m = container(docs, 'labeler').volumeMounts.find((x: any) => x.name === vol.name);
    expect(m).toEqual({ name: vol.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
    // The labeler does not see the password or the data.
    expect(Object.keys(envOf(container(docs, 'labeler')))).not.toContain('REDISCLI_AUTH');
    expect(container(docs, 'labeler').volumeMounts.map((x: any) => x.mountPath)).not.toContain('/data');
  });

  test('the password reaches every container from the Secret only, never as a literal or an argument', () => {
    for (const name of ['redis', 'sentinel', 'watchdog']) {
      expect(envOf(container(docs, name)).REDISCLI_AUTH).toEqual({ secretKeyRef: { key: 'password', name: 'cache-auth' } });
    }
    for (const c of [...podSpec(docs).containers, ...podSpec(docs).initContainers]) {
      expect(JSON.stringify([c.command, c.args])).not.toMatch(/pass|auth/i);
    }
  });

  test('probes: a HOLDING or syncing replica is not Ready; the Sentinel answers PING', () => {
    expect(container(docs, 'redis').readinessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/sentinel-probe.sh', 'redis']);
    expect(container(docs, 'redis').livenessProbe.exec.command[2]).toBe('liveness');
    expect(container(docs, 'sentinel').readinessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/sentinel-probe.sh', 'sentinel']);
    const scripts = one(docs, 'ConfigMap', 'cache-scripts').data;
    expect(Object.keys(scripts).filter(k => k.startsWith('sentinel-')).sort()).toEqual([
      'sentinel-decide.sh', 'sentinel-labeler.sh', 'sentinel-lib.sh', 'sentinel-probe.sh', 'sentinel-start.sh', 'sentinel-watchdog.sh',
    ]);
  });

  test('no env name a Service link can produce, in any container', () => {
    const linkable = /_SERVICE_HOST$|_SERVICE_PORT|_PORT$|_PORT_/;
    for (const c of [...podSpec(docs).containers, ...podSpec(docs).initContainers]) {
      expect({ c: c.name, bad: Object.keys(envOf(c)).filter(n => linkable.test(n)) }).toEqual({ c: c.name, bad: [] });
    }
  });

  test('the options reach Sentinel, the watchdog and redis.conf', () => {
    const r = sentinel({
      replicas: 5,
      failover: RedisFailover.sentinel({
        quorum: 2,
        downAfter: Duration.seconds(3),
        failoverTimeout: Duration.seconds(30),
        minReplicasToWrite: 2,
        minReplicasMaxLag: Duration.seconds(4),
        masterName: 'shop.cache',
        sentinelPort: 26380,
        sentinelServiceName: 'shop-sentinels',
        labelerImage: 'registry.example.com/curl:8',
      }),
    });
    const env = envOf(container(r.docs, 'watchdog'));
    expect(env).toMatchObject({
      RS_QUORUM: '2',
      RS_DOWN_AFTER_MS: '3000',
      RS_FAILOVER_TIMEOUT_MS: '30000',
      RS_MASTER_NAME: 'shop.cache',
      RS_SENTINEL_TCP: '26380',
      RS_REPLICAS: '5',
      RS_FIRST: '0',
    });
    expect(one(r.docs, 'ConfigMap', 'cache-config').data['holding.conf']).toMatch(/\nmin-replicas-to-write 2\nmin-replicas-max-lag 4\n/);
    expect(one(r.docs, 'Service', 'shop-sentinels').spec.ports[0].port).toBe(26380);
    expect(container(r.docs, 'labeler').image).toBe('registry.example.com/curl:8');
    expect(one(r.docs, 'Role', 'cache-labeler').rules[0].resourceNames).toEqual(['cache-0', 'cache-1', 'cache-2', 'cache-3', 'cache-4']);
    expect(r.redis.sentinelHost).toBe('shop-sentinels');
  });

  test('a known namespace is written into the names; ordinals from 1 reach the Role and the scripts', () => {
    const r = sentinel({ namespace: 'shop', ordinalsStart: 1 });
    const env = envOf(container(r.docs, 'sentinel'));
    expect(env.RS_DOMAIN).toBe('cache.shop.svc.cluster.local');
    expect(env.RS_FIRST).toBe('1');
    expect(envOf(container(r.docs, 'redis-init')).REDIS_ANNOUNCE_HOST).toBe('$(POD_NAME).cache.shop.svc.cluster.local');
    expect(one(r.docs, 'Role', 'cache-labeler').rules[0].resourceNames).toEqual(['cache-1', 'cache-2', 'cache-3']);
    expect(one(r.docs, 'RoleBinding', 'cache-labeler').subjects).toEqual([{ kind: 'ServiceAccount', name: 'cache-labeler', namespace: 'shop' }]);
    expect(r.redis.sentinelHost).toBe('cache-sentinel.shop.svc.cluster.local');
    const c = sentinel({}, { namespace: 'from-chart' });
    expect(envOf(container(c.docs, 'watchdog')).RS_DOMAIN).toBe('cache.from-chart.svc.cluster.local');
  });

  test('a ServiceAccount of the user\'s: bound to the Role, none created', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const sa = new kplus.ServiceAccount(chart, 'sa', { metadata: { name: 'shop-redis' }, automountToken: false });
    new StatefulRedis(chart, 'cache', { failover: RedisFailover.sentinel(), serviceAccount: sa });
    const own = Testing.synth(chart) as Doc[];
    expect(byKind(own, 'ServiceAccount').map(d => d.metadata.name)).toEqual(['shop-redis']);
    expect(podSpec(own).serviceAccountName).toBe('shop-redis');
    expect(one(own, 'RoleBinding', 'cache-labeler').subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-redis' }]);
  });

  test('Valkey: its binaries and both CLI password variables', () => {
    const r = sentinel({ image: 'valkey/valkey:8.0' });
    expect(envOf(container(r.docs, 'sentinel'))).toMatchObject({ RS_SERVER: 'valkey-server', RS_CLI: 'valkey-cli' });
    expect(envOf(container(r.docs, 'redis')).VALKEYCLI_AUTH).toEqual({ secretKeyRef: { key: 'password', name: 'cache-auth' } });
  });
});

describe('Sentinel failover: errors name StatefulRedis and the prop', () => {
  test.each([
    ['2 replicas', { replicas: 2 }, /StatefulRedis: invalid `replicas` 2: must be at least 3 with Sentinel failover/],
    ['auth off', { auth: false }, /StatefulRedis: invalid `auth` false: must be on with Sentinel failover/],
    ['Redis 6.0', { image: 'redis:6.0.20' }, /StatefulRedis: invalid `image` "redis:6.0.20 \(Redis 6.0.20\)": is older than Redis 6.2/],
    ['quorum 0', { failover: RedisFailover.sentinel({ quorum: 0 }) }, /invalid `failover.quorum` 0/],
    ['quorum above replicas', { failover: RedisFailover.sentinel({ quorum: 4 }) }, /invalid `failover.quorum` 4/],
    ['downAfter below 1 s', { failover: RedisFailover.sentinel({ downAfter: Duration.millis(500) }) }, /invalid `failover.downAfter` "500ms": must be at least 1 second/],
    ['failoverTimeout not above downAfter', { failover: RedisFailover.sentinel({ downAfter: Duration.seconds(30), failoverTimeout: Duration.seconds(30) }) },
      /invalid `failover.failoverTimeout` "30000ms": must be longer than failover.downAfter \(30000ms\)/],
    ['minReplicasToWrite = replicas', { failover: RedisFailover.sentinel({ minReplicasToWrite: 3 }) }, /invalid `failover.minReplicasToWrite` 3/],
    ['a fractional lag', { failover: RedisFailover.sentinel({ minReplicasMaxLag: Duration.millis(1500) }) }, /invalid `failover.minReplicasMaxLag` "1500ms": must be whole seconds/],
    ['a master name with a space', { failover: RedisFailover.sentinel({ masterName: 'my master' }) }, /invalid `failover.masterName` "my master"/],
    ['the Redis port for Sentinel', { failover: RedisFailover.sentinel({ sentinelPort: 6379 }) }, /invalid `failover.sentinelPort` 6379: must differ from the Redis port/],
    ['a bad Sentinel Service name', { failover: RedisFailover.sentinel({ sentinelServiceName: 'Bad_Name' }) }, /invalid `failover.sentinelServiceName` "Bad_Name"/],
    ['an empty labeler image', { failover: RedisFailover.sentinel({ labelerImage: '' }) }, /invalid `failover.labelerImage`/],
    ['a literal password with a space', { credentials: Credentials.fromPassword('two words') },
      /StatefulRedis: invalid `credentials` "\(hidden\)": with Sentinel failover the password must be printable ASCII without spaces/],
    ['a literal password with a quote', { credentials: Credentials.fromPassword('a"b') }, /invalid `credentials` "\(hidden\)"/],
    ['a plain object', { failover: { mode: 'sentinel' } as any }, /invalid `failover` .*must be RedisFailover.none\(\) or RedisFailover.sentinel/],
    ['min-replicas-to-write in extraConfig', { extraConfig: { 'min-replicas-to-write': '2' } },
      /`extraConfig directive` "min-replicas-to-write": is managed by StatefulRedis with Sentinel failover; use `RedisFailover.sentinel\(\{ minReplicasToWrite \}\)`/],
    ['replica-announce-ip in extraConfig', { extraConfig: { 'replica-announce-ip': '1.2.3.4' } }, /"replica-announce-ip": is managed by StatefulRedis with Sentinel failover/],
  ] as Array<[string, StatefulRedisProps, RegExp]>)('%s', (_what, props, error) => {
    expect(() => sentinel(props)).toThrow(error);
  });

  test('the same directives stay allowed without Sentinel', () => {
    expect(() => synth({ extraConfig: { 'min-replicas-to-write': '1' } })).not.toThrow();
  });

  test('Valkey 7.2 and Redis 6.2 are accepted', () => {
    expect(() => sentinel({ image: 'valkey/valkey:7.2' })).not.toThrow();
    expect(() => sentinel({ image: 'redis:6.2' })).not.toThrow();
  });

  test('user credentials work (Credentials.fromSecretName)', () => {
    const { docs } = sentinel({ credentials: Credentials.fromSecretName('shop-redis', 'pw') });
    expect(envOf(container(docs, 'sentinel')).REDISCLI_AUTH).toEqual({ secretKeyRef: { key: 'pw', name: 'shop-redis' } });
  });
});

// The watchdog and the labeler are shell loops and PID 1 of their containers: PID 1 gets no
// signal it has no handler for, so without a trap SIGTERM would hold every pod deletion for
// the whole termination grace period. Run each as PID 1 of a new PID namespace, as a
// container runtime does, and send SIGTERM from outside.
const canUnshare = process.getuid?.() === 0 && hasCommand('unshare') && hasCommand('pgrep');
(canUnshare ? describe : describe.skip)('the loops stop on SIGTERM as PID 1 of their container', () => {
  const { docs } = sentinel();
  const scripts = one(docs, 'ConfigMap', 'cache-scripts').data;
  test.each(['sentinel-watchdog.sh', 'sentinel-labeler.sh'])('%s', async (file) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-pid1-'));
    for (const [k, v] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, k), v as string);
    fs.writeFileSync(path.join(dir, 'role'), 'master\n');
    const env = {
      PATH: process.env.PATH,
      RS_SCRIPTS: dir,
      RS_POD: 'cache-0',
      RS_NAMESPACE: 'default',
      RS_SET: 'cache',
      RS_DOMAIN: 'cache.default.svc.cluster.local',
      RS_SENTINEL_DIR: dir,
      RS_ROLE_DIR: dir,
      REDISCLI_AUTH: 'pw',
      RS_REDIS_TCP: '1',
      RS_SENTINEL_TCP: '2',
      RS_CLI_TIMEOUT: '1',
      RS_API_URL: 'http://127.0.0.1:9',
      RS_ROLE_FILE: path.join(dir, 'role'),
    };
    const p = spawn('unshare', ['--pid', '--fork', '--kill-child', 'dash', path.join(dir, file)], { env, stdio: 'ignore' });
    try {
      let child = '';
      for (let i = 0; i < 50 && !child; i++) {
        await new Promise(r => setTimeout(r, 100));
        child = spawnSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).stdout.trim();
      }
      expect(child).toMatch(/^\d+$/);
      await new Promise(r => setTimeout(r, 1500));
      const exited = new Promise<number | null>(resolve => p.once('exit', code => resolve(code)));
      process.kill(Number(child), 'SIGTERM');
      const code = await Promise.race([exited, new Promise<string>(r => setTimeout(() => r('still running after 8 s'), 8000))]);
      expect(code).toBe(0);
    } finally {
      p.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
