/**
 * StatefulZooKeeper against real ZooKeeper servers (Debian's `zookeeper` package, installed
 * by scripts/ensure-test-servers.sh), started by the kubelet stand-in (test/util/kubelet.ts)
 * from the synthesized manifest: each server is a pod with its own address and host name,
 * its init container and command are the synthesized ones (unmodified), the volumes are at
 * their real paths and the servers listen on their real ports (2181/2888/3888).
 *
 * The only "image" difference is the image environment: PATH with Debian's
 * /usr/share/zookeeper/bin (the official image puts its bin/ on PATH) and ZOOCFGDIR=/conf.
 * Debian's zkEnv.sh pins ZOOCFGDIR, ZOO_LOG_DIR and the log4j set-up to /etc/zookeeper and
 * /var/log/zookeeper; both zkServer.sh flavours take the config file as a full path, which
 * is all the synthesized command relies on.
 *
 * Service links are forced on (the pod spec may turn them off) and Services named
 * `zookeeper` and `zk` exist, so ZOOKEEPER_PORT, ZK_PORT, ZK_SERVICE_HOST… are in every
 * container's environment: the scripts must not read any of them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Size, Testing } from 'cdk8s';
import { Credentials, StatefulZooKeeper } from '../src';
import { secretLeaks } from './util/fuzz';
import { Doc, hasCommand, one } from './util/k8s';
import { FakeCluster, FakePod, IMAGE_PATH, kubeletMissing } from './util/kubelet';
import { sleep, until as waitUntil } from './util/wait';

const ZK_BIN = '/usr/share/zookeeper/bin';
const missing = [
  ...kubeletMissing(),
  ...(fs.existsSync(path.join(ZK_BIN, 'zkServer.sh')) ? [] : ['zookeeper (zkServer.sh)']),
  ...(hasCommand('java') ? [] : ['java']),
  ...(hasCommand('nc') ? [] : ['nc (netcat-openbsd)']),
];
if (missing.length && process.env.CI) {
  test('ZooKeeper and the kubelet sandbox are installed (CI)', () => {
    throw new Error(`missing: ${missing.join(', ')} (scripts/ensure-test-servers.sh installs them under npm test)`);
  });
}
const suite = missing.length ? describe.skip : describe;

const IMAGE_ENV = { PATH: `${IMAGE_PATH}:${ZK_BIN}`, ZOOCFGDIR: '/conf' };
const until = <T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000) => waitUntil(what, check, timeoutMs);

/** A four-letter word to the pod's own client port, from inside the pod. */
function four(pod: FakePod, word: string): string {
  const r = pod.exec('zookeeper', ['sh', '-c', `printf ${word} | nc -w 5 127.0.0.1 2181`], { timeoutMs: 10_000 });
  return r.stdout;
}

function mode(pod: FakePod): string | undefined {
  return /^Mode: (\w+)$/m.exec(four(pod, 'srvr'))?.[1];
}

/** zkCli.sh in the pod (like `kubectl exec zk-0 -- zkCli.sh …`), against `server` (default: the pod itself). */
function cli(pod: FakePod, args: string[], server = '127.0.0.1:2181'): { ok: boolean; out: string } {
  const r = pod.exec('zookeeper', ['zkCli.sh', '-server', server, ...args], { timeoutMs: 60_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  return { ok: r.status === 0 && !/KeeperErrorCode|Exception/.test(out), out };
}

function readZnode(pod: FakePod, znode: string): string | undefined {
  const r = cli(pod, ['get', znode]);
  if (!r.ok) return undefined;
  return r.out.split('\n').map(l => l.trim()).find(l => l.startsWith('value-'));
}

suite('StatefulZooKeeper on real ZooKeeper servers in the kubelet sandbox', () => {
  const chart = Testing.chart();
  new StatefulZooKeeper(chart, 'zk', {
    // Three JVMs on a shared test machine: a 256Mi limit gives each a 192 MiB heap.
    resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
  });
  const docs = Testing.synth(chart) as Doc[];
  let cluster: FakeCluster;
  let pods: FakePod[];

  function dump(): string {
    return pods.map(p => `--- ${p.name} (${p.isRunning('zookeeper') ? 'running' : 'stopped'})\n${p.logs('zookeeper').slice(-3000)}`).join('\n');
  }

  async function ready(pod: FakePod): Promise<void> {
    await until(`${pod.name} to be Ready`, () => pod.probe('zookeeper', 'readiness').status === 0, 90_000)
      .catch(e => { throw new Error(`${e.message}\n${dump()}`); });
    pod.setReady(true);
  }

  beforeAll(() => {
    cluster = new FakeCluster(docs, {
      imageEnv: IMAGE_ENV,
      forceServiceLinks: true,
      extraServices: [{ name: 'zookeeper', port: 2181, portName: 'client' }, { name: 'zk', port: 2181, portName: 'client' }],
    });
    pods = [0, 1, 2].map(o => cluster.pod('zk', o));
  });
  afterAll(async () => { await cluster?.destroy(); });

  test('the kubelet gives the pods Service-link variables that collide with ZooKeeper names', () => {
    const env = pods[0].env('zookeeper');
    expect(env.ZOOKEEPER_PORT).toMatch(/^tcp:\/\//);
    expect(env.ZK_PORT).toMatch(/^tcp:\/\//);
    expect(env.ZK_SERVICE_HOST).toBeDefined();
    expect(env.ZK_CLIENT_SERVICE_PORT).toBe('2181');
    expect(env.ZK_MEMORY_LIMIT_MIB).toBe('256');
  });

  test('a lone server is alive but not Ready (no quorum): why the StatefulSet starts its pods in parallel', async () => {
    expect(one(docs, 'StatefulSet').spec.podManagementPolicy).toBe('Parallel');
    const [first] = pods;
    await first.create();
    await until('zk-0 to answer ruok', () => first.probe('zookeeper', 'liveness').status === 0, 60_000)
      .catch(e => { throw new Error(`${e.message}\n${dump()}`); });
    const notReady = first.probe('zookeeper', 'readiness');
    expect(notReady.status).toBe(1);
    expect(notReady.stderr).toMatch(/zookeeper readiness: not serving: This ZooKeeper instance is not currently serving requests/);
  }, 90_000);

  test('1. the ensemble forms: one leader, two followers, myid = ordinal + 1, heap from the memory limit', async () => {
    await Promise.all(pods.slice(1).map(p => p.create()));
    for (const pod of pods) await ready(pod);
    const modes = pods.map(mode);
    expect([...modes].sort()).toEqual(['follower', 'follower', 'leader']);
    for (const pod of pods) {
      expect(fs.readFileSync(path.join(pod.claimDir('data'), 'myid'), 'utf8')).toBe(`${pod.ordinal + 1}\n`);
      expect(pod.logs('zookeeper')).toContain('zk-start: JVM heap 192 MiB');
    }
    // The server list as the leader serves it: server.<ordinal + 1> is the pod's stable name.
    const config = cli(pods[0], ['config']);
    expect(config.ok).toBe(true);
    for (const o of [0, 1, 2]) expect(config.out).toMatch(new RegExp(`^server\\.${o + 1}=zk-${o}\\.zk:2888:3888:participant;0\\.0\\.0\\.0:2181$`, 'm'));
    // A read-only root: the server writes only to its volumes (/data, /logs, /tmp).
    const fsCheck = pods[0].exec('zookeeper', ['sh', '-c', 'touch /tmp/w /logs/w /data/w && rm /tmp/w /logs/w /data/w && { touch /w 2>/dev/null && echo root-writable || echo root-read-only; }']);
    expect({ out: fsCheck.stdout.trim(), err: fsCheck.stderr }).toEqual({ out: 'root-read-only', err: '' });
    // The probe script under every shell an image may have (the kubelet runs `sh`).
    for (const shell of [['dash'], ['busybox', 'sh']].filter(([cmd]) => hasCommand(cmd))) {
      for (const kind of ['readiness', 'liveness']) {
        const r = pods[1].exec('zookeeper', [...shell, '/opt/cdk8s-stateful/scripts/zk-probe.sh', kind, '2181']);
        expect({ shell: shell[0], kind, status: r.status, stderr: r.stderr }).toEqual({ shell: shell[0], kind, status: 0, stderr: '' });
      }
    }
    // Every server runs as the image's user 1000 and the JVM heap is the one zk-start.sh chose.
    const ps = pods[0].exec('zookeeper', ['sh', '-c', 'ps -o user=,args= -u 1000 | grep -c -- "-Xmx192m"']);
    expect(Number(ps.stdout.trim())).toBeGreaterThanOrEqual(1);
  }, 180_000);

  test('2. a znode created through server 0 is read through servers 1 and 2', async () => {
    const created = cli(pods[0], ['create', '/greeting', 'value-from-zk-0']);
    expect(created.out).toMatch(/Created \/greeting/);
    for (const pod of pods.slice(1)) {
      await until(`${pod.name} to read /greeting`, () => readZnode(pod, '/greeting') === 'value-from-zk-0', 30_000);
    }
  }, 120_000);

  test('3. one server SIGKILLed (the leader): writes still succeed through the others; it rejoins with its data', async () => {
    const leader = pods.find(p => mode(p) === 'leader')!;
    const others = pods.filter(p => p !== leader);
    await leader.kill('SIGKILL');
    leader.setReady(false);
    // The two others elect a new leader among themselves and take writes.
    await until('a new leader', () => others.some(p => mode(p) === 'leader'), 60_000);
    const write = await until('a write without the old leader', () => {
      const r = cli(others[0], ['create', '/while-one-down', 'value-written-while-one-down']);
      return r.ok && /Created/.test(r.out) ? r : undefined;
    }, 60_000);
    expect(write.out).toMatch(/Created \/while-one-down/);
    // The claim kept its data: restart the pod (init container, then the server).
    expect(fs.readdirSync(path.join(leader.claimDir('data'), 'version-2')).length).toBeGreaterThan(0);
    await leader.create();
    await ready(leader);
    expect([...pods.map(mode)].sort()).toEqual(['follower', 'follower', 'leader']);
    expect(mode(leader)).toBe('follower'); // the old leader rejoined; the quorum's leader stayed
    await until(`${leader.name} to read both znodes`, () =>
      readZnode(leader, '/greeting') === 'value-from-zk-0' && readZnode(leader, '/while-one-down') === 'value-written-while-one-down', 30_000);
  }, 240_000);

  test('4. two servers down: writes fail with the client\'s error (no quorum); after restart nothing is lost', async () => {
    const [survivor, ...down] = pods;
    await Promise.all(down.map(p => p.kill('SIGKILL')));
    down.forEach(p => p.setReady(false));
    await until(`${survivor.name} to leave the quorum`, () => mode(survivor) === undefined, 60_000);
    const notReady = survivor.probe('zookeeper', 'readiness');
    expect(notReady.status).toBe(1);
    expect(notReady.stderr).toMatch(/not serving/);
    expect(survivor.probe('zookeeper', 'liveness').status).toBe(0); // alive: no restart loop while it waits for peers
    const refused = cli(survivor, ['create', '/without-quorum', 'value-lost']);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/KeeperErrorCode = ConnectionLoss for \/without-quorum/);
    // Restart both (Parallel: together); the ensemble forms again from the claims.
    await Promise.all(down.map(p => p.create()));
    for (const pod of pods) await ready(pod);
    expect([...pods.map(mode)].sort()).toEqual(['follower', 'follower', 'leader']);
    for (const pod of pods) {
      await until(`${pod.name} to read every znode`, () =>
        readZnode(pod, '/greeting') === 'value-from-zk-0' && readZnode(pod, '/while-one-down') === 'value-written-while-one-down', 30_000);
      expect(cli(pod, ['stat', '/without-quorum']).out).toMatch(/does not exist|NoNode/);
    }
  }, 300_000);

  test('a lost volume: the empty server rejoins as a follower and gets the data; it never wins over its peers', async () => {
    const follower = pods.find(p => mode(p) === 'follower')!;
    await follower.delete('SIGKILL');
    follower.deleteClaim('data');
    await follower.create();
    await ready(follower);
    expect(mode(follower)).toBe('follower');
    expect(fs.readFileSync(path.join(follower.claimDir('data'), 'myid'), 'utf8')).toBe(`${follower.ordinal + 1}\n`);
    await until(`${follower.name} to have every znode again`, () =>
      readZnode(follower, '/greeting') === 'value-from-zk-0' && readZnode(follower, '/while-one-down') === 'value-written-while-one-down', 30_000);
  }, 240_000);

  test('a whole-ensemble restart with one empty volume: the empty server and one peer with data form the quorum; the peer leads, nothing is lost', async () => {
    await Promise.all(pods.map(p => p.delete('SIGKILL')));
    // The empty server has the highest id (3), which wins elections between equal
    // transaction ids: only the data (the highest zxid) can make zk-0 (id 1) the leader.
    const [holder, third, empty] = pods;
    empty.deleteClaim('data');
    // Only two of three come back first: the empty one is half of the quorum.
    await Promise.all([empty.create(), holder.create()]);
    await ready(empty);
    await ready(holder);
    expect(mode(holder)).toBe('leader');
    expect(mode(empty)).toBe('follower');
    await until(`${empty.name} to have every znode from its peer`, () =>
      readZnode(empty, '/greeting') === 'value-from-zk-0' && readZnode(empty, '/while-one-down') === 'value-written-while-one-down', 30_000);
    await third.create();
    await ready(third);
    expect([...pods.map(mode)].sort()).toEqual(['follower', 'follower', 'leader']);
  }, 240_000);

  test('a claim that belongs to another server is refused before the server starts (fail closed)', async () => {
    const pod = pods[2];
    await pod.kill('SIGKILL');
    pod.setReady(false);
    fs.writeFileSync(path.join(pod.claimDir('data'), 'myid'), '1\n');
    await expect(pod.init()).rejects.toThrow(/myid says server '1' but zk-2 is server 3: this volume belongs to another member; refusing to start/);
    fs.writeFileSync(path.join(pod.claimDir('data'), 'myid'), '3\n');
    await pod.create();
    await ready(pod);
  }, 180_000);
});


suite('StatefulZooKeeper with SASL (DIGEST-MD5) on real ZooKeeper servers', () => {
  const PASSWORD = 'p@ss "w0rd" \\ $HOME `id` \'x\'';
  const chart = Testing.chart();
  new StatefulZooKeeper(chart, 'zk', {
    auth: true,
    clientUser: 'app',
    clientCredentials: Credentials.fromPassword(PASSWORD),
    quorumCredentials: Credentials.fromPassword('quorum "secret" \\'),
    resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
  });
  const docs = Testing.synth(chart) as Doc[];
  let cluster: FakeCluster;
  let pods: FakePod[];

  beforeAll(async () => {
    cluster = new FakeCluster(docs, {
      imageEnv: IMAGE_ENV,
      forceServiceLinks: true,
      extraServices: [{ name: 'zookeeper', port: 2181, portName: 'client' }, { name: 'zk', port: 2181, portName: 'client' }],
    });
    pods = [0, 1, 2].map(o => cluster.pod('zk', o));
    await Promise.all(pods.map(p => p.create()));
    for (const pod of pods) {
      await until(`${pod.name} to be Ready`, () => pod.probe('zookeeper', 'readiness').status === 0, 90_000)
        .catch(e => { throw new Error(`${e.message}\n${pods.map(p => p.logs('zookeeper').slice(-2000)).join('\n---\n')}`); });
      pod.setReady(true);
    }
  }, 150_000);
  afterAll(async () => { await cluster?.destroy(); });

  test('the servers authenticate each other and form the ensemble', () => {
    expect([...pods.map(mode)].sort()).toEqual(['follower', 'follower', 'leader']);
    for (const pod of pods) expect(pod.logs('zookeeper')).toContain('zk-start: SASL with /zookeeper-config/jaas.conf');
  });

  test('zkCli.sh in the pod authenticates (CLIENT_JVMFLAGS) and reads and writes', async () => {
    expect(cli(pods[0], ['create', '/secured', 'value-secured']).out).toMatch(/Created \/secured/);
    await until('zk-2 to read /secured', () => readZnode(pods[2], '/secured') === 'value-secured', 30_000);
  }, 120_000);

  test('a client without credentials, or with a wrong password, is refused', () => {
    const anonymous = pods[1].exec('zookeeper', ['zkCli.sh', '-server', '127.0.0.1:2181', 'create', '/anonymous', 'x'], { env: { CLIENT_JVMFLAGS: '' }, timeoutMs: 60_000 });
    expect(`${anonymous.stdout}${anonymous.stderr}`).not.toMatch(/Created \/anonymous/);
    expect(`${anonymous.stdout}${anonymous.stderr}`).toMatch(/KeeperErrorCode = (Session closed because client failed to authenticate|AuthFailed) for \/(anonymous|wrong)/);
    const wrong = pods[1].exec('zookeeper', ['sh', '-c', [
      'printf \'Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="app" password="wrong"; };\\n\' > /tmp/wrong.jaas',
      'CLIENT_JVMFLAGS=-Djava.security.auth.login.config=/tmp/wrong.jaas zkCli.sh -server 127.0.0.1:2181 create /wrong x',
    ].join(' && ')], { timeoutMs: 60_000 });
    expect(`${wrong.stdout}${wrong.stderr}`).not.toMatch(/Created \/wrong/);
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/KeeperErrorCode = (Session closed because client failed to authenticate|AuthFailed) for \/(anonymous|wrong)/);
    expect(readZnode(pods[0], '/anonymous')).toBeUndefined();
  }, 180_000);

  test('a server with the wrong quorum secret cannot join; with the right one it rejoins', async () => {
    const [, , third] = pods;
    const secret = one(docs, 'Secret', 'zk-quorum-auth');
    const right = secret.stringData.password;
    await third.kill('SIGKILL');
    third.setReady(false);
    secret.stringData.password = 'not-the-quorum-secret';
    try {
      await third.create();
      // Bounded wait: in 20 s a server with the right secret joins (it does below, and in the suite above).
      await sleep(20_000);
      expect(third.isRunning('zookeeper')).toBe(true);
      expect(mode(third)).toBeUndefined();
      expect(third.probe('zookeeper', 'readiness').status).toBe(1);
      expect([...pods.slice(0, 2).map(mode)].sort()).toEqual(['follower', 'leader']);
    } finally {
      secret.stringData.password = right;
    }
    await third.kill('SIGKILL');
    await third.create();
    await until('zk-2 to rejoin', () => mode(third) === 'follower', 90_000);
    await until('zk-2 to read /secured', () => readZnode(third, '/secured') === 'value-secured', 30_000);
  }, 240_000);

  test('the password is only in the 0600 JAAS file: not in the ConfigMaps, on a command line or on the data volume', () => {
    expect(secretLeaks(docs, PASSWORD)).toEqual([]);
    const r = pods[0].exec('zookeeper', ['sh', '-c', 'stat -c %a /zookeeper-config/jaas.conf; cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "']);
    expect(r.stdout.split('\n')[0]).toBe('600');
    expect(r.stdout).not.toContain('w0rd');
    expect(execGrep(pods[0].claimDir('data'), 'w0rd')).toBe(false);
  });
});

function execGrep(dir: string, text: string): boolean {
  return spawnSync('grep', ['-rqF', text, dir]).status === 0;
}
