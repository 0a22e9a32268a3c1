/**
 * StatefulMySql (MariaDB flavour) against real servers: the synthesized ConfigMaps,
 * Secrets and scripts, unchanged, run a primary and two replicas on loopback. Only the
 * pods' DNS names become 127.0.0.1 and ports (through the scripts' DB_* variables), and
 * paths point at temporary directories. Replica 1 is cloned from the primary and replica
 * 2 from replica 1 by the generated clone step (mariadb-backup streamed by the donor's
 * clone-source sidecar script), then replicate with the generated statements.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Credentials, MySqlFlavor, StatefulMySql } from '../src';
import { Doc, hasCommand, one, tmpDir } from './util/k8s';

const MARIADBD = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find(p => fs.existsSync(p));
const TOOLS = ['mariadb-install-db', 'mariadb', 'mariadb-admin', 'mariadb-backup', 'mbstream', 'socat', 'sha256sum', 'setpriv'];
const missing = [...(MARIADBD ? [] : ['mariadbd']), ...TOOLS.filter(t => !hasCommand(t))];
const isRoot = process.getuid?.() === 0;
const mysqlUser = isRoot ? spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' }) : undefined;
if (isRoot && mysqlUser?.status !== 0) missing.push('the mysql user (created by mariadb-server)');

// Passwords with every character an option file or a SQL literal could trip on.
const ROOT_PW = 'r0ot\'"\\ #;$x`';
const REPL_PW = 're\\pl\'"# $(id)';
const APP_PW = 'app \'pw\' "\\"';

const PATH_ENV = `${path.dirname(MARIADBD ?? '/usr/sbin/mariadbd')}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;

interface Pod {
  readonly ordinal: number;
  readonly dir: string;
  readonly port: number;
  readonly clonePort: number;
  server?: ChildProcess;
  cloneSource?: ChildProcess;
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let p = 13306; p <= 13406 && ports.length < count; p++) {
    const ok = await new Promise<boolean>(resolve => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) ports.push(p);
  }
  if (ports.length < count) throw new Error('not enough free ports in 13306-13406');
  return ports;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function synth(): Doc[] {
  const chart = Testing.chart();
  new StatefulMySql(chart, 'db', {
    flavor: MySqlFlavor.MARIADB,
    rootPassword: Credentials.fromPassword(ROOT_PW),
    replicationPassword: Credentials.fromPassword(REPL_PW),
    database: 'shop',
    user: 'app',
    userPassword: Credentials.fromPassword(APP_PW),
  });
  return Testing.synth(chart) as Doc[];
}

(missing.length === 0 || process.env.CI ? describe : describe.skip)('StatefulMySql MariaDB flavour against real servers', () => {
  let docs: Doc[];
  let work: string;
  let scripts: string;
  let config: string;
  const pods: Pod[] = [];
  const asUser = (argv: string[]) => (isRoot ? ['setpriv', '--reuid=mysql', '--regid=mysql', '--clear-groups', ...argv] : argv);

  /** The environment of a container of the synthesized StatefulSet, resolved like the kubelet would. */
  function containerEnv(containerName: string, pod: Pod): Record<string, string> {
    const sts = one(docs, 'StatefulSet', 'db');
    const spec = sts.spec.template.spec;
    const c = [...spec.containers, ...(spec.initContainers ?? [])].find((x: any) => x.name === containerName);
    if (!c) throw new Error(`no container ${containerName}`);
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) {env[e.name] = e.value;} else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {env[e.name] = `db-${pod.ordinal}`;} else if (e.valueFrom?.secretKeyRef) {
        const s = one(docs, 'Secret', e.valueFrom.secretKeyRef.name);
        env[e.name] = s.stringData[e.valueFrom.secretKeyRef.key];
      } else {throw new Error(`unexpected env ${JSON.stringify(e)}`);}
    }
    const primary = pods[0];
    const donor = pods[pod.ordinal - 1];
    return {
      PATH: PATH_ENV,
      ...env,
      // The only substitutions: paths, and DNS names -> loopback addresses and ports.
      DB_CONFIG_SOURCE: config,
      DB_CONF_DIR: path.join(pod.dir, 'conf'),
      DB_DATA_DIR: path.join(pod.dir, 'claim', 'data'),
      DB_SOCKET: path.join(pod.dir, 'run', 'mysqld.sock'),
      DB_TMPDIR: path.join(pod.dir, 'tmp'),
      DB_PORT: String(pod.port),
      DB_BIND_ADDRESS: '127.0.0.1',
      DB_PRIMARY_HOST: '127.0.0.1',
      DB_PRIMARY_PORT: String(primary.port),
      DB_CLONE_PORT: String(pod.clonePort),
      DB_CLONE_BIND: '127.0.0.1',
      ...(donor ? { DB_DONOR_HOST: '127.0.0.1', DB_DONOR_PORT: String(donor.clonePort) } : {}),
    };
  }

  function run(pod: Pod, container: string, script: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
    const argv = asUser(['sh', path.join(scripts, script), ...args]);
    const r = spawnSync(argv[0], argv.slice(1), {
      env: { ...containerEnv(container, pod), ...extraEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  function start(pod: Pod, container: string, script: string, args: string[], log: string): ChildProcess {
    const argv = asUser(['sh', path.join(scripts, script), ...args]);
    const out = fs.openSync(path.join(pod.dir, log), 'a');
    return spawn(argv[0], argv.slice(1), { env: containerEnv(container, pod), stdio: ['ignore', out, out] });
  }

  /** A client of the test (not generated): credentials through an option file. */
  function sql(pod: Pod, user: string, password: string, statement: string, columnNames = false) {
    const cnf = path.join(work, `client-${user}.cnf`);
    fs.writeFileSync(cnf, `[client]\nuser=${user}\npassword="${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`, { mode: 0o600 });
    const r = spawnSync('mariadb', [`--defaults-file=${cnf}`, '-h', '127.0.0.1', '-P', String(pod.port), ...(columnNames ? [] : ['-N']), '-B', '-e', statement], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
  }

  async function waitFor(what: string, check: () => boolean | Promise<boolean>, seconds = 30): Promise<void> {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async function bringUp(pod: Pod): Promise<{ config: string; data: string }> {
    for (const d of ['conf', 'claim', 'run', 'tmp']) fs.mkdirSync(path.join(pod.dir, d), { recursive: true });
    if (isRoot) spawnSync('chown', ['-R', 'mysql:mysql', pod.dir]);
    const cfg = run(pod, 'init-config', 'init-config.sh');
    expect(cfg.status).toBe(0);
    const data = run(pod, 'init-data', 'init-data.sh');
    if (data.status !== 0) throw new Error(`init-data of db-${pod.ordinal} failed:\n${data.out}`);
    pod.server = start(pod, 'mariadb', 'mysqld.sh', [], 'server.log');
    await waitFor(`db-${pod.ordinal} to pass its startup probe`, () => run(pod, 'mariadb', 'probe.sh', ['startup']).status === 0);
    pod.cloneSource = start(pod, 'clone-source', 'clone.sh', ['serve'], 'clone-source.log');
    await waitFor(`the clone-source of db-${pod.ordinal}`, () => canConnect(pod.clonePort));
    return { config: cfg.out, data: data.out };
  }

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`CI needs the real servers; missing: ${missing.join(', ')} (run scripts/ensure-test-servers.sh)`);
    docs = synth();
    work = tmpDir('mysql-server-');
    fs.chmodSync(work, 0o755);
    scripts = path.join(work, 'scripts');
    config = path.join(work, 'config');
    for (const [dir, cm] of [[scripts, 'db-scripts'], [config, 'db-config']]) {
      fs.mkdirSync(dir);
      for (const [k, v] of Object.entries(one(docs, 'ConfigMap', cm).data as Record<string, string>)) fs.writeFileSync(path.join(dir, k), v, { mode: 0o555 });
    }
    const ports = await freePorts(6);
    for (let ordinal = 0; ordinal < 3; ordinal++) {
      pods.push({ ordinal, dir: path.join(work, `db-${ordinal}`), port: ports[ordinal], clonePort: ports[3 + ordinal] });
    }
  }, 30_000);

  afterAll(async () => {
    for (const pod of pods) {
      for (const p of [pod.cloneSource, pod.server]) {
        if (p && p.exitCode === null && p.signalCode === null) {
          const exited = new Promise(r => p.once('exit', r));
          p.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([exited, new Promise(r => { timer = setTimeout(r, 15_000); })]);
          clearTimeout(timer);
          if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
        }
      }
    }
    if (work && !process.env.KEEP_MYSQL_TEST_DIRS) fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test('primary, replica 1 cloned from the primary, replica 2 cloned from replica 1, all replicating', async () => {
    const [p0, p1, p2] = pods;

    // The primary: initialised, no clone.
    const up0 = await bringUp(p0);
    expect(up0.config).toContain('db-0 is the primary with server-id 100');
    expect(up0.data).toContain('initialising a new primary (clone skipped)');
    expect(up0.data).not.toContain('cloning');
    expect(sql(p0, 'app', APP_PW, 'CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO shop.items VALUES (1, \'before-r1\')').status).toBe(0);

    // Replica 1 from the primary.
    const up1 = await bringUp(p1);
    expect(up1.config).toContain('db-1 is the replica with server-id 101');
    expect(up1.data).toContain('cloning db-1 from 127.0.0.1');
    expect(up1.data).toContain('configuring replication from 127.0.0.1');
    expect(sql(p0, 'app', APP_PW, 'INSERT INTO shop.items VALUES (2, \'before-r2\')').status).toBe(0);
    await waitFor('row 2 on replica 1', () => sql(p1, 'app', APP_PW, 'SELECT COUNT(*) FROM shop.items').stdout === '2');

    // Replica 2 from replica 1 (its previous pod), not from the primary.
    const up2 = await bringUp(p2);
    expect(up2.data).toContain(`cloning db-2 from 127.0.0.1:${p1.clonePort}`);
    expect(fs.readFileSync(path.join(p1.dir, 'clone-source.log'), 'utf8')).toContain('streaming a backup');
    expect(sql(p0, 'app', APP_PW, 'INSERT INTO shop.items VALUES (3, \'after\')').status).toBe(0);

    // Rows written on the primary appear on both replicas.
    for (const r of [p1, p2]) {
      await waitFor(`all rows on db-${r.ordinal}`, () => sql(r, 'app', APP_PW, 'SELECT GROUP_CONCAT(name ORDER BY id) FROM shop.items').stdout === 'before-r1,before-r2,after');
    }
    // Each server reports its own server_id; only the replicas are read-only.
    for (const pod of pods) {
      expect(sql(pod, 'root', ROOT_PW, 'SELECT @@server_id, @@read_only').stdout).toBe(`${100 + pod.ordinal}\t${pod.ordinal === 0 ? 0 : 1}`);
    }
    // Replicas reject writes; replication is GTID-based and running.
    for (const r of [p1, p2]) {
      const w = sql(r, 'app', APP_PW, 'INSERT INTO shop.items VALUES (99, \'nope\')');
      expect(w.status).not.toBe(0);
      expect(w.stderr).toMatch(/read-only|read_only/);
      const status = sql(r, 'root', ROOT_PW, 'SHOW REPLICA STATUS\\G', true).stdout;
      expect(status).toMatch(/Slave_IO_Running: Yes/);
      expect(status).toMatch(/Slave_SQL_Running: Yes/);
      expect(status).toMatch(/Using_Gtid: Slave_Pos/);
      expect(status).toMatch(new RegExp(`Master_Port: ${p0.port}`));
    }
    expect(sql(p0, 'app', APP_PW, 'SELECT COUNT(*) FROM shop.items WHERE id = 99').stdout).toBe('0');

    // Probes pass on every server.
    for (const pod of pods) {
      for (const mode of ['startup', 'liveness', 'readiness']) expect(run(pod, 'mariadb', 'probe.sh', [mode]).status).toBe(0);
    }
    // Readiness of a replica fails while its SQL thread is stopped.
    expect(sql(p1, 'root', ROOT_PW, 'STOP REPLICA SQL_THREAD').status).toBe(0);
    const notReady = run(p1, 'mariadb', 'probe.sh', ['readiness']);
    expect(notReady.status).not.toBe(0);
    expect(notReady.out).toContain('SQL thread is not running');
    expect(sql(p1, 'root', ROOT_PW, 'START REPLICA SQL_THREAD').status).toBe(0);
    await waitFor('replica 1 ready again', () => run(p1, 'mariadb', 'probe.sh', ['readiness']).status === 0);

    // No password reached a command line of any process the scripts started.
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    for (const pw of [ROOT_PW, REPL_PW, APP_PW]) expect(ps).not.toContain(pw);
  }, 90_000);

  test('existing data is never touched and replication is configured once', () => {
    const [, p1] = pods;
    const dataDir = path.join(p1.dir, 'claim', 'data');
    const before = fs.readdirSync(dataDir).sort();
    const marker = fs.readFileSync(path.join(dataDir, '.cdk8s-stateful-replication'), 'utf8');
    const again = run(p1, 'init-data', 'init-data.sh');
    expect(again.status).toBe(0);
    expect(again.out).toContain('exists: kept as it is (clone skipped)');
    expect(again.out).toContain('replication already configured');
    expect(again.out).not.toMatch(/cloning|configuring replication/);
    expect(fs.readdirSync(dataDir).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(dataDir, '.cdk8s-stateful-replication'), 'utf8')).toBe(marker);
    expect(fs.existsSync(`${dataDir}.staging`)).toBe(false);
  });

  test('the clone source refuses a recipient that does not know the replication password', () => {
    const [p0] = pods;
    const target = path.join(work, 'intruder');
    fs.mkdirSync(target);
    if (isRoot) spawnSync('chown', ['mysql:mysql', target]);
    const env = { ...containerEnv('init-data', pods[1]), DB_REPLICATION_PASSWORD: 'not-the-password', DB_CLONE_DIR: target };
    const argv = asUser(['socat', `TCP:127.0.0.1:${p0.clonePort}`, 'SYSTEM:exec sh ./clone.sh receive']);
    spawnSync(argv[0], argv.slice(1), { cwd: scripts, env, encoding: 'utf8', timeout: 30_000 });
    expect(fs.readdirSync(target)).toEqual([]);
    expect(fs.readFileSync(path.join(p0.dir, 'clone-source.log'), 'utf8')).toContain('refused a recipient');
  });
});
