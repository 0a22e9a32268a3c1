/**
 * StatefulMySql (MariaDB flavour) against real servers (Debian's mariadb 10.11 and
 * mariadb-backup), every process started by the kubelet stand-in (test/util/kubelet.ts)
 * from the synthesized manifest, unmodified: each pod has its own address, its real port
 * 3306 (clone port 3307), its real mount paths and the env a kubelet gives it.
 *
 * Service links are forced on (`forceServiceLinks`) with extra Services named `db` and
 * `mysql` in the namespace (`DB_PORT=tcp://…`, `MYSQL_PORT=tcp://…`, `DB_PRIMARY_PORT=tcp://…`),
 * so the scripts are proven not to read any name a Service link produces.
 *
 * The suite runs in order: a new set (primary, replica 1 cloned from it), a replica whose
 * replication set-up fails once (the primary is gone) and succeeds on retry, the set
 * serving and refusing writes on replicas from every account, the primary's volume lost
 * (the recreated pod waits for a peer that exists but does not answer, then clones the
 * most advanced peer and serves as the primary), and a replica's volume lost (re-cloned).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Credentials, MySqlFlavor, StatefulMySql } from '../src';
import { Doc, hasCommand } from './util/k8s';
import { FakeCluster, FakePod, kubeletMissing } from './util/kubelet';

const MARIADBD = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find(p => fs.existsSync(p));
const TOOLS = ['mariadb-install-db', 'mariadb', 'mariadb-admin', 'mariadb-backup', 'mbstream', 'socat', 'sha256sum', 'getent'];
const missing = [...(MARIADBD ? [] : ['mariadbd']), ...TOOLS.filter(t => !hasCommand(t)), ...kubeletMissing()];

// Passwords with every character an option file or a SQL literal could trip on.
const ROOT_PW = 'r0ot\'"\\ #;$x`';
const REPL_PW = 're\\pl\'"# $(id)';
const APP_PW = 'app \'pw\' "\\"';

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

async function waitFor(what: string, check: () => boolean | Promise<boolean>, seconds = 60): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

if (missing.length && process.env.CI) {
  test('the MariaDB servers and the kubelet sandbox are installed (CI)', () => {
    throw new Error(`missing: ${missing.join(', ')} (run scripts/ensure-test-servers.sh as root)`);
  });
}

(missing.length === 0 ? describe : describe.skip)('StatefulMySql MariaDB flavour, pods run by the kubelet stand-in', () => {
  let docs: Doc[];
  let cluster: FakeCluster;
  const pods: FakePod[] = [];
  let rows = 0;

  /** A client of the test (not generated), run in the pod's `mariadb` container; the password goes through MYSQL_PWD. */
  function sql(pod: FakePod, user: string, password: string, statement: string, opts: { host?: string; names?: boolean } = {}) {
    const where = opts.host ? ['-h', opts.host, '-P', '3306'] : [];
    const r = pod.exec('mariadb', ['mariadb', '--no-defaults', '-u', user, ...where, ...(opts.names ? [] : ['-N']), '-B', '-e', statement],
      { env: { MYSQL_PWD: password } });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
  }
  const root = (pod: FakePod, statement: string, names = false) => sql(pod, 'root', ROOT_PW, statement, { names });
  const app = (pod: FakePod, statement: string) => sql(pod, 'app', APP_PW, statement, { host: pod.ip });
  const probe = (pod: FakePod, kind: 'startup' | 'readiness' | 'liveness') => pod.probe('mariadb', kind);
  const count = (pod: FakePod) => app(pod, 'SELECT COUNT(*), COALESCE(SUM(id), 0) FROM shop.items').stdout;

  /** What the kubelet and the StatefulSet controller do: init containers, containers, probes, Ready. */
  async function bringUp(pod: FakePod): Promise<string> {
    const init = await pod.init();
    pod.start();
    await waitFor(`${pod.name} to pass its startup probe`, () => probe(pod, 'startup').status === 0);
    await waitFor(`${pod.name} to be Ready`, () => probe(pod, 'readiness').status === 0);
    pod.setReady(true);
    return init.map(r => r.stderr).join('\n');
  }

  async function insertRows(n: number): Promise<void> {
    const from = rows + 1;
    rows += n;
    const r = app(pods[0], `INSERT INTO shop.items (id, name) SELECT seq, CONCAT('row-', seq) FROM shop.seq_${from}_to_${rows}`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }

  const expected = () => `${rows}\t${(rows * (rows + 1)) / 2}`;

  beforeAll(() => {
    docs = synth();
    cluster = new FakeCluster(docs, {
      forceServiceLinks: true,
      extraServices: [{ name: 'db', port: 3306 }, { name: 'mysql', port: 3306 }],
    });
  });

  afterAll(async () => {
    if (cluster) await cluster.destroy();
  }, 60_000);

  test('a new set: the first pod initialises a primary (no peer exists), replica 1 is cloned from it', async () => {
    const p0 = cluster.pod('db', 0);
    pods.push(p0);
    // The Service links reach the pods: the scripts must not care.
    expect(p0.env('init-data').DB_PRIMARY_PORT).toMatch(/^tcp:\/\//);
    expect(p0.env('mariadb').DB_PORT).toMatch(/^tcp:\/\//);
    const log0 = await bringUp(p0);
    expect(log0).toContain('db-0 is the primary with server-id 100');
    expect(log0).toContain('no peer exists: initialising a new primary');
    expect(app(p0, 'CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20))').status).toBe(0);
    await insertRows(100);

    const p1 = cluster.pod('db', 1);
    pods.push(p1);
    const log1 = await bringUp(p1);
    expect(log1).toContain('db-1 is the replica with server-id 101');
    expect(log1).toContain('cloning db-1 from db-0.db:3307');
    expect(log1).toContain('configuring replication from db-0.db:3306');
    await insertRows(100);
    await waitFor('200 rows on db-1', () => count(p1) === expected());
  }, 180_000);

  test('a replication set-up step that fails (the primary is gone) leaves no marker and succeeds when retried', async () => {
    const [p0, p1] = pods;
    await p0.delete();
    const p2 = cluster.pod('db', 2);
    pods.push(p2);
    // The clone (from db-1) works; pointing the replica at a primary that does not answer fails.
    const first = await p2.init().then(() => undefined, (e: Error) => e);
    expect(first).toBeInstanceOf(Error);
    expect(first!.message).toContain('init container init-data exited 1');
    expect(first!.message).toContain('cloning db-2 from db-1.db:3307');
    expect(first!.message).toMatch(/the primary db-0.db:3306 does not answer the replication account/);
    const data = path.join(p2.claimDir('data'), 'data');
    expect(fs.existsSync(data)).toBe(true);
    expect(fs.existsSync(path.join(data, '.cdk8s-stateful-replication'))).toBe(false);

    // The primary comes back with its data; the replica's init container is retried.
    const log0 = await bringUp(p0);
    expect(log0).toContain('exists: kept as it is');
    await waitFor('db-1 receiving again', () => probe(p1, 'readiness').status === 0);
    const log2 = await bringUp(p2);
    expect(log2).toContain('exists: kept as it is (clone skipped)');
    expect(log2).toContain('configuring replication from db-0.db:3306');
    expect(fs.readFileSync(path.join(data, '.cdk8s-stateful-replication'), 'utf8')).toContain('configured by init-data of db-2');
    await insertRows(100);
    await waitFor('300 rows on db-2', () => count(p2) === expected());
  }, 180_000);

  test('the set serves: rows replicate, replicas refuse writes from every account (root included), probes see both threads', async () => {
    const [p0, p1, p2] = pods;
    for (const pod of pods) await waitFor(`every row on ${pod.name}`, () => count(pod) === expected());
    for (const pod of pods) {
      expect(root(pod, 'SELECT @@server_id, @@read_only').stdout).toBe(`${100 + pod.ordinal}\t${pod.ordinal === 0 ? 0 : 1}`);
    }
    for (const r of [p1, p2]) {
      for (const [who, run] of [['app', app], ['root', root]] as const) {
        const w = run(r, 'INSERT INTO shop.items VALUES (100000, \'nope\')');
        expect(w.status).not.toBe(0);
        expect(`${who}: ${w.stderr}`).toMatch(/--read-only option/);
      }
      // root cannot lift read_only either, nor grant itself the privilege that would.
      expect(root(r, 'SET GLOBAL read_only = 0').stderr).toMatch(/READ_ONLY ADMIN/);
      expect(root(r, 'GRANT READ_ONLY ADMIN ON *.* TO \'root\'@\'localhost\'').status).not.toBe(0);
      const status = root(r, 'SHOW REPLICA STATUS\\G', true).stdout;
      expect(status).toMatch(/Slave_IO_Running: Yes/);
      expect(status).toMatch(/Slave_SQL_Running: Yes/);
      expect(status).toMatch(/Using_Gtid: Slave_Pos/);
      expect(status).toMatch(/Master_Host: db-0\.db\b/);
    }
    // The primary takes root's writes (read_only is OFF there).
    expect(root(p0, 'DELETE FROM shop.items WHERE id = 100000').status).toBe(0);
    expect(app(p0, 'SELECT COUNT(*) FROM shop.items WHERE id = 100000').stdout).toBe('0');

    for (const pod of pods) for (const kind of ['startup', 'liveness', 'readiness'] as const) expect(probe(pod, kind).status).toBe(0);
    // A replica whose IO (receiving) thread is down is not Ready; nor one whose SQL thread is.
    expect(root(p1, 'STOP REPLICA IO_THREAD').status).toBe(0);
    const noIo = probe(p1, 'readiness');
    expect(noIo.status).not.toBe(0);
    expect(noIo.stderr).toContain('IO thread (receiving from the primary) is not running');
    expect(root(p1, 'START REPLICA IO_THREAD').status).toBe(0);
    await waitFor('db-1 ready again', () => probe(p1, 'readiness').status === 0);
    expect(root(p1, 'STOP REPLICA SQL_THREAD').status).toBe(0);
    expect(probe(p1, 'readiness').stderr).toContain('SQL thread is not running');
    expect(root(p1, 'START REPLICA SQL_THREAD').status).toBe(0);
    await waitFor('db-1 ready again', () => probe(p1, 'readiness').status === 0);

    // No password reached a command line of any process of the pods.
    const ps = fs.readdirSync('/proc').filter(d => /^\d+$/.test(d))
      .map(d => { try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'); } catch { return ''; } }).join('\n');
    for (const pw of [ROOT_PW, REPL_PW, APP_PW]) expect(ps).not.toContain(pw);
  }, 120_000);

  test('the primary\'s volume is lost: the new db-0 waits for a peer that does not answer, then clones the most advanced peer; no row is lost', async () => {
    const [p0, p1, p2] = pods;
    await insertRows(500);
    // Every row committed before the loss is on both replicas.
    for (const r of [p1, p2]) await waitFor(`every row on ${r.name}`, () => count(r) === expected());
    const gtidBefore = root(p1, 'SELECT @@gtid_slave_pos').stdout;
    expect(gtidBefore).toMatch(/^0-100-\d+$/);

    await p0.delete('SIGKILL');
    p0.deleteClaim('data');
    // db-2 exists (it is in DNS) but its server does not answer: db-0 must not start empty.
    await p2.kill();
    const refused = await p0.init().then(() => undefined, (e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused!.message).toMatch(/peer db-2\.db exists but does not answer/);
    expect(fs.existsSync(path.join(p0.claimDir('data'), 'data'))).toBe(false);

    // db-2's containers restart (the kubelet does); db-0's init container is retried.
    p2.start();
    await waitFor('db-2 answering', () => probe(p2, 'liveness').status === 0);
    const log0 = await bringUp(p0);
    expect(log0).toMatch(/peer db-1\.db answers with \d+ transactions/);
    expect(log0).toMatch(/peer db-2\.db answers with \d+ transactions/);
    expect(log0).toMatch(/cloning the most advanced peer db-[12]\.db, then serving as the primary/);
    expect(log0).not.toContain('initialising a new primary');

    // Every row is on the new primary, which is writable with its own server_id, and the
    // replicas reconnect by GTID and continue (no GTID error).
    expect(count(p0)).toBe(expected());
    expect(root(p0, 'SELECT @@server_id, @@read_only').stdout).toBe('100\t0');
    for (const r of [p1, p2]) await waitFor(`${r.name} receiving from the new primary`, () => probe(r, 'readiness').status === 0);
    await insertRows(50);
    for (const pod of pods) await waitFor(`every row on ${pod.name}`, () => count(pod) === expected());
    for (const r of [p1, p2]) {
      const status = root(r, 'SHOW REPLICA STATUS\\G', true).stdout;
      expect(status).toMatch(/Slave_IO_Running: Yes/);
      expect(status).toMatch(/Last_IO_Errno: 0/);
      expect(status).toMatch(/Last_SQL_Errno: 0/);
      expect(root(r, 'SELECT @@gtid_slave_pos').stdout).not.toBe(gtidBefore);
    }
  }, 240_000);

  test('a replica\'s volume is lost: it is cloned again and has every row', async () => {
    const [p0, , p2] = pods;
    await p2.delete();
    p2.deleteClaim('data');
    await insertRows(20);
    const log2 = await bringUp(p2);
    expect(log2).toContain('cloning db-2 from db-1.db:3307');
    expect(log2).toContain('configuring replication from db-0.db:3306');
    await insertRows(20);
    for (const pod of pods) await waitFor(`every row on ${pod.name}`, () => count(pod) === expected());
    expect(count(p0)).toBe(`${rows}\t${(rows * (rows + 1)) / 2}`);
  }, 180_000);
});
