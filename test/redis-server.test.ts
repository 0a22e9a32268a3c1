/**
 * StatefulRedis against real `redis-server` processes (Debian's redis-server package,
 * installed by scripts/ensure-test-servers.sh), run by the kubelet stand-in
 * (test/util/kubelet.ts): every process — the init containers, the server, the probes —
 * is started from the synthesized manifest, unmodified, in its pod's own network, mount
 * and UTS namespaces, on the real port 6379, with the kubelet's environment. The main
 * scenario injects Service links anyway (`forceServiceLinks`) and adds a Service named
 * `redis` (`REDIS_PORT=tcp://…:6379`), so no script may read such a name.
 *
 * Data safety: the primary's volume is deleted and the pod recreated (every write
 * acknowledged by `WAIT 2` is on every pod afterwards), a replica's volume is deleted
 * (it re-seeds), and a set-up step fails once (nothing written, then retried).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Credentials, StatefulRedis, StatefulRedisProps } from '../src';
import { Doc, hasCommand } from './util/k8s';
import { FakeCluster, FakePod, kubeletMissing } from './util/kubelet';
import { until as waitUntil } from './util/wait';

const PASSWORD = 'p@ss "w0rd" \\ $HOME `id` \'x\' #not-a-comment';
const MISSING = [
  ...(hasCommand('redis-server') && hasCommand('redis-cli') ? [] : ['redis-server/redis-cli (apt-get install -y redis-server)']),
  ...kubeletMissing(),
];

if (MISSING.length && process.env.CI) {
  test('redis-server, redis-cli and the kubelet sandbox are available (CI)', () => {
    throw new Error(`missing: ${MISSING.join(', ')} (scripts/ensure-test-servers.sh installs the packages under npm test)`);
  });
}

const suite = MISSING.length ? describe.skip : describe;
const until = (what: string, check: () => boolean, timeoutMs = 30_000) => waitUntil(what, check, timeoutMs, { everyMs: 200 });

function synth(props: StatefulRedisProps = {}): Doc[] {
  const chart = Testing.chart();
  new StatefulRedis(chart, 'cache', props);
  return Testing.synth(chart) as Doc[];
}

/** redis-cli in the pod's redis container (like `kubectl exec cache-0 -- redis-cli …`); auth from the pod's REDISCLI_AUTH. */
function cli(pod: FakePod, args: string[], auth = true): string {
  const argv = auth ? ['redis-cli', ...args] : ['sh', '-c', 'unset REDISCLI_AUTH; exec redis-cli "$@"', 'cli', ...args];
  const r = pod.exec('redis', argv, { timeoutMs: 15_000 });
  return `${r.stdout}${r.stderr}`.replace(/\r/g, '').trim();
}

const info = (pod: FakePod) => cli(pod, ['info', 'replication']);
const dbsize = (pod: FakePod) => Number(cli(pod, ['dbsize']));

/** The synthesized probe, run by the kubelet stand-in. */
function probe(pod: FakePod, kind: 'readiness' | 'liveness') {
  const r = pod.probe('redis', kind);
  return { status: r.status, stderr: r.stderr };
}

/** Creates the pod (init containers, then the server) and waits until its readiness probe passes (OrderedReady). */
async function createReady(pod: FakePod): Promise<void> {
  await pod.create();
  await until(`${pod.name} to be Ready (${pod.logs('redis').slice(-400)})`, () => probe(pod, 'readiness').status === 0);
  pod.setReady(true);
}

/** Writes `n` keys `<prefix>:<i>` in one script on the primary. */
function writeKeys(primary: FakePod, prefix: string, n: number): void {
  const script = `for i=1,${n} do redis.call('SET', ARGV[1] .. ':' .. i, i) end return ${n}`;
  expect(cli(primary, ['eval', script, '0', prefix])).toBe(String(n));
}

suite('StatefulRedis with real redis-server in the kubelet sandbox: cache-0 primary, cache-1 and cache-2 replicas', () => {
  const docs = synth({ credentials: Credentials.fromPassword(PASSWORD) });
  let cluster: FakeCluster;
  let pods: FakePod[];

  beforeAll(async () => {
    // Service links injected although the pod spec turns them off, plus a Service named redis.
    cluster = new FakeCluster(docs, { forceServiceLinks: true, extraServices: [{ name: 'redis', port: 6379, portName: 'redis' }] });
    // OrderedReady: a pod exists (and its name resolves) only once the previous one is Ready.
    pods = [];
    for (const n of [0, 1, 2]) {
      pods.push(cluster.pod('cache', n));
      await createReady(pods[n]);
    }
  }, 90_000);

  afterAll(async () => cluster?.destroy());

  test('the pods get the Service links of a Service named redis, and still work', () => {
    for (const c of ['redis-init', 'redis-seed', 'redis']) {
      const env = pods[0].env(c);
      expect(env.REDIS_PORT).toMatch(/^tcp:\/\/198\.19\.0\.\d+:6379$/);
      expect(env.REDIS_SERVICE_HOST).toBeDefined();
      expect(env.CACHE_PRIMARY_PORT).toMatch(/^tcp:/);
    }
    expect(info(pods[0])).toMatch(/^connected_slaves:2$/m);
  });

  test('the final configs: replicas follow cache-0.cache, the password only in the 0600 auth file', () => {
    expect(info(pods[0])).toMatch(/^role:master$/m);
    for (const pod of pods) {
      const conf = pod.exec('redis', ['cat', '/etc/redis/redis.conf']).stdout;
      expect(conf.includes('replicaof cache-0.cache 6379')).toBe(pod.ordinal !== 0);
      expect(conf).not.toContain('p@ss');
      expect(pod.exec('redis', ['stat', '-c', '%a %u', '/etc/redis/auth.conf']).stdout.trim()).toBe('600 999');
      expect(cli(pod, ['config', 'get', 'dir'])).toBe('dir\n/data');
      expect(cli(pod, ['config', 'get', 'port'])).toBe('port\n6379');
      expect(cli(pod, ['config', 'get', 'appendonly'])).toBe('appendonly\nyes');
      expect(cli(pod, ['config', 'get', 'maxmemory'])).toBe(`maxmemory\n${384 * 1024 * 1024}`);
    }
    for (const r of pods.slice(1)) expect(info(r)).toMatch(/^master_host:cache-0\.cache$/m);
    // The first pod of a new set marked its volume as holding the set's data.
    expect(fs.readdirSync(pods[0].claimDir('data'))).toContain('.cdk8s-stateful-redis');
  });

  test('a write on the primary is read on both replicas', async () => {
    expect(cli(pods[0], ['set', 'greeting', 'hello from cache-0'])).toBe('OK');
    for (const r of pods.slice(1)) {
      await until(`${r.name} to replicate`, () => cli(r, ['get', 'greeting']) === 'hello from cache-0');
    }
  });

  test('a client without the password gets NOAUTH; a wrong password is refused; replicas refuse writes', () => {
    for (const pod of pods) {
      expect(cli(pod, ['get', 'greeting'], false)).toMatch(/NOAUTH/);
      const wrong = pod.exec('redis', ['redis-cli', 'ping'], { env: { REDISCLI_AUTH: 'not-the-password' } });
      expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/WRONGPASS|invalid password/);
    }
    for (const r of pods.slice(1)) expect(cli(r, ['set', 'x', 'y'])).toMatch(/^READONLY/);
  });

  test('the probes: ready and live; not ready without the password', () => {
    for (const pod of pods) {
      expect(probe(pod, 'readiness')).toEqual({ status: 0, stderr: '' });
      expect(probe(pod, 'liveness')).toEqual({ status: 0, stderr: '' });
      const noAuth = pod.exec('redis', ['sh', '-c', 'unset REDISCLI_AUTH; exec sh /opt/cdk8s-stateful/scripts/redis-probe.sh readiness']);
      expect(noAuth.status).toBe(1);
      expect(noAuth.stderr).toMatch(/PING answered: NOAUTH/);
    }
  });

  test('the primary restarts from its volume; meanwhile the replicas are live but not Ready', async () => {
    const [primary, ...replicas] = pods;
    await primary.delete('SIGTERM');
    expect(primary.logs('redis')).toMatch(/ready to exit, bye bye/i);
    for (const r of replicas) {
      await until(`${r.name} to notice the primary is gone`, () => info(r).includes('master_link_status:down'));
      const notReady = probe(r, 'readiness');
      expect(notReady.status).toBe(1);
      expect(notReady.stderr).toContain('the link to the primary is down');
      expect(probe(r, 'liveness')).toEqual({ status: 0, stderr: '' });
      expect(cli(r, ['get', 'greeting'])).toBe('hello from cache-0'); // stale reads are still served
    }
    await createReady(primary);
    expect(primary.logs('redis')).not.toContain('MASTER <-> REPLICA');
    expect(cli(primary, ['get', 'greeting'])).toBe('hello from cache-0');
    for (const r of replicas) await until(`${r.name} to re-sync`, () => probe(r, 'readiness').status === 0);
  }, 60_000);

  test('the primary\'s volume is lost: cache-0 copies the best replica first; every acknowledged write is on every pod', async () => {
    const [primary, ...replicas] = pods;
    const before = dbsize(primary);
    writeKeys(primary, 'before-loss', 2000);
    // Acknowledged by both replicas before the loss.
    expect(cli(primary, ['wait', '2', '10000'])).toBe('2');
    const keys = dbsize(primary);
    expect(keys).toBe(before + 2000);
    await primary.delete('SIGKILL');
    primary.deleteClaim('data');
    const init = await primary.init();
    primary.start();
    await until('cache-0 to be Ready', () => probe(primary, 'readiness').status === 0);
    primary.setReady(true);
    for (const r of replicas) await until(`${r.name} to follow cache-0 again`, () => probe(r, 'readiness').status === 0, 60_000);
    expect(pods.map(dbsize)).toEqual([keys, keys, keys]);
    for (const r of replicas) {
      expect(info(r)).toMatch(/^role:slave$/m);
      expect(cli(r, ['get', 'before-loss:2000'])).toBe('2000');
    }
    // How: cache-0's seed init container copied the best replica before the server started.
    const seedLog = init.map(r => r.stderr).join('');
    expect(seedLog).toMatch(new RegExp(`redis-seed: copying the data of cache-[12]\\.cache \\(offset \\d+, ${keys} keys\\)`));
    expect(seedLog).toMatch(/redis-seed: cache-0 holds the data of cache-[12]\.cache and starts as the primary/);
    expect(fs.readdirSync(primary.claimDir('data')).sort()).toEqual(expect.arrayContaining(['.cdk8s-stateful-redis', 'appendonlydir']));
    expect(fs.readdirSync(primary.claimDir('data'))).not.toContain('.cdk8s-stateful-seed');
    // The set takes writes again and replicates them.
    writeKeys(primary, 'after-loss', 10);
    expect(cli(primary, ['wait', '2', '10000'])).toBe('2');
    for (const pod of pods) expect(dbsize(pod)).toBe(keys + 10);
  }, 120_000);

  test('a replica\'s volume is lost: it re-seeds from the primary and has every key', async () => {
    const replica = pods[2];
    const keys = dbsize(pods[0]);
    const fullSyncs = () => Number(/^sync_full:(\d+)$/m.exec(cli(pods[0], ['info', 'stats']))?.[1]);
    const before = fullSyncs();
    await replica.delete('SIGKILL');
    replica.deleteClaim('data');
    await createReady(replica);
    expect(fullSyncs()).toBe(before + 1); // a full sync from the primary re-seeded it
    expect(dbsize(replica)).toBe(keys);
    expect(cli(replica, ['get', 'before-loss:1'])).toBe('1');
  }, 60_000);

  test('a set-up step fails once (the peers exist but do not answer): nothing is written; the retry copies and replication comes up', async () => {
    const [primary, ...replicas] = pods;
    writeKeys(primary, 'before-retry', 100);
    expect(cli(primary, ['wait', '2', '10000'])).toBe('2');
    const keys = dbsize(primary);
    await primary.delete('SIGKILL');
    primary.deleteClaim('data');
    // The replicas' servers are down, but their pods exist (their names resolve).
    for (const r of replicas) await r.kill('SIGKILL');
    await expect(primary.init()).rejects.toThrow(/init container redis-seed exited 1[\s\S]*cache-1\.cache exists but does not answer/);
    const left = fs.existsSync(primary.claimDir('data')) ? fs.readdirSync(primary.claimDir('data')) : [];
    expect(left).toEqual([]); // no marker, no data files, no staging directory
    // The replicas come back (their own volumes), then the kubelet retries cache-0's init.
    for (const r of replicas) {
      await r.create();
      await until(`${r.name} to load its data`, () => cli(r, ['ping']) === 'PONG');
      expect(dbsize(r)).toBe(keys);
    }
    await createReady(primary);
    expect(dbsize(primary)).toBe(keys);
    for (const r of replicas) {
      await until(`${r.name} to follow cache-0`, () => probe(r, 'readiness').status === 0, 60_000);
      expect(dbsize(r)).toBe(keys);
    }
  }, 120_000);
});

suite('StatefulRedis in the kubelet sandbox: the Secret key is empty, then set', () => {
  const secrets: Record<string, Record<string, string>> = { 'cache-auth': { password: '' } };
  let cluster: FakeCluster;
  beforeAll(() => { cluster = new FakeCluster(synth({ replicas: 2 }), { secrets }); });
  afterAll(async () => cluster?.destroy());

  test('init fails closed with nothing written, then succeeds on the retry; replication comes up', async () => {
    const primary = cluster.pod('cache', 0);
    await expect(primary.init()).rejects.toThrow(/init container redis-init exited 1[\s\S]*REDIS_PASSWORD is empty/);
    expect(primary.exec('redis', ['ls', '-A', '/etc/redis']).stdout).toBe('');
    expect(fs.existsSync(path.join(primary.claimDir('data'), '.cdk8s-stateful-redis'))).toBe(false);
    secrets['cache-auth'].password = 'now-set';
    await createReady(primary);
    const replica = cluster.pod('cache', 1);
    await createReady(replica);
    expect(cli(primary, ['set', 'k', 'v'])).toBe('OK');
    expect(cli(primary, ['wait', '1', '10000'])).toBe('1');
    expect(cli(replica, ['get', 'k'])).toBe('v');
  }, 60_000);
});

/**
 * Seed 002 as synthesized by examples/redis.ts (`redis:5-alpine`: the Redis 5 rendering),
 * with the userland of an alpine image: `sh` and the tools the scripts use are busybox
 * (first on PATH, as in the image), so the init, seed and probe scripts run in busybox ash.
 */
suite('examples/redis.ts (seed 002, redis:5-alpine) with a busybox userland', () => {
  const APPLETS = ['sh', 'ash', 'timeout', 'od', 'grep', 'sed', 'tr', 'wc', 'head', 'tail', 'cut', 'cat', 'mv', 'rm', 'mkdir', 'rmdir',
    'sleep', 'date', 'kill', 'cp', 'ls', 'stat', 'id', 'printf', 'test', '[', 'nslookup', 'echo', 'true', 'false', 'env', 'expr'];
  let bin: string;
  let cluster: FakeCluster;
  let pods: FakePod[];

  beforeAll(() => {
    // Outside /tmp: the sandbox mounts an empty tmpfs there for read-only roots.
    bin = fs.mkdtempSync('/var/tmp/alpine-bin-');
    fs.chmodSync(bin, 0o755);
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    for (const a of APPLETS) fs.symlinkSync(busybox, path.join(bin, a));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chart = require(path.join(__dirname, '..', 'examples', 'redis')).build(Testing.app());
    const docs = Testing.synth(chart) as Doc[];
    cluster = new FakeCluster(docs, {
      secrets: { 'redis-auth': { password: PASSWORD } },
      imageEnv: { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    pods = [];
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
  });

  test('the scripts run in busybox ash', () => {
    const r = cluster.pod('redis', 0).exec('redis-init', ['sh', '-c', 'readlink -f "$(command -v sh)"; readlink -f "$(command -v timeout)"']);
    expect({ out: r.stdout, err: r.stderr }).toEqual({ out: expect.stringMatching(/^\S*busybox\n\S*busybox\n$/), err: '' });
  });

  test('both pods become Ready on empty volumes; a write reaches the replica', async () => {
    for (const n of [0, 1]) {
      pods.push(cluster.pod('redis', n));
      await createReady(pods[n]);
    }
    expect(cli(pods[0], ['config', 'get', 'save'])).toBe('save\n3600 1 300 100 60 10000');
    writeKeys(pods[0], 'seed002', 500);
    expect(cli(pods[0], ['wait', '1', '10000'])).toBe('1');
    expect(dbsize(pods[1])).toBe(500);
  }, 60_000);

  test('redis-0 loses its volume: it copies redis-1 first, in busybox ash; both pods keep every key', async () => {
    const [primary, replica] = pods;
    await primary.delete('SIGKILL');
    primary.deleteClaim('redis-100m-pvc');
    const init = await primary.init();
    expect(init.map(r => r.stderr).join('')).toMatch(/redis-seed: copying the data of redis-1\.redis \(offset \d+, 500 keys\)/);
    primary.start();
    await until('redis-0 to be Ready', () => probe(primary, 'readiness').status === 0);
    await until('redis-1 to follow redis-0 again', () => probe(replica, 'readiness').status === 0, 60_000);
    expect([dbsize(primary), dbsize(replica)]).toEqual([500, 500]);
  }, 90_000);
});

suite('appendOnly turned on for data written without it (only dump.rdb on the volume)', () => {
  const clusters: FakeCluster[] = [];
  afterAll(async () => { for (const c of clusters) await c.destroy(); });

  test('the primary converts dump.rdb to the AOF before it serves: no key lost (the server alone would start empty)', async () => {
    const props = { replicas: 1, credentials: Credentials.fromPassword(PASSWORD) };
    const before = new FakeCluster(synth({ ...props, appendOnly: false }));
    clusters.push(before);
    const old = before.pod('cache', 0);
    await createReady(old);
    writeKeys(old, 'rdb', 300);
    await old.delete('SIGTERM'); // saves dump.rdb (RDB rules are on)
    expect(fs.readdirSync(old.claimDir('data'))).toContain('dump.rdb');
    expect(fs.readdirSync(old.claimDir('data'))).not.toContain('appendonlydir');
    // The same volume under the new pod template (appendonly yes).
    const after = new FakeCluster(synth(props));
    clusters.push(after);
    const pod = after.pod('cache', 0);
    fs.cpSync(old.claimDir('data'), pod.claimDir('data'), { recursive: true, preserveTimestamps: true });
    const init = await pod.init();
    pod.start();
    await until('cache-0 to be Ready', () => probe(pod, 'readiness').status === 0);
    expect(dbsize(pod)).toBe(300);
    expect(init.map(r => r.stderr).join('')).toContain('redis-seed: appendonly is on but the volume has only dump.rdb: converting it to the AOF before cache-0 serves');
    expect(cli(pod, ['config', 'get', 'appendonly'])).toBe('appendonly\nyes');
    expect(fs.readdirSync(pod.claimDir('data'))).toContain('appendonlydir');
  }, 60_000);
});
