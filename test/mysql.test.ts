import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { Credentials, MySqlFlavor, StatefulMySql, StatefulMySqlProps } from '../src';
import { byKind, crossReference, Doc, one, runScript, shells, tmpDir, validateManifests } from './util/k8s';

function synth(props: StatefulMySqlProps = {}, id = 'db'): { chart: Chart; db: StatefulMySql; docs: Doc[] } {
  const chart = Testing.chart();
  const db = new StatefulMySql(chart, id, props);
  return { chart, db, docs: Testing.synth(chart) as Doc[] };
}

const podSpec = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.spec;
const container = (docs: Doc[], name: string) => {
  const spec = podSpec(docs);
  return [...spec.containers, ...(spec.initContainers ?? [])].find((c: any) => c.name === name);
};

/** Writes the ConfigMaps' files to directories, as the kubelet mounts them. */
function materialize(docs: Doc[]): { scripts: string; config: string } {
  const root = tmpDir('mysql-cm-');
  const out = { scripts: path.join(root, 'scripts'), config: path.join(root, 'config') };
  for (const [dir, suffix] of [[out.scripts, '-scripts'], [out.config, '-config']]) {
    fs.mkdirSync(dir);
    const cm = byKind(docs, 'ConfigMap').find(c => c.metadata.name.endsWith(suffix))!;
    for (const [k, v] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(dir, k), v, { mode: 0o555 });
  }
  return out;
}

/** Parses the SQL string literal that starts at `text[0]` (a quote), returning its value. */
function sqlLiteral(text: string): string {
  expect(text[0]).toBe('\'');
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') { out += text[++i]; continue; }
    if (ch === '\'') {
      if (text[i + 1] === '\'') { out += '\''; i++; continue; }
      return out;
    }
    out += ch;
  }
  throw new Error(`unterminated literal in ${text}`);
}

describe('StatefulMySql with no props', () => {
  const { chart, db, docs } = synth();

  test('snapshot', () => expect(docs).toMatchSnapshot());

  test('passes the Kubernetes 1.27 validator and the cross-reference checks', () => {
    validateManifests(docs);
    crossReference(docs);
  });

  test('a primary and 2 replicas of mysql:8.4, ordered, with a 10Gi data claim per pod, retained', () => {
    const sts = one(docs, 'StatefulSet', 'db');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates.map((c: any) => [c.metadata.name, c.spec.resources.requests.storage])).toEqual([['data', '10Gi']]);
    const main = container(docs, 'mysql');
    expect(main.image).toBe('mysql:8.4');
    expect(main.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/mysqld.sh']);
    expect(main.volumeMounts).toEqual(expect.arrayContaining([{ name: 'data', mountPath: '/var/lib/mysql' }]));
    expect(podSpec(docs).initContainers.map((c: any) => c.name)).toEqual(['init-config', 'init-data']);
    expect(podSpec(docs).containers.map((c: any) => c.name)).toEqual(['mysql']);
    expect(db.primaryHost).toBe('db-0.db');
    expect(db.node.defaultChild).toBe(db.pet);
    expect(chart.node.findAll().includes(db.statefulSet)).toBe(true);
  });

  test('PSS restricted as uid 999 (the image\'s mysql user) with fsGroup, read-only root and emptyDirs for /tmp and /var/run/mysqld', () => {
    const spec = podSpec(docs);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
    }
    for (const name of ['mysql', 'init-data']) {
      const mounts = container(docs, name).volumeMounts.map((m: any) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/tmp', '/var/run/mysqld', '/etc/mysql-stateful', '/var/lib/mysql']));
    }
    const emptyDirs = spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name);
    expect(emptyDirs).toEqual(expect.arrayContaining(['run', 'tmp']));
  });

  test('passwords come from the Secret db-credentials, never from a ConfigMap, a command line or MYSQL_ALLOW_EMPTY_PASSWORD', () => {
    const ref = (c: any, n: string) => c.env.find((e: any) => e.name === n)?.valueFrom?.secretKeyRef;
    expect(ref(container(docs, 'init-data'), 'DB_ROOT_PASSWORD')).toEqual({ name: 'db-credentials', key: 'root-password' });
    expect(ref(container(docs, 'init-data'), 'DB_REPLICATION_PASSWORD')).toEqual({ name: 'db-credentials', key: 'replication-password' });
    expect(ref(container(docs, 'mysql'), 'DB_ROOT_PASSWORD')).toEqual({ name: 'db-credentials', key: 'root-password' });
    expect(byKind(docs, 'Secret')).toEqual([]);
    expect(JSON.stringify(docs)).not.toMatch(/MYSQL_ALLOW_EMPTY_PASSWORD|MYSQL_RANDOM_ROOT_PASSWORD/);
  });

  test('Services: headless db, db-primary on pod db-0 only, db-read on every ready pod', () => {
    expect(one(docs, 'Service', 'db').spec.clusterIP).toBe('None');
    const primary = one(docs, 'Service', 'db-primary').spec;
    expect(primary.selector['statefulset.kubernetes.io/pod-name']).toBe('db-0');
    expect(primary.ports).toEqual([{ name: 'mysql', port: 3306, targetPort: 3306, protocol: 'TCP' }]);
    const read = one(docs, 'Service', 'db-read').spec;
    expect(read.selector['statefulset.kubernetes.io/pod-name']).toBeUndefined();
    expect(read.selector).toMatchObject({ 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'db' });
    expect(read.publishNotReadyAddresses).toBeUndefined();
  });

  test('probes: startup and liveness ping, readiness SELECT 1 (and the SQL thread on replicas)', () => {
    const main = container(docs, 'mysql');
    expect(main.startupProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/probe.sh', 'startup']);
    expect(main.livenessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/probe.sh', 'liveness']);
    expect(main.readinessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/probe.sh', 'readiness']);
    expect(main.startupProbe.failureThreshold * main.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
  });

  test('config: GTIDs, binary log, the CLONE plugin, super_read_only replicas', () => {
    const cm = one(docs, 'ConfigMap', 'db-config').data;
    expect(Object.keys(cm).sort()).toEqual(['my.cnf', 'primary.cnf', 'replica.cnf']);
    expect(cm['my.cnf']).toMatch(/^gtid_mode = ON$/m);
    expect(cm['my.cnf']).toMatch(/^enforce_gtid_consistency = ON$/m);
    expect(cm['my.cnf']).toMatch(/^log_bin = binlog$/m);
    expect(cm['my.cnf']).toMatch(/^plugin_load_add = mysql_clone.so$/m);
    expect(cm['replica.cnf']).toMatch(/^super_read_only = ON$/m);
    expect(cm['primary.cnf']).toMatch(/^read_only = OFF$/m);
  });
});

describe('StatefulMySql props', () => {
  test('MariaDB flavour: mariadb:10.11 and a clone-source sidecar on 3307 reading the claim read-only', () => {
    const { docs } = synth({ flavor: MySqlFlavor.MARIADB });
    validateManifests(docs);
    crossReference(docs);
    expect(docs).toMatchSnapshot();
    const spec = podSpec(docs);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['mariadb', 'clone-source']);
    const source = container(docs, 'clone-source');
    expect(source.image).toBe('mariadb:10.11');
    expect(source.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/clone.sh', 'serve']);
    expect(source.ports).toEqual([{ containerPort: 3307, name: 'clone' }]);
    expect(source.volumeMounts).toEqual(expect.arrayContaining([{ name: 'data', mountPath: '/var/lib/mysql', readOnly: true }]));
    const cm = one(docs, 'ConfigMap', 'db-config').data;
    expect(cm['replica.cnf']).toMatch(/^read_only = ON$/m);
    expect(cm['replica.cnf']).not.toMatch(/^super_read_only/m);
    expect(cm['my.cnf']).toMatch(/^gtid_strict_mode = ON$/m);
    expect(Object.keys(one(docs, 'ConfigMap', 'db-scripts').data)).toContain('clone.sh');
    // The clone port is not published to clients.
    expect(one(docs, 'Service', 'db-read').spec.ports.map((p: any) => p.port)).toEqual([3306]);
  });

  test('image, name, namespace, replicas, ordinalsStart, storage, port and labels', () => {
    const { docs, db } = synth({
      image: 'mysql:8.4.3',
      name: 'orders',
      namespace: 'shop',
      replicas: 2,
      ordinalsStart: 5,
      storageSize: Size.gibibytes(50),
      storageClassName: 'fast',
      port: 3307,
      labels: { team: 'data' },
    });
    validateManifests(docs);
    crossReference(docs);
    const sts = one(docs, 'StatefulSet', 'orders');
    expect(sts.metadata.namespace).toBe('shop');
    expect(sts.spec.ordinals).toEqual({ start: 5 });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '50Gi' } } });
    expect(one(docs, 'Service', 'orders-primary').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('orders-5');
    expect(db.primaryHost).toBe('orders-5.orders.shop.svc.cluster.local');
    expect(container(docs, 'mysql').image).toBe('mysql:8.4.3');
    expect(container(docs, 'mysql').ports).toEqual([{ containerPort: 3307, name: 'mysql', protocol: 'TCP' }]);
    expect(sts.metadata.labels.team).toBe('data');
  });

  test('fromPassword credentials become Secrets that only env references read', () => {
    const { docs } = synth({
      rootPassword: Credentials.fromPassword('root-secret-1'),
      replicationPassword: Credentials.fromPassword('repl-secret-2'),
      user: 'app',
      database: 'shop',
      userPassword: Credentials.fromPassword('app-secret-3'),
    });
    validateManifests(docs);
    crossReference(docs);
    expect(byKind(docs, 'Secret').map(s => s.metadata.name).sort()).toEqual(['db-replication-password', 'db-root-password', 'db-user-password']);
    const outsideSecrets = JSON.stringify(docs.filter(d => d.kind !== 'Secret'));
    for (const pw of ['root-secret-1', 'repl-secret-2', 'app-secret-3']) expect(outsideSecrets).not.toContain(pw);
    expect(container(docs, 'init-data').env.find((e: any) => e.name === 'DB_APP_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'db-user-password', key: 'password' });
  });

  test('serverOptions are appended to my.cnf', () => {
    const { docs } = synth({ serverOptions: { 'max-connections': '500', 'innodb_buffer_pool_size': '256M' } });
    const cnf = one(docs, 'ConfigMap', 'db-config').data['my.cnf'];
    expect(cnf).toMatch(/^max_connections = 500$/m);
    expect(cnf).toMatch(/^innodb_buffer_pool_size = 256M$/m);
  });

  test.each([
    [{ serverIdOffset: 0 }, /serverIdOffset` 0: must be a whole number from 1 to 4294967293/],
    [{ serverIdOffset: 4294967294 }, /serverIdOffset` 4294967294: must be a whole number from 1 to 4294967293/],
    [{ serverIdOffset: 1.5 }, /serverIdOffset/],
    [{ replicas: 0 }, /replicas` 0/],
    [{ clonePort: 3307 }, /clonePort` 3307: only applies to MySqlFlavor.MARIADB/],
    [{ flavor: MySqlFlavor.MARIADB, clonePort: 3306 }, /clonePort` 3306: must differ from port/],
    [{ flavor: 'Postgres' as any }, /flavor` "Postgres": must be one of "MySQL", "MariaDB"/],
    [{ image: 'mysql 8.4' }, /image` "mysql 8.4"/],
    [{ user: 'app' }, /needs the other: set both `user` and `userPassword`/],
    [{ userPassword: Credentials.fromPassword('x') }, /userPassword/],
    [{ user: 'bad-name', userPassword: Credentials.fromPassword('x') }, /user` "bad-name": must be an account name/],
    [{ user: 'repl', userPassword: Credentials.fromPassword('x') }, /must differ from root and the replication user/],
    [{ replicationUser: 'root' }, /replicationUser` "root"/],
    [{ database: 'mysql' }, /database` "mysql": must not be a system schema/],
    [{ database: 'my-db' }, /database` "my-db"/],
    [{ serverOptions: { 'server-id': '7' } }, /serverOptions key` "server-id": is set by StatefulMySql/],
    [{ serverOptions: { read_only: 'OFF' } }, /is set by StatefulMySql/],
    [{ serverOptions: { max_connections: '1\n[client]' } }, /must be a one-line string/],
    [{ rootPassword: 'hunter2' as any }, /rootPassword` "hunter2": must be Credentials/],
    [{ name: 'A' }, /name` "A"/],
  ] as Array<[StatefulMySqlProps, RegExp]>)('fails on bad props %#', (props, error) => {
    expect(() => synth(props)).toThrow(error);
  });

  test('serverIdOffset 0 is allowed when the ordinals start at 1 (ids stay >= 1)', () => {
    expect(() => synth({ serverIdOffset: 0, ordinalsStart: 1 })).not.toThrow();
    expect(() => synth({ serverIdOffset: 4294967295 - 7, ordinalsStart: 5 })).not.toThrow();
    expect(() => synth({ serverIdOffset: 4294967295 - 6, ordinalsStart: 5 })).toThrow(/serverIdOffset/);
  });
});

describe.each(['MySQL', 'MariaDB'] as MySqlFlavor[])('%s scripts, executed', (flavor) => {
  const props = (extra: StatefulMySqlProps = {}): StatefulMySqlProps => ({ flavor: flavor as MySqlFlavor, ...extra });

  describe.each(shells())('init-config.sh with %s', (shell) => {
    test.each([
      [{}, [0, 1, 2, 3], 100, 0],
      [{ ordinalsStart: 5, serverIdOffset: 1000 }, [5, 6, 7, 8], 1000, 5],
    ] as Array<[StatefulMySqlProps, number[], number, number]>)('%j: server-id = offset + ordinal, primary.cnf on the first pod only', (extra, ordinals, offset, start) => {
      const { docs } = synth(props({ replicas: 4, ...extra }));
      const { scripts, config } = materialize(docs);
      const script = fs.readFileSync(path.join(scripts, 'init-config.sh'), 'utf8');
      for (const ordinal of ordinals) {
        const out = tmpDir('mysql-conf-');
        const r = runScript(script, shell, { POD_NAME: `db-${ordinal}`, DB_CONFIG_SOURCE: config, DB_CONF_DIR: out });
        expect(r.stderr).toContain(`server-id ${offset + ordinal}`);
        expect(r.status).toBe(0);
        expect(fs.readFileSync(path.join(out, 'server-id.cnf'), 'utf8')).toBe(`[mysqld]\nserver-id=${offset + ordinal}\n`);
        const role = ordinal === start ? 'primary' : 'replica';
        expect(fs.readFileSync(path.join(out, 'role.cnf'), 'utf8')).toBe(fs.readFileSync(path.join(config, `${role}.cnf`), 'utf8'));
        expect(fs.readFileSync(path.join(out, 'role'), 'utf8')).toBe(`${role}\n`);
        const cnf = fs.readFileSync(path.join(out, 'my.cnf'), 'utf8');
        expect(cnf.startsWith(fs.readFileSync(path.join(config, 'my.cnf'), 'utf8'))).toBe(true);
        expect(cnf.match(/^server-id=(\d+)$/gm)).toEqual([`server-id=${offset + ordinal}`]);
        expect(cnf).toContain(fs.readFileSync(path.join(config, `${role}.cnf`), 'utf8'));
      }
    });

    test('refuses a pod of another StatefulSet or below ordinals.start', () => {
      const { docs } = synth(props({ ordinalsStart: 2 }));
      const { scripts, config } = materialize(docs);
      const script = fs.readFileSync(path.join(scripts, 'init-config.sh'), 'utf8');
      for (const pod of ['web-0', 'db-1', 'db-x']) {
        const out = tmpDir('mysql-conf-');
        expect(runScript(script, shell, { POD_NAME: pod, DB_CONFIG_SOURCE: config, DB_CONF_DIR: out }).status).not.toBe(0);
        expect(fs.existsSync(path.join(out, 'my.cnf'))).toBe(false);
      }
    });

    test('init-data.sh keeps existing data and skips the clone and the replication set-up once done', () => {
      const { docs } = synth(props());
      const { scripts } = materialize(docs);
      const script = path.join(scripts, 'init-data.sh');
      for (const ordinal of [0, 1, 2]) {
        const claim = tmpDir('mysql-claim-');
        const data = path.join(claim, 'data');
        fs.mkdirSync(path.join(data, 'mysql'), { recursive: true });
        fs.writeFileSync(path.join(data, 'mysql', 'precious.ibd'), 'rows');
        if (ordinal > 0) fs.writeFileSync(path.join(data, '.cdk8s-stateful-replication'), 'done');
        const r = runScript(fs.readFileSync(script, 'utf8'), shell, {
          POD_NAME: `db-${ordinal}`,
          DB_DATA_DIR: data,
          DB_TMPDIR: tmpDir('mysql-tmp-'),
          DB_ROOT_PASSWORD: 'x',
          DB_REPLICATION_PASSWORD: 'y',
          PATH: '/usr/bin:/bin', // no server on PATH: anything beyond the checks would fail
        });
        expect(r.stderr).toContain(`${data} exists: kept as it is (clone skipped)`);
        if (ordinal > 0) expect(r.stderr).toContain('replication already configured (done)');
        expect(r.status).toBe(0);
        expect(r.stderr).not.toMatch(/cloning|initialising|configuring/);
        expect(fs.readdirSync(claim).sort()).toEqual(['data']);
        expect(fs.readFileSync(path.join(data, 'mysql', 'precious.ibd'), 'utf8')).toBe('rows');
      }
    });

    test('init-data.sh: a new primary on the first pod (no clone), a clone of the previous pod on the others', () => {
      const { docs } = synth(props({ ordinalsStart: 3 }));
      const { scripts } = materialize(docs);
      const script = fs.readFileSync(path.join(scripts, 'init-data.sh'), 'utf8');
      const run = (ordinal: number) => {
        const claim = tmpDir('mysql-claim-');
        // A PATH with only the basic tools: the server binaries are missing, so the step that
        // needs one fails after the branch is chosen and logged; nothing is left behind.
        const r = runScript(script, shell, {
          POD_NAME: `db-${ordinal}`,
          DB_DATA_DIR: path.join(claim, 'data'),
          DB_TMPDIR: tmpDir('mysql-tmp-'),
          DB_ROOT_PASSWORD: 'x',
          DB_REPLICATION_PASSWORD: 'y',
          DB_CLONE_ATTEMPTS: '1',
          DB_DONOR_PORT: '1',
          PATH: '/usr/bin:/bin',
        });
        expect(r.status).not.toBe(0);
        expect(fs.existsSync(path.join(claim, 'data'))).toBe(false);
        return r.stderr;
      };
      const first = run(3);
      expect(first).toContain('db-3 is the first pod: initialising a new primary (clone skipped)');
      expect(first).not.toContain('cloning');
      const second = run(4);
      expect(second).toContain('cloning db-4 from db-3.db:1');
      expect(second).not.toContain('initialising a new primary');
      expect(run(6)).toContain('cloning db-6 from db-5.db:1');
    });

    test('init-data.sh refuses to start without the passwords', () => {
      const { docs } = synth(props());
      const { scripts } = materialize(docs);
      const r = runScript(fs.readFileSync(path.join(scripts, 'init-data.sh'), 'utf8'), shell, {
        POD_NAME: 'db-0', DB_DATA_DIR: path.join(tmpDir(), 'data'), DB_TMPDIR: tmpDir(), DB_ROOT_PASSWORD: 'x',
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('DB_REPLICATION_PASSWORD is empty');
    });

    test('mysqld.sh and probe.sh fail clearly without configuration or server', () => {
      const { docs } = synth(props());
      const { scripts } = materialize(docs);
      const run = (name: string, args: string[], env: Record<string, string>) => {
        const content = fs.readFileSync(path.join(scripts, name), 'utf8');
        return runScript(`set -- ${args.join(' ')}\n${content}`, shell, { DB_CONF_DIR: tmpDir(), DB_DATA_DIR: tmpDir(), DB_TMPDIR: tmpDir(), ...env });
      };
      expect(run('mysqld.sh', [], {}).stderr).toMatch(/my.cnf is missing \(init-config did not run\)/);
      const probe = run('probe.sh', ['readiness'], { DB_ROOT_PASSWORD: 'x', DB_SOCKET: path.join(tmpDir(), 'none.sock') });
      expect(probe.status).not.toBe(0);
    });
  });
});

describe('MySQL 8.4 SQL, generated by sql.sh and checked against the documented statements', () => {
  const { docs } = synth({ user: 'app', database: 'shop', userPassword: Credentials.fromPassword('unused') });
  const { scripts } = materialize(docs);
  const sqlScript = fs.readFileSync(path.join(scripts, 'sql.sh'), 'utf8');
  const ROOT = 'r\'o"o\\t #;$(id)`x`';
  const REPL = '\\\'; DROP USER root; --';
  const APP = 'a\'\'b';
  const env = {
    DB_ROOT_PASSWORD: ROOT,
    DB_REPLICATION_PASSWORD: REPL,
    DB_APP_PASSWORD: APP,
    PRIMARY_HOST: 'db-0.db.default.svc.cluster.local',
    PRIMARY_PORT: '3306',
    DB_DONOR_HOST: 'db-1.db.default.svc.cluster.local',
    DB_DONOR_PORT: '3306',
    DB_CLONE_DIR: '/var/lib/mysql/data.staging',
  };
  const sql = (mode: string, shell = 'sh', e: Record<string, string> = env) => {
    const r = runScript(`set -- ${mode}\n${sqlScript}`, shell, e);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.split('\n').map(l => l.trim()).filter(Boolean);
  };

  test.each(shells())('bootstrap with %s: account statements with the passwords as exact literals', (shell) => {
    const lines = sql('bootstrap', shell);
    expect(lines[0]).toBe('SET SESSION sql_log_bin = 0;');
    const identified = (stmt: RegExp) => {
      const line = lines.find(l => stmt.test(l));
      expect(line).toBeDefined();
      return sqlLiteral(line!.slice(line!.indexOf(' IDENTIFIED BY ') + 15));
    };
    expect(identified(/^ALTER USER 'root'@'localhost' IDENTIFIED BY '/)).toBe(ROOT);
    expect(identified(/^CREATE USER 'root'@'%' IDENTIFIED BY '/)).toBe(ROOT);
    expect(identified(/^CREATE USER 'repl'@'%' IDENTIFIED BY '/)).toBe(REPL);
    expect(identified(/^CREATE USER 'app'@'%' IDENTIFIED BY '/)).toBe(APP);
    expect(lines).toContain('GRANT REPLICATION SLAVE, BACKUP_ADMIN ON *.* TO \'repl\'@\'%\';');
    expect(lines).toContain('CREATE DATABASE IF NOT EXISTS `shop`;');
    expect(lines).toContain('GRANT ALL PRIVILEGES ON `shop`.* TO \'app\'@\'%\';');
    // Nothing but documented account-management statements (MySQL 8.4 Reference Manual 15.7.1).
    for (const l of lines) expect(l).toMatch(/^(SET SESSION sql_log_bin = 0;|(ALTER USER|CREATE USER|GRANT|CREATE DATABASE IF NOT EXISTS) .*;)$/);
  });

  test('replication: CHANGE REPLICATION SOURCE TO with GTID auto-positioning (MySQL 8.4 15.4.2.2)', () => {
    const lines = sql('replication');
    expect(lines).toHaveLength(1);
    const m = /^CHANGE REPLICATION SOURCE TO (.*);$/.exec(lines[0]);
    expect(m).not.toBeNull();
    // Split the option list on commas outside literals.
    const options: Record<string, string> = {};
    let rest = m![1];
    while (rest.length > 0) {
      const om = /^([A-Z_]+) = /.exec(rest)!;
      rest = rest.slice(om[0].length);
      let value: string;
      if (rest[0] === '\'') {
        value = sqlLiteral(rest);
        // Skip past the literal as written.
        let i = 1;
        for (; i < rest.length; i++) {
          if (rest[i] === '\\') { i++; continue; }
          if (rest[i] === '\'') { if (rest[i + 1] === '\'') { i++; continue; } break; }
        }
        rest = rest.slice(i + 1);
      } else {
        value = /^[^,]*/.exec(rest)![0];
        rest = rest.slice(value.length);
      }
      options[om[1]] = value;
      rest = rest.replace(/^, /, '');
    }
    // Every option is one MySQL 8.4 documents for CHANGE REPLICATION SOURCE TO.
    const documented = ['SOURCE_HOST', 'SOURCE_PORT', 'SOURCE_USER', 'SOURCE_PASSWORD', 'SOURCE_AUTO_POSITION', 'SOURCE_SSL',
      'GET_SOURCE_PUBLIC_KEY', 'SOURCE_CONNECT_RETRY', 'SOURCE_RETRY_COUNT'];
    expect(Object.keys(options).sort()).toEqual([...documented].sort());
    expect(options).toEqual({
      SOURCE_HOST: 'db-0.db.default.svc.cluster.local',
      SOURCE_PORT: '3306',
      SOURCE_USER: 'repl',
      SOURCE_PASSWORD: REPL,
      SOURCE_AUTO_POSITION: '1',
      SOURCE_SSL: '1',
      GET_SOURCE_PUBLIC_KEY: '1',
      SOURCE_CONNECT_RETRY: '10',
      SOURCE_RETRY_COUNT: '86400',
    });
    expect(lines[0]).not.toMatch(/MASTER/);
  });

  test('clone: clone_valid_donor_list and CLONE INSTANCE FROM … DATA DIRECTORY (MySQL 8.4 15.7.5)', () => {
    const lines = sql('clone');
    expect(lines[0]).toBe('SET GLOBAL clone_valid_donor_list = \'db-1.db.default.svc.cluster.local:3306\';');
    const m = /^CLONE INSTANCE FROM 'repl'@'db-1\.db\.default\.svc\.cluster\.local':3306 IDENTIFIED BY (.*) DATA DIRECTORY = '\/var\/lib\/mysql\/data\.staging';$/.exec(lines[1]);
    expect(m).not.toBeNull();
    expect(sqlLiteral(m![1])).toBe(REPL);
    expect(lines).toHaveLength(2);
  });

  test('refuses host names and ports that are not', () => {
    for (const [k, v] of [['PRIMARY_HOST', 'db-0\'; DROP'], ['PRIMARY_PORT', '33 06']]) {
      const r = runScript(`set -- replication\n${sqlScript}`, 'sh', { ...env, [k]: v });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
    }
  });
});

describe('examples/mysql.ts (seed 004)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const chart: Chart = require('../examples/mysql').build(Testing.app());
  const docs = Testing.synth(chart) as Doc[];

  test('StatefulSet mysql behind headless Service mysql: 3 servers, a 10Gi data claim each, server-id = 100 + ordinal', () => {
    expect(chart.node.id).toBe('mysql');
    validateManifests(docs);
    crossReference(docs);
    const sts = one(docs, 'StatefulSet', 'mysql');
    expect(sts.spec.serviceName).toBe('mysql');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '10Gi' } } } });
    expect(one(docs, 'Service', 'mysql').spec.clusterIP).toBe('None');
    expect(one(docs, 'Service', 'mysql-read').spec.ports[0].port).toBe(3306);
    const { scripts, config } = materialize(docs);
    for (const ordinal of [0, 1, 2]) {
      const out = tmpDir('mysql-conf-');
      const r = runScript(fs.readFileSync(path.join(scripts, 'init-config.sh'), 'utf8'), 'sh', { POD_NAME: `mysql-${ordinal}`, DB_CONFIG_SOURCE: config, DB_CONF_DIR: out });
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(out, 'server-id.cnf'), 'utf8')).toBe(`[mysqld]\nserver-id=${100 + ordinal}\n`);
      expect(fs.readFileSync(path.join(out, 'role'), 'utf8')).toBe(ordinal === 0 ? 'primary\n' : 'replica\n');
    }
  });
});
