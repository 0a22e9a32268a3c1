/**
 * StatefulRedis with Sentinel failover against real `redis-server` processes in both roles
 * (the data server, and `redis-server <conf> --sentinel`, which is what `redis-sentinel`
 * is; Debian's packages, installed by scripts/ensure-test-servers.sh), run by the kubelet
 * stand-in (test/util/kubelet.ts) from the synthesized manifest, unmodified: every pod has
 * its own address and host name, its four containers (redis, sentinel, watchdog, labeler)
 * run the synthesized commands with the kubelet's environment (Service links forced on,
 * plus Services named `redis` and `sentinel`; pod 2 with busybox applets first in PATH, as
 * in a `redis:*-alpine` image), the probes are the synthesized ones, and the
 * labeler's requests go to an HTTPS stand-in of the Kubernetes pods API that authorizes
 * them with the synthesized Role (test/util/api-stand-in.ts).
 *
 * The seven scenarios of issue 13 run in order on one set. Writes come from a client on
 * the cluster network (test/util/resp-tool.js write): `SET` then `WAIT 1 1000` on one
 * connection; a write is "acknowledged" when WAIT answers >= 1. The set is observed by a
 * sampler on the cluster network (resp-tool.js sample) that asks every pod's Redis and
 * Sentinel once a second, so "never two masters" is checked every second. Every wait is
 * bounded.
 * The measured numbers are printed at the end and written to
 * $SENTINEL_RESULTS (default: <tmp>/cdk8s-stateful-sentinel-results.json).
 */
import { ChildProcess, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { Credentials, RedisFailover, StatefulRedis } from '../src';
import { ApiStandIn, ApiCa } from './util/api-stand-in';
import { Doc, hasCommand } from './util/k8s';
import { FakeCluster, FakeHost, FakePod, IMAGE_PATH, kubeletMissing } from './util/kubelet';
import { sleep, until as waitUntil } from './util/wait';

// Printable, no space, quote or backslash (Sentinel mode's documented alphabet), with shell metacharacters.
const PASSWORD = 'S3nt1nel-$HOME-`id`-#x;|&*?';
const ROLE_LABEL = 'redis.cdk8s-stateful.io/role';
const MISSING = [
  ...(hasCommand('redis-server') && hasCommand('redis-cli') ? [] : ['redis-server/redis-cli (apt-get install -y redis-server)']),
  ...(hasCommand('curl') ? [] : ['curl (apt-get install -y curl)']),
  ...(hasCommand('openssl') ? [] : ['openssl (apt-get install -y openssl)']),
  ...(hasCommand('busybox') ? [] : ['busybox (apt-get install -y busybox)']),
  ...kubeletMissing(),
];
if (MISSING.length && process.env.CI) {
  test('redis-server, curl, openssl and the kubelet sandbox are available (CI)', () => {
    throw new Error(`missing: ${MISSING.join(', ')} (scripts/ensure-test-servers.sh installs the packages under npm test)`);
  });
}
const suite = MISSING.length ? describe.skip : describe;
jest.setTimeout(240_000);

const now = () => Date.now();
const secs = (ms: number) => Math.round(ms / 100) / 10;

suite('StatefulRedis Sentinel failover: real servers, the synthesized manifest', () => {
  const chart = Testing.chart();
  new StatefulRedis(chart, 'cache', {
    credentials: Credentials.fromPassword(PASSWORD),
    failover: RedisFailover.sentinel({ downAfter: Duration.seconds(5), failoverTimeout: Duration.seconds(20) }),
  });
  const docs = Testing.synth(chart) as Doc[];
  const fqdn = (o: number) => `cache-${o}.cache.default.svc.cluster.local`;
  const results: Record<string, unknown> = {};
  const tool = path.join(__dirname, 'util', 'resp-tool.js');
  let ca: ApiCa;
  let cluster: FakeCluster;
  let api: ApiStandIn;
  let client: FakeHost;
  let pods: FakePod[];
  let kubelet = true;
  let kubeletLoop: Promise<void> | undefined;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-suite-'));
  // Pod 2's userland: the busybox applets the scripts use, first in PATH (an alpine image's
  // shell, awk, sed, sort, timeout…); redis-server, redis-cli and curl stay the real ones.
  // Not under /tmp: a container's /tmp is its own.
  const busyboxBin = fs.mkdtempSync(path.join(fs.existsSync('/var/tmp') ? '/var/tmp' : os.tmpdir(), 'sentinel-busybox-'));
  const APPLETS = ['sh', 'awk', 'sed', 'sort', 'cut', 'head', 'tail', 'tr', 'cat', 'date', 'sleep', 'timeout', 'grep', 'mv', 'rm', 'printf', 'od',
    'wc', 'dirname', 'uname', 'seq', 'env', 'test', '[', 'echo', 'expr', 'basename', 'nslookup', 'chmod', 'touch'];

  // ---- the cluster's view ----------------------------------------------------------------
  const cli = (pod: FakePod, container: string, args: string[]) => {
    const r = pod.exec(container, ['redis-cli', ...args], { timeoutMs: 10_000 });
    return `${r.stdout}`.replace(/\r/g, '').trim();
  };
  const live = () => pods.filter(p => p.exists && p.isRunning('redis'));

  // ---- the sampler's rounds (resp-tool.js sample) -----------------------------------------
  interface PodSample { role?: string; master_host?: string; link?: string; dbsize?: number; sentinel?: string | null; error?: string }
  interface Round { t: number; pods: Record<string, PodSample> }
  const samplesFile = path.join(workDir, 'samples');
  const rounds: Round[] = [];
  let readBytes = 0;
  function readRounds(): Round[] {
    if (!fs.existsSync(samplesFile)) return rounds;
    const text = fs.readFileSync(samplesFile, 'utf8');
    const complete = text.slice(readBytes, text.lastIndexOf('\n') + 1);
    readBytes += complete.length;
    for (const line of complete.split('\n')) if (line) rounds.push(JSON.parse(line));
    return rounds;
  }
  /** The latest round taken at or after `since`. */
  const latest = (since = 0): Round | undefined => {
    const r = readRounds();
    const last = r[r.length - 1];
    return last && last.t >= since ? last : undefined;
  };
  const at = (r: Round, p: FakePod): PodSample => r.pods[fqdn(p.ordinal)] ?? { error: 'not sampled' };
  const mastersIn = (r: Round) => pods.filter(p => at(r, p).role === 'master');
  const info = (pod: FakePod) => { const r = latest(); return r ? at(r, pod) : { error: 'no round yet' }; };

  /** In the latest round since `since`: one master named by every live Sentinel, every other live pod its linked replica, every pod Ready. */
  function healthy(since = 0): FakePod | undefined {
    const r = latest(since);
    if (!r) return undefined;
    const ms = mastersIn(r);
    if (ms.length !== 1 || !live().includes(ms[0])) return undefined;
    const m = ms[0];
    for (const p of live()) {
      const x = at(r, p);
      if (x.sentinel !== fqdn(m.ordinal)) return undefined;
      if (p !== m && (x.role !== 'slave' || x.master_host !== fqdn(m.ordinal) || x.link !== 'up')) return undefined;
    }
    if (!live().every(p => p.ready)) return undefined;
    return m;
  }

  /** Bounded wait; a timeout shows every pod's state and its watchdog's log. */
  const until = <T>(what: string, check: () => T | undefined | false, timeoutMs: number) => waitUntil(what, check, timeoutMs, {
    explain: () => [
      ...live().map(p => `${p.name}: ${JSON.stringify(info(p))} ready=${p.ready}`),
      ...pods.map(p => `--- ${p.name} watchdog\n${p.logs('watchdog').slice(-2500)}`),
    ].join('\n'),
  });

  /** Like a kubelet: runs the synthesized readiness probes every second and marks pods Ready. */
  async function runKubelet(): Promise<void> {
    while (kubelet) {
      await Promise.all(pods.filter(p => p.exists).map(async p => {
        let ok = p.isRunning('redis') && p.isRunning('sentinel');
        for (const c of ['redis', 'sentinel']) {
          if (!ok) break;
          const r = await p.execAsync(c, p.container(c).readinessProbe.exec.command, { timeoutMs: 6000 });
          ok = r.status === 0;
        }
        if (p.exists && p.ready !== ok) p.setReady(ok);
      }));
      await sleep(1000);
    }
  }

  /** Where `<name>-primary` routes now (its selector over the pods' current labels, Ready pods only). */
  const primaryEndpoints = () => cluster.podsSelectedBy('cache-primary').map(p => p.name);

  // ---- writes ----------------------------------------------------------------------------
  const writers = new Map<string, ChildProcess>();
  function startWriter(prefix: string, target: FakePod): void {
    const proc = client.spawn([process.execPath, tool, 'write', target.ip, '6379', prefix, path.join(workDir, prefix)],
      { env: { PATH: process.env.PATH, REDIS_TOOL_AUTH: PASSWORD } });
    writers.set(prefix, proc);
  }
  async function stopWriter(prefix: string): Promise<void> {
    const p = writers.get(prefix);
    if (!p) return;
    writers.delete(prefix);
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>(resolve => { p.once('exit', () => resolve()); process.kill(-p.pid!, 'SIGTERM'); });
  }
  const acked = (prefix: string): string[] => {
    const f = path.join(workDir, prefix);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  };
  /** The acknowledged keys of these writers that `pod` does not have. */
  function lost(pod: FakePod, prefixes: string[]): string[] {
    const have = new Set<string>();
    for (const prefix of prefixes) {
      for (const k of cli(pod, 'redis', ['--scan', '--pattern', `${prefix}:*`]).split('\n')) if (k) have.add(k);
    }
    return prefixes.flatMap(acked).filter(k => !have.has(k));
  }
  async function writeFor(prefix: string, target: FakePod, ms: number): Promise<void> {
    startWriter(prefix, target);
    await until(`acknowledged writes of ${prefix}`, () => acked(prefix).length > 50, 30_000);
    await sleep(ms);
  }

  /**
   * Watches the sampler's rounds (one a second) for up to `seconds`, or until `done()`:
   * counts the rounds with two masters, and those where a master is empty while a pod holds data.
   */
  async function sample(seconds: number, done: () => boolean = () => false): Promise<{ twoMasters: number; emptyMasters: number; samples: number }> {
    const t0 = now();
    while (now() - t0 < seconds * 1000 && !done()) await sleep(500);
    const window = readRounds().filter(r => r.t >= t0);
    let twoMasters = 0;
    let emptyMasters = 0;
    for (const r of window) {
      const ms = mastersIn(r);
      if (ms.length > 1) twoMasters++;
      if (ms.some(m => at(r, m).dbsize === 0) && pods.some(p => (at(r, p).dbsize ?? 0) > 0)) emptyMasters++;
    }
    return { twoMasters, emptyMasters, samples: window.length };
  }

  beforeAll(async () => {
    ca = ApiStandIn.makeCa();
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    for (const a of APPLETS) fs.symlinkSync(busybox, path.join(busyboxBin, a));
    fs.chmodSync(busyboxBin, 0o755);
    cluster = new FakeCluster(docs, {
      imageEnvFor: p => (p.ordinal === 2 ? { PATH: `${busyboxBin}:${IMAGE_PATH}` } : undefined),
      forceServiceLinks: true,
      extraServices: [{ name: 'redis', port: 6379 }, { name: 'sentinel', port: 26379 }],
      configMaps: { 'kube-root-ca.crt': { 'ca.crt': ca.caPem } },
    });
    api = await ApiStandIn.start(cluster, { ca });
    client = cluster.addHost('client', []);
    pods = [0, 1, 2].map(o => cluster.pod('cache', o));
    client.spawn([process.execPath, tool, 'sample', samplesFile, '1000', 'mymaster', '6379', '26379', ...pods.map(p => fqdn(p.ordinal))],
      { env: { PATH: process.env.PATH, REDIS_TOOL_AUTH: PASSWORD } });
  });

  afterAll(async () => {
    kubelet = false;
    for (const prefix of [...writers.keys()]) await stopWriter(prefix);
    await kubeletLoop;
    const file = process.env.SENTINEL_RESULTS ?? path.join(os.tmpdir(), 'cdk8s-stateful-sentinel-results.json');
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Sentinel scenarios (${file}):\n${JSON.stringify(results, null, 2)}`);
    await api?.stop();
    await cluster?.destroy();
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(busyboxBin, { recursive: true, force: true });
  });

  test('1. three pods started in parallel: one master (ordinal 0), two replicas, every Sentinel names it, the role label follows', async () => {
    const t0 = now();
    await Promise.all(pods.map(p => p.init()));
    for (const p of pods) p.start(undefined, { restart: true });
    kubeletLoop = runKubelet();
    const m = await until('one healthy master', healthy, 90_000);
    expect(m.name).toBe('cache-0');
    await until('<name>-primary to route to cache-0 only', () => primaryEndpoints().join() === 'cache-0', 30_000);
    expect(pods.map(p => p.labels[ROLE_LABEL])).toEqual(['master', 'replica', 'replica']);
    // Pod 2 really ran on the busybox userland.
    expect(pods[2].exec('watchdog', ['sh', '-c', 'command -v sh awk sort timeout']).stdout.split('\n').filter(Boolean)
      .every(l => l.startsWith(busyboxBin))).toBe(true);
    results['1 parallel start'] = { convergedSeconds: secs(now() - t0), master: m.name };
  });

  test('2. SIGKILL the master: a replica is promoted within 30 s; no write acknowledged with WAIT 1 is lost', async () => {
    await writeFor('w2', pods[0], 2000);
    const t0 = now();
    await pods[0].kill('SIGKILL');
    await stopWriter('w2');
    const m = await until('a promoted master named by both live Sentinels', () => {
      const r = latest(t0);
      const ms = r ? mastersIn(r).filter(p => p !== pods[0]) : [];
      return r && ms.length === 1 && live().every(p => at(r, p).sentinel === fqdn(ms[0].ordinal)) ? ms[0] : undefined;
    }, 30_000);
    const promoted = now() - t0;
    expect(lost(m, ['w2'])).toEqual([]);
    await until(`<name>-primary to route to ${m.name} only`, () => primaryEndpoints().join() === m.name, 30_000);
    results['2 SIGKILL master'] = { promotedSeconds: secs(promoted), newMaster: m.name, acked: acked('w2').length, lost: 0, labelFollowedSeconds: secs(now() - t0) };
  });

  test('3. the old master comes back with a new address: it joins as a replica; never two masters over 30 s', async () => {
    const old = pods[0];
    const oldIp = old.ip;
    await old.delete('SIGKILL');
    const t0 = now();
    await old.create({ newAddress: true, restart: true });
    expect(old.ip).not.toBe(oldIp);
    let joined = 0;
    const s = await sample(30, () => {
      const r = latest(t0);
      const i = r ? at(r, old) : {};
      if (!joined && i.role === 'slave' && i.link === 'up' && i.master_host !== 'holding.invalid') joined = r!.t - t0;
      return false;
    });
    expect(s.twoMasters).toBe(0);
    const m = await until('a healthy set', healthy, 60_000);
    expect(m).not.toBe(old);
    expect(info(old).master_host).toBe(fqdn(m.ordinal));
    expect(s.samples).toBeGreaterThanOrEqual(25);
    expect(joined).toBeGreaterThan(0);
    results['3 old master on a new address'] = { joinedAsReplicaSeconds: secs(joined), twoMasterSamples: s.twoMasters, samples: s.samples };
  });

  test('4. the master comes back at once with an EMPTY volume: it becomes a replica and the data set survives', async () => {
    const m = await until('a healthy set', healthy, 60_000);
    await writeFor('w4', m, 2000);
    await stopWriter('w4');
    const t0 = now();
    await m.delete('SIGKILL');
    m.deleteClaim('data');
    await m.create({ restart: true });
    const s = await sample(90, () => healthy(t0) !== undefined);
    const m2 = await until('a healthy set', () => healthy(t0), 60_000);
    expect(s.emptyMasters).toBe(0);
    expect(s.twoMasters).toBe(0);
    // The emptied pod is a linked replica of another pod, and holds the data set again.
    expect(m2).not.toBe(m);
    expect(info(m)).toMatchObject({ role: 'slave', master_host: fqdn(m2.ordinal), link: 'up' });
    expect(lost(m2, ['w2', 'w4'])).toEqual([]);
    expect(lost(m, ['w2', 'w4'])).toEqual([]);
    // Which path ran: the watchdog saw its pod named master while empty (it came back before
    // the Sentinels noticed), or Sentinel had already failed over.
    const emptyNamed = /named master but EMPTY/.test(m.logs('watchdog'));
    results['4 master back with an empty volume'] = {
      healthySeconds: secs(now() - t0),
      emptyMasterSamples: s.emptyMasters,
      twoMasterSamples: s.twoMasters,
      emptiedPod: m.name,
      master: m2.name,
      acked: acked('w2').length + acked('w4').length,
      lost: 0,
      path: emptyNamed ? 'back while still named master: replica of the best peer, then SENTINEL FAILOVER' : 'Sentinel had failed over first',
    };
  });

  test('5. every pod SIGKILLed and restarted at once: exactly one master, no acknowledged write lost', async () => {
    const m = await until('a healthy set', healthy, 60_000);
    await writeFor('w5', m, 2000);
    await Promise.all(pods.map(p => p.delete('SIGKILL')));
    await stopWriter('w5');
    const t0 = now();
    await Promise.all(pods.map(p => p.init()));
    for (const p of pods) p.start(undefined, { restart: true });
    const s = await sample(90, () => healthy(t0) !== undefined);
    const m2 = await until('a healthy set', () => healthy(t0), 60_000);
    expect(s.twoMasters).toBe(0);
    expect(lost(m2, ['w2', 'w4', 'w5'])).toEqual([]);
    await until(`<name>-primary to route to ${m2.name} only`, () => primaryEndpoints().join() === m2.name, 30_000);
    results['5 full restart'] = { oneMasterSeconds: secs(now() - t0), twoMasterSamples: s.twoMasters, master: m2.name, acked: acked('w5').length, lost: 0 };
  });

  test('6. the master Sentinel names is made a replica by hand: healed within 60 s', async () => {
    const m = await until('a healthy set', healthy, 60_000);
    const other = pods.find(p => p !== m)!;
    const heals = () => pods.map(p => (p.logs('watchdog').match(/HEAL: Sentinel names this pod master but it reports role:slave/g) ?? []).length)
      .reduce((a, b) => a + b, 0);
    const healsBefore = heals();
    const t0 = now();
    expect(cli(m, 'redis', ['replicaof', fqdn(other.ordinal), '6379'])).toBe('OK');
    const demoted = now();
    const s = await sample(60, () => healthy(demoted) !== undefined);
    const m2 = await until('a healed set', () => healthy(demoted), 60_000);
    expect(s.twoMasters).toBe(0);
    expect(lost(m2, ['w2', 'w4', 'w5'])).toEqual([]);
    await until(`<name>-primary to route to ${m2.name} only`, () => primaryEndpoints().join() === m2.name, 30_000);
    results['6 named master made a replica'] = {
      healedSeconds: secs(now() - t0),
      twoMasterSamples: s.twoMasters,
      master: m2.name,
      healer: heals() > healsBefore ? 'watchdog (REPLICAOF NO ONE)' : 'Sentinel (failover)',
    };
  });

  test('7. the role label: each pod PATCHes only itself, with its own token, a merge patch of the role label; the Role refuses pods outside the set', async () => {
    const reqs = api.requests();
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect({ method: r.method, status: r.status, contentType: r.contentType }).toEqual({ method: 'PATCH', status: 200, contentType: 'application/merge-patch+json' });
      // The token is the sending pod's own (the caller found by the token is the pod the
      // request came from, by address), and the pod it patches is itself.
      expect(r.caller).toBeDefined();
      expect({ caller: r.caller, from: r.remotePod }).toEqual({ caller: r.caller, from: r.caller });
      expect(r.path).toBe(`/api/v1/namespaces/default/pods/${r.caller}`);
      expect(JSON.parse(r.body)).toEqual({ metadata: { labels: { [ROLE_LABEL]: expect.stringMatching(/^(master|replica|none)$/) } } });
    }
    // Exactly the master carries role=master.
    const m = await until('a healthy set', healthy, 60_000);
    await until('the labels to settle', () => pods.every(p => p.labels[ROLE_LABEL] === (p === m ? 'master' : 'replica')), 30_000);
    expect(primaryEndpoints()).toEqual([m.name]);
    // The synthesized Role, enforced by the stand-in: a pod outside resourceNames is refused,
    // reading its own pod is allowed. (All pods share one ServiceAccount: any of them may
    // patch any pod of the set; the scripts only ever patch their own.)
    const curl = (method: string, podName: string) => pods[1].execAsync('labeler', ['sh', '-c', [
      'sa=/var/run/secrets/kubernetes.io/serviceaccount;',
      'printf \'header = "Authorization: Bearer %s"\\n\' "$(cat $sa/token)" |',
      `curl --config - -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert $sa/ca.crt -X ${method}`,
      '-H "Content-Type: application/merge-patch+json" --data \'{"metadata":{"labels":{"x":"y"}}}\'',
      `https://kubernetes.default.svc/api/v1/namespaces/default/pods/${podName}`,
    ].join(' ')], { timeoutMs: 15_000 });
    for (const target of ['cache-3', 'web-0']) {
      const r = await curl('PATCH', target);
      expect({ target, code: r.stdout, stderr: r.stderr }).toEqual({ target, code: '403', stderr: '' });
    }
    results['7 role label'] = { patches: reqs.length, callers: [...new Set(reqs.map(r => r.caller))].sort() };
  });
});
