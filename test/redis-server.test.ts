/**
 * StatefulRedis against real `redis-server` processes (Debian's redis-server package,
 * installed by scripts/ensure-test-servers.sh). The pods' final configurations are built
 * by running the synthesized init script for ordinals 0, 1 and 2 on the synthesized
 * ConfigMap and Secret; the only changes are the ones a single host needs: the primary's
 * DNS name becomes 127.0.0.1, port 6379 becomes a free loopback port per pod, and
 * `bind * -::*` becomes `bind 127.0.0.1`. The probe script is executed for real too.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Credentials, StatefulRedis } from '../src';
import { Doc, hasCommand, one, runScript, tmpDir } from './util/k8s';

const PASSWORD = 'p@ss "w0rd" \\ $HOME `id` \'x\' #not-a-comment';
const HAVE = hasCommand('redis-server') && hasCommand('redis-cli');

if (!HAVE && process.env.CI) {
  test('redis-server and redis-cli are installed (CI)', () => {
    throw new Error('redis-server/redis-cli missing: apt-get install -y redis-server (scripts/ensure-test-servers.sh does it under npm test)');
  });
}

const suite = HAVE ? describe : describe.skip;

interface Pod {
  readonly ordinal: number;
  readonly port: number;
  readonly root: string;
  readonly etc: string;
  readonly data: string;
  proc?: ChildProcess;
  log: string;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const offset = Math.floor(Math.random() * 100);
  for (let i = 0; i < 101 && ports.length < count; i++) {
    const port = 16379 + ((offset + i) % 101);
    if (await portIsFree(port)) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports in 16379-16479');
  return ports;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const running = (proc?: ChildProcess): proc is ChildProcess => !!proc && proc.exitCode === null && proc.signalCode === null;

/** Sends a signal and waits (at most `ms`) for the process to exit. */
function signalAndWait(proc: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    proc.once('exit', () => { clearTimeout(timer); resolve(); });
    proc.kill(signal);
  });
}

/** Runs redis-cli against a pod; `auth` false runs it without REDISCLI_AUTH. */
function cli(pod: Pod, args: string[], auth: boolean | string = true): string {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  if (auth !== false) env.REDISCLI_AUTH = auth === true ? PASSWORD : auth;
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(pod.port), ...args], { env, encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.replace(/\r/g, '').trim();
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const info = (pod: Pod) => cli(pod, ['info', 'replication']);

suite('StatefulRedis with real redis-server: primary cache-0, replicas cache-1 and cache-2', () => {
  const chart = Testing.chart();
  const redis = new StatefulRedis(chart, 'cache', { credentials: Credentials.fromPassword(PASSWORD) });
  const docs = Testing.synth(chart) as Doc[];
  const config = one(docs, 'ConfigMap', 'cache-config').data as Record<string, string>;
  const scripts = one(docs, 'ConfigMap', 'cache-scripts').data as Record<string, string>;
  const secret = one(docs, 'Secret', 'cache-auth');
  const pods: Pod[] = [];

  function start(pod: Pod): void {
    pod.log = '';
    const proc = spawn('redis-server', [path.join(pod.etc, 'redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', d => { pod.log += d; });
    proc.stderr!.on('data', d => { pod.log += d; });
    pod.proc = proc;
  }

  async function stop(pod: Pod): Promise<void> {
    if (!running(pod.proc)) return;
    await signalAndWait(pod.proc, 'SIGTERM', 15_000);
    if (running(pod.proc)) await signalAndWait(pod.proc, 'SIGKILL', 5_000);
  }

  /** Runs the synthesized probe script the way the kubelet does: `sh redis-probe.sh <mode>`. */
  function probe(pod: Pod, mode: string, auth = true): { status: number | null; stderr: string } {
    const file = path.join(pod.root, 'redis-probe.sh');
    fs.writeFileSync(file, scripts['redis-probe.sh']);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', REDIS_PORT: String(pod.port), REDIS_CONF_DIR: pod.etc };
    if (auth) env.REDISCLI_AUTH = PASSWORD;
    const r = spawnSync('sh', [file, mode], { env, encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, stderr: r.stderr };
  }

  beforeAll(async () => {
    const ports = await freePorts(3);
    for (const ordinal of [0, 1, 2]) {
      const root = tmpDir(`redis-${ordinal}-`);
      const pod: Pod = { ordinal, port: ports[ordinal], root, etc: path.join(root, 'etc'), data: path.join(root, 'data'), log: '' };
      // The ConfigMap as the init container sees it, with loopback addresses and ports for DNS names.
      const src = path.join(root, 'config');
      fs.mkdirSync(src);
      fs.mkdirSync(pod.data);
      for (const [key, text] of Object.entries(config)) {
        const local = text
          .replace(/^port 6379$/m, `port ${pod.port}`)
          .replace(/^bind \* -::\*$/m, 'bind 127.0.0.1')
          .replace(new RegExp(`^replicaof ${redis.primaryPodHost.replace(/\./g, '\\.')} 6379$`, 'm'), `replicaof 127.0.0.1 ${ports[0]}`);
        fs.writeFileSync(path.join(src, key), local);
      }
      const run = runScript(scripts['redis-init.sh'], 'sh', {
        POD_NAME: `cache-${ordinal}`,
        REDIS_PASSWORD: secret.stringData.password,
        REDIS_CONFIG_SOURCE: src,
        REDIS_CONF_DIR: pod.etc,
        REDIS_DATA_DIR: pod.data,
      });
      if (run.status !== 0) throw new Error(`init for cache-${ordinal} failed: ${run.stderr}`);
      pods.push(pod);
    }
    // OrderedReady: the primary first, then each replica.
    for (const pod of pods) {
      start(pod);
      await until(`cache-${pod.ordinal} to answer PING`, () => cli(pod, ['ping']) === 'PONG');
    }
    for (const replica of pods.slice(1)) {
      await until(`cache-${replica.ordinal} to sync`, () => info(replica).includes('master_link_status:up'));
    }
  }, 45_000);

  afterAll(async () => {
    // Always kill the servers, even when a test failed half-way.
    await Promise.all(pods.map(pod => (running(pod.proc) ? signalAndWait(pod.proc, 'SIGKILL', 5_000) : undefined)));
    for (const pod of pods) fs.rmSync(pod.root, { recursive: true, force: true });
  });

  test('the final configs: the replicas follow the primary, the password only in the 0600 auth file', () => {
    const [primary, ...replicas] = pods;
    expect(info(primary)).toMatch(/^role:master$/m);
    expect(info(primary)).toMatch(/^connected_slaves:2$/m);
    for (const r of replicas) {
      expect(info(r)).toMatch(/^role:slave$/m);
      expect(fs.readFileSync(path.join(r.etc, 'redis.conf'), 'utf8')).toContain(`replicaof 127.0.0.1 ${primary.port}`);
    }
    for (const pod of pods) {
      expect(fs.readFileSync(path.join(pod.etc, 'redis.conf'), 'utf8')).not.toContain('p@ss');
      expect(fs.statSync(path.join(pod.etc, 'auth.conf')).mode % 0o1000).toBe(0o600);
      expect(cli(pod, ['config', 'get', 'dir'])).toBe(`dir\n${pod.data}`);
      expect(cli(pod, ['config', 'get', 'appendonly'])).toBe('appendonly\nyes');
      expect(cli(pod, ['config', 'get', 'maxmemory'])).toBe(`maxmemory\n${384 * 1024 * 1024}`);
    }
  });

  test('a write on the primary is read on both replicas', async () => {
    const [primary, ...replicas] = pods;
    expect(cli(primary, ['set', 'greeting', 'hello from cache-0'])).toBe('OK');
    for (const r of replicas) {
      await until(`cache-${r.ordinal} to replicate`, () => cli(r, ['get', 'greeting']) === 'hello from cache-0');
    }
  });

  test('a client without the password gets NOAUTH; a wrong password is refused', () => {
    for (const pod of pods) {
      expect(cli(pod, ['get', 'greeting'], false)).toMatch(/NOAUTH/);
      expect(cli(pod, ['ping'], 'not-the-password')).toMatch(/WRONGPASS|invalid password/);
    }
  });

  test('replicas refuse writes', () => {
    for (const r of pods.slice(1)) expect(cli(r, ['set', 'x', 'y'])).toMatch(/^READONLY/);
  });

  test('the probe script: ready with the password, not without', () => {
    for (const pod of pods) {
      const ready = probe(pod, 'readiness');
      expect({ status: ready.status, stderr: ready.stderr }).toEqual({ status: 0, stderr: '' });
      expect(probe(pod, 'liveness').status).toBe(0);
      const noAuth = probe(pod, 'readiness', false);
      expect(noAuth.status).toBe(1);
      expect(noAuth.stderr).toMatch(/PING answered: NOAUTH/);
    }
  });

  test('after the primary restarts from its data dir the key is still there and the replicas re-sync', async () => {
    const [primary, ...replicas] = pods;
    await stop(primary);
    expect(primary.proc!.exitCode).toBe(0); // SIGTERM: a clean shutdown
    expect(primary.log).toMatch(/ready to exit, bye bye/i);
    expect(fs.readdirSync(primary.data)).toContain('appendonlydir');
    for (const file of fs.readdirSync(path.join(primary.data, 'appendonlydir'))) {
      expect(fs.readFileSync(path.join(primary.data, 'appendonlydir', file)).includes('p@ss')).toBe(false);
    }
    // While the primary is down, replicas are live but not ready (the link is down).
    for (const r of replicas) {
      await until(`cache-${r.ordinal} to notice the primary is gone`, () => info(r).includes('master_link_status:down'));
      const notReady = probe(r, 'readiness');
      expect(notReady.status).toBe(1);
      expect(notReady.stderr).toContain('the link to the primary is down');
      const live = probe(r, 'liveness');
      expect({ status: live.status, stderr: live.stderr }).toEqual({ status: 0, stderr: '' });
      expect(cli(r, ['get', 'greeting'])).toBe('hello from cache-0'); // stale reads are still served
    }
    start(primary);
    await until('cache-0 to load its data', () => cli(primary, ['ping']) === 'PONG');
    expect(cli(primary, ['get', 'greeting'])).toBe('hello from cache-0');
    for (const r of replicas) {
      await until(`cache-${r.ordinal} to re-sync`, () => info(r).includes('master_link_status:up'), 20_000);
      expect(probe(r, 'readiness').status).toBe(0);
    }
    expect(cli(primary, ['set', 'after-restart', '42'])).toBe('OK');
    for (const r of replicas) {
      await until(`cache-${r.ordinal} to replicate after the restart`, () => cli(r, ['get', 'after-restart']) === '42');
      expect(cli(r, ['get', 'greeting'])).toBe('hello from cache-0');
    }
  }, 60_000);
});
