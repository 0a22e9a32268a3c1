import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ClaimRetentionPolicy, Credentials, MySqlFlavor, StatefulMySql, StatefulMySqlProps } from '../src';
import { byKind, crossReference, Doc, one, runScript, shells, tmpDir, validateManifests } from './util/k8s';
import { FakeCluster, FakePod, kubeletMissing } from './util/kubelet';

const sandboxMissing = kubeletMissing();
if (sandboxMissing.length && process.env.CI) {
  test('the kubelet sandbox can run the script tests (CI)', () => { throw new Error(`missing: ${sandboxMissing.join(', ')}`); });
}
const withSandbox = sandboxMissing.length === 0 ? describe : describe.skip;
const SCRIPTS = '/opt/cdk8s-stateful/scripts';
/** argv that runs a script with one of the shells. */
const withShell = (shell: string, script: string, args: string[] = []) => [...(shell === 'busybox' ? ['busybox', 'sh'] : [shell]), `${SCRIPTS}/${script}`, ...args];

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

/** The literal env of a container (the scripts' parameters), as the kubelet sets it. */
const paramsOf = (docs: Doc[], name: string): Record<string, string> =>
  Object.fromEntries((container(docs, name).env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

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
    expect(db.primaryHost).toBe('db-primary');
    expect(db.readHost).toBe('db-read');
    expect(db.podHost(0)).toBe('db-0.db');
    expect(db.headlessService.name).toBe('db');
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
    expect(read.selector).toMatchObject({ 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'db' });
    expect(read.publishNotReadyAddresses).toBeUndefined();
    // Peers find each other while not Ready: a first pod on an empty volume sees replicas
    // whose primary is gone (not Ready) and never starts empty over them.
    expect(one(docs, 'Service', 'db').spec.publishNotReadyAddresses).toBe(true);
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

describe('Service links (issue #9.1): no generated script reads a name a Service link can produce', () => {
  /** Every variable name a shell script expands (`$X`, `${X…}`) or tests with eval. */
  const expanded = (script: string) => new Set([...script.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map(m => m[1]));
  const LINKABLE = /_SERVICE_HOST$|_SERVICE_PORT|_PORT$|_PORT_/;

  test.each([MySqlFlavor.MYSQL, MySqlFlavor.MARIADB])('%s: every script of the db-scripts ConfigMap', (flavor) => {
    const { docs } = synth({ flavor, user: 'app', userPassword: Credentials.fromSecretName('db-credentials', 'app-password') });
    const scripts = one(docs, 'ConfigMap', 'db-scripts').data as Record<string, string>;
    expect(Object.keys(scripts).length).toBeGreaterThanOrEqual(5);
    for (const [name, script] of Object.entries(scripts)) {
      const linkable = [...expanded(script)].filter(v => LINKABLE.test(v));
      expect(`${name}: ${linkable.join(' ')}`).toBe(`${name}: `);
    }
    // The environment the containers get from the pod spec: pod identity, passwords and the
    // scripts' parameters, under names no Service link can produce.
    const spec = podSpec(docs);
    const names = new Set<string>();
    for (const c of [...spec.containers, ...spec.initContainers]) {
      for (const e of c.env ?? []) {
        expect(e.name).not.toMatch(LINKABLE);
        names.add(e.name);
      }
    }
    expect([...names].sort()).toEqual([
      'DB_APP_PASSWORD', 'DB_APP_USER', ...(flavor === MySqlFlavor.MARIADB ? ['DB_CLONE_LISTEN'] : []), 'DB_DONOR_LISTEN', 'DB_FLAVOR',
      'DB_LISTEN', 'DB_PEERS', 'DB_PEER_DOMAIN', 'DB_PRIMARY_POD', 'DB_REPLICATION_PASSWORD', 'DB_REPLICATION_USER',
      'DB_ROOT_PASSWORD', 'DB_SERVER_ID_OFFSET', 'POD_NAME',
    ]);
  });
});

describe('server versions (issue #10.4)', () => {
  test.each([
    ['mysql:8.4', undefined, undefined, '8.4'],
    ['mysql:8.0.36', undefined, undefined, '8.0.36'],
    ['mysql:8.0.36-debian', undefined, undefined, '8.0.36'],
    ['mysql:8.0', undefined, undefined, '8.0'],
    ['mysql:8', undefined, undefined, '8'],
    ['mysql:8.4.3-oracle', undefined, undefined, '8.4.3'],
    ['docker.io/library/mysql:8.4', undefined, undefined, '8.4'],
    ['registry.example.com:5000/mirror/mysql:8.0.40', undefined, undefined, '8.0.40'],
    ['mysql@sha256:' + 'a'.repeat(64), undefined, '8.4', '8.4'],
    ['mysql:latest', undefined, '8.0.39', '8.0.39'],
    ['registry.example.com/team/db-image:prod', undefined, '8.4', '8.4'],
    ['docker.io/library/mariadb:10.11', MySqlFlavor.MARIADB, undefined, '10.11'],
    ['mariadb:11.4', MySqlFlavor.MARIADB, undefined, '11.4'],
    ['mariadb:11.4.2-noble', MySqlFlavor.MARIADB, undefined, '11.4.2'],
    ['mariadb:10', MySqlFlavor.MARIADB, undefined, '10'],
    ['quay.io/mirror/mariadb:11', MySqlFlavor.MARIADB, '11.8', '11.8'],
  ] as Array<[string, MySqlFlavor | undefined, string | undefined, string]>)('%s (flavour %s, version %s) runs %s', (image, flavor, version, expected) => {
    const { db, docs } = synth({ image, flavor, version });
    expect(db.version).toBe(expected);
    expect(podSpec(docs).containers[0].image).toBe(image);
  });

  test('the default images carry supported versions', () => {
    expect(synth().db.version).toBe('8.4');
    expect(synth({ flavor: MySqlFlavor.MARIADB }).db.version).toBe('10.11');
  });

  test.each([
    [{ image: 'mysql:5.7' }, /StatefulMySql: invalid `image` "mysql:5.7": runs MySQL 5.7, which StatefulMySql does not support; supported: MySQL 8.0.26 to 8.4/],
    [{ image: 'mysql:8.0.22' }, /runs MySQL 8.0.22, which StatefulMySql does not support; supported: MySQL 8.0.26 to 8.4/],
    [{ image: 'mysql:9.1' }, /runs MySQL 9.1/],
    [{ image: 'mariadb:10.6', flavor: MySqlFlavor.MARIADB }, /`image` "mariadb:10.6": runs MariaDB 10.6, which StatefulMySql does not support; supported: MariaDB 10.11 and 11.x/],
    [{ image: 'mariadb:5.5', flavor: MySqlFlavor.MARIADB }, /runs MariaDB 5.5/],
    [{ image: 'mariadb:11.4' }, /`image` "mariadb:11.4": is a MariaDB image but `flavor` is MySqlFlavor.MYSQL/],
    [{ image: 'mysql:8.4', flavor: MySqlFlavor.MARIADB }, /is a MySQL image but `flavor` is MySqlFlavor.MARIADB/],
    [{ image: 'mysql' }, /`image` "mysql": has no tag StatefulMySql can read a MySQL version from .*set `version`/],
    [{ image: 'mysql:latest' }, /has no tag StatefulMySql can read/],
    [{ image: 'mysql@sha256:' + 'b'.repeat(64) }, /has no tag StatefulMySql can read/],
    [{ image: 'mysql:8.0.36@sha256:' + 'b'.repeat(64) }, /has no tag StatefulMySql can read/],
    [{ image: 'registry.example.com/db:prod', version: '5.7' }, /`version` "5.7": runs MySQL 5.7, which StatefulMySql does not support/],
    [{ image: 'mysql:8.4', version: '8.0.36' }, /`version` "8.0.36": contradicts the tag of image "mysql:8.4"/],
    [{ image: 'mysql:latest', version: 'eight' }, /`version` "eight": must be a server version/],
  ] as Array<[StatefulMySqlProps, RegExp]>)('refuses %j', (props, error) => {
    expect(() => synth(props)).toThrow(error);
  });
});

describe('Secrets (issue #10.5): unset passwords come from the Secret the user named, never another', () => {
  test('only rootPassword from db-secrets: the replication password is key replication-password of db-secrets', () => {
    const { docs, db } = synth({ rootPassword: Credentials.fromSecretName('db-secrets', 'root-password') });
    expect(db.replicationPassword.key).toBe('replication-password');
    const names = new Set(podSpec(docs).initContainers.concat(podSpec(docs).containers)
      .flatMap((c: any) => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name).filter(Boolean)));
    expect([...names]).toEqual(['db-secrets']);
    expect(byKind(docs, 'Secret')).toHaveLength(0);
  });

  test('only replicationPassword (or only the app password) named: root comes from that Secret under root-password', () => {
    expect(synth({ replicationPassword: Credentials.fromSecretName('repl-secret', 'pw') }).db.rootPassword).toMatchObject({ key: 'root-password' });
    const only = synth({ replicationPassword: Credentials.fromSecretName('repl-secret', 'pw') }).db;
    expect(only.rootPassword.secret.name).toBe('repl-secret');
    const app = synth({ user: 'app', userPassword: Credentials.fromSecretName('app-secret', 'password') }).db;
    expect([app.rootPassword.secret.name, app.rootPassword.key]).toEqual(['app-secret', 'root-password']);
    expect([app.replicationPassword.secret.name, app.replicationPassword.key]).toEqual(['app-secret', 'replication-password']);
  });

  test('no password prop at all: the documented <name>-credentials Secret', () => {
    const { db } = synth();
    expect([db.rootPassword.secret.name, db.rootPassword.key, db.replicationPassword.secret.name, db.replicationPassword.key])
      .toEqual(['db-credentials', 'root-password', 'db-credentials', 'replication-password']);
  });

  test('a literal password alone cannot lend its Secret: synth names the missing prop', () => {
    expect(() => synth({ rootPassword: Credentials.fromPassword('x') }))
      .toThrow(/StatefulMySql: `replicationPassword` is required: rootPassword is Credentials.fromPassword\(\)/);
    expect(() => synth({ replicationPassword: Credentials.fromPassword('x') }))
      .toThrow(/StatefulMySql: `rootPassword` is required: replicationPassword is Credentials.fromPassword\(\)/);
  });

  withSandbox('with the kubelet stand-in', () => {
    test('a Secret that exists in the cluster only (db-secrets): every container of every pod gets all its env', () => {
      for (const flavor of [MySqlFlavor.MYSQL, MySqlFlavor.MARIADB]) {
        const { docs } = synth({ flavor, rootPassword: Credentials.fromSecretName('db-secrets', 'root-password') });
        const c = new FakeCluster(docs, { secrets: { 'db-secrets': { 'root-password': 'r00t', 'replication-password': 'r3pl' } } });
        try {
          for (const ordinal of [0, 1, 2]) {
            const pod = c.pod('db', ordinal);
            for (const name of [...pod.initContainerNames, ...pod.containerNames]) {
              const env = pod.env(name);
              if (name !== 'init-config') expect(env.DB_ROOT_PASSWORD).toBe('r00t');
              if (name === 'init-data' || name === 'clone-source') expect(env.DB_REPLICATION_PASSWORD).toBe('r3pl');
            }
          }
        } finally { void c.destroy(); }
      }
    });
  });
});

describe('config hash (issue #10.6)', () => {
  const hash = (props: StatefulMySqlProps) => podSpecMeta(synth(props).docs).annotations['cdk8s-stateful/config-hash'];
  const podSpecMeta = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.metadata;

  test('serverOptions change the pod template; the same options (in any order) do not', () => {
    const base = hash({});
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({ serverOptions: { max_connections: '500' } })).not.toBe(base);
    expect(hash({ serverOptions: { max_connections: '500' } })).not.toBe(hash({ serverOptions: { max_connections: '501' } }));
    expect(hash({ serverOptions: { max_connections: '500', innodb_buffer_pool_size: '1G' } }))
      .toBe(hash({ serverOptions: { innodb_buffer_pool_size: '1G', max_connections: '500' } }));
    expect(hash({})).toBe(base);
    expect(hash({ flavor: MySqlFlavor.MARIADB })).not.toBe(base);
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
    expect(db.primaryHost).toBe('orders-primary.shop.svc.cluster.local');
    expect(db.readHost).toBe('orders-read.shop.svc.cluster.local');
    expect(db.podHost(5)).toBe('orders-5.orders.shop.svc.cluster.local');
    // The scripts replicate from the first pod, not through the Service.
    expect(container(docs, 'init-data').env.find((e: any) => e.name === 'DB_PRIMARY_POD').value).toBe('orders-5.orders.shop.svc.cluster.local');
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
    // Shared props: the core validates them, the error names StatefulMySql and the prop.
    [{ storageSize: Size.kibibytes(0) }, /^StatefulMySql: invalid `storageSize`/],
    [{ storageAccessModes: [] }, /^StatefulMySql: invalid `storageAccessModes`/],
    [{ storageClaimName: 'Data' }, /^StatefulMySql: invalid `storageClaimName`/],
    [{ runAsGroup: -1 }, /^StatefulMySql: invalid `runAsGroup`/],
    [{ maxUnavailable: 0 }, /^StatefulMySql: invalid `maxUnavailable`/],
    [{ primaryServiceName: 'Primary' }, /^StatefulMySql: invalid `primaryServiceName` "Primary"/],
    [{ readServiceName: '0read' }, /^StatefulMySql: invalid `readServiceName` "0read"/],
    [{ primaryServiceName: 'db' }, /^StatefulMySql: invalid `primaryServiceName` "db": must differ from the headless Service's name/],
    [{ readServiceName: 'db-primary' }, /^StatefulMySql: invalid `readServiceName` "db-primary": must differ from the primary Service's name/],
    [{ serviceName: 'db-read' }, /^StatefulMySql: invalid `serviceName` "db-read": must differ from the headless Service's name/],
  ] as Array<[StatefulMySqlProps, RegExp]>)('fails on bad props %#', (props, error) => {
    expect(() => synth(props)).toThrow(error);
  });

  test('shared props reach the pod spec: claim name (mounted by init-data and clone-source), annotations, pull policy, group, PDB', () => {
    const { docs } = synth({
      flavor: MySqlFlavor.MARIADB,
      storageClaimName: 'mysql-data',
      podAnnotations: { 'example.com/team': 'db' },
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      runAsGroup: 1000,
      maxUnavailable: 2,
      serviceName: 'db-hs',
      claimRetentionWhenScaled: ClaimRetentionPolicy.RETAIN,
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.serviceName).toBe('db-hs');
    expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['mysql-data']);
    for (const c of ['init-data', 'mariadb', 'clone-source']) {
      expect(container(docs, c).volumeMounts.find((m: any) => m.mountPath === '/var/lib/mysql').name).toBe('mysql-data');
    }
    expect(sts.spec.template.metadata.annotations['example.com/team']).toBe('db');
    expect(container(docs, 'mariadb').imagePullPolicy).toBe('Always');
    expect(sts.spec.template.spec.securityContext.runAsGroup).toBe(1000);
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
    // Peers are found through the headless Service, whatever its name.
    expect(paramsOf(docs, 'init-data').DB_PEER_DOMAIN).toBe('db-hs');
    expect(paramsOf(docs, 'init-data').DB_PRIMARY_POD).toBe('db-0.db-hs');
  });

  test('primaryServiceName / readServiceName name the client Services; primaryHost and readHost follow them', () => {
    const { db, docs } = synth({ primaryServiceName: 'orders-write', readServiceName: 'orders-reads' });
    expect(one(docs, 'Service', 'orders-write').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('db-0');
    expect(one(docs, 'Service', 'orders-reads').spec.selector['statefulset.kubernetes.io/pod-name']).toBeUndefined();
    expect(db.primaryService.name).toBe('orders-write');
    expect([db.primaryHost, db.readHost]).toEqual(['orders-write', 'orders-reads']);
  });

  test('the namespace defaults to the Chart\'s: every object, the Secrets it creates and every host name follow it', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'shop' });
    const db = new StatefulMySql(chart, 'db', { rootPassword: Credentials.fromPassword('x'), replicationPassword: Credentials.fromPassword('y') });
    const docs = Testing.synth(chart) as Doc[];
    for (const d of docs) expect(`${d.kind}/${d.metadata.name} ${d.metadata.namespace}`).toBe(`${d.kind}/${d.metadata.name} shop`);
    expect(db.namespace).toBe('shop');
    expect(db.primaryHost).toBe('db-primary.shop.svc.cluster.local');
    expect(db.readHost).toBe('db-read.shop.svc.cluster.local');
    expect(paramsOf(docs, 'init-data').DB_PRIMARY_POD).toBe('db-0.db.shop.svc.cluster.local');
    expect(paramsOf(docs, 'init-data').DB_PEER_DOMAIN).toBe('db.shop.svc.cluster.local');
  });

  test('app.kubernetes.io/name is the application, app.kubernetes.io/instance the StatefulSet', () => {
    for (const [flavor, app] of [[MySqlFlavor.MYSQL, 'mysql'], [MySqlFlavor.MARIADB, 'mariadb']]) {
      const { docs } = synth({ flavor: flavor as MySqlFlavor, name: 'orders' });
      expect(one(docs, 'StatefulSet').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': 'orders' });
    }
  });

  test('serverIdOffset 0 is allowed when the ordinals start at 1 (ids stay >= 1)', () => {
    expect(() => synth({ serverIdOffset: 0, ordinalsStart: 1 })).not.toThrow();
    expect(() => synth({ serverIdOffset: 4294967295 - 7, ordinalsStart: 5 })).not.toThrow();
    expect(() => synth({ serverIdOffset: 4294967295 - 6, ordinalsStart: 5 })).toThrow(/serverIdOffset/);
  });
});


withSandbox.each(['MySQL', 'MariaDB'] as MySqlFlavor[])('%s scripts, executed in pods of the kubelet stand-in', (flavor) => {
  const props = (extra: StatefulMySqlProps = {}): StatefulMySqlProps => ({ flavor: flavor as MySqlFlavor, ...extra });
  const clusters: FakeCluster[] = [];
  const secrets = { 'db-credentials': { 'root-password': 'r00t', 'replication-password': 'r3pl' } };
  const cluster = (docs: Doc[]) => { const c = new FakeCluster(docs, { secrets }); clusters.push(c); return c; };
  afterAll(async () => { for (const c of clusters) await c.destroy(); });

  describe.each(flavor === 'MySQL' ? shells() : ['sh'])('with %s', (shell) => {
    test.each([
      [{}, [0, 1, 2, 3], 100, 0],
      [{ ordinalsStart: 5, serverIdOffset: 1000 }, [5, 6, 7, 8], 1000, 5],
    ] as Array<[StatefulMySqlProps, number[], number, number]>)('init-config %j: server-id = offset + ordinal, primary.cnf on the first pod only', (extra, ordinals, offset, start) => {
      const { docs } = synth(props({ replicas: 4, ...extra }));
      const config = one(docs, 'ConfigMap', 'db-config').data;
      const c = cluster(docs);
      for (const ordinal of ordinals) {
        const pod = c.pod('db', ordinal);
        // One process per pod (the sandbox is slow to enter): the script, then its output files.
        const files = ['server-id.cnf', 'role.cnf', 'role', 'my.cnf'];
        const r = pod.exec('init-config', ['sh', '-c', `"$@" && for f in ${files.join(' ')}; do printf '\\n==%s\\n' "$f"; cat "/etc/mysql-stateful/$f"; done`,
          'sh', ...withShell(shell, 'init-config.sh')]);
        expect(r.stderr).toContain(`server-id ${offset + ordinal}`);
        expect(r.status).toBe(0);
        const out = Object.fromEntries(r.stdout.split(/\n==([^\n]+)\n/).slice(1).reduce((acc: string[][], x, i, a) => (i % 2 === 0 ? [...acc, [x, a[i + 1]]] : acc), []));
        const read = (f: string) => out[f];
        expect(read('server-id.cnf')).toBe(`[mysqld]\nserver-id=${offset + ordinal}\n`);
        const role = ordinal === start ? 'primary' : 'replica';
        expect(read('role.cnf')).toBe(config[`${role}.cnf`]);
        expect(read('role')).toBe(`${role}\n`);
        const cnf = read('my.cnf');
        expect(cnf.startsWith(config['my.cnf'])).toBe(true);
        expect(cnf.match(/^server-id=(\d+)$/gm)).toEqual([`server-id=${offset + ordinal}`]);
        expect(cnf).toContain(config[`${role}.cnf`]);
      }
    });

    test('init-config refuses a pod of another StatefulSet or below ordinals.start', () => {
      const { docs } = synth(props({ ordinalsStart: 2 }));
      const pod = cluster(docs).pod('db', 2);
      for (const name of ['web-0', 'db-1', 'db-x']) {
        const r = pod.exec('init-config', withShell(shell, 'init-config.sh'), { env: { POD_NAME: name } });
        expect(r.status).not.toBe(0);
        expect(pod.exec('init-config', ['test', '-e', '/etc/mysql-stateful/my.cnf']).status).not.toBe(0);
      }
    });

    test('init-data keeps existing data and skips the clone and the replication set-up once done', () => {
      const { docs } = synth(props());
      const c = cluster(docs);
      for (const ordinal of [0, 1, 2]) {
        const pod = c.pod('db', ordinal);
        pod.exec('init-data', ['true']); // lays out the pod's volumes
        const data = path.join(pod.claimDir('data'), 'data');
        fs.mkdirSync(path.join(data, 'mysql'), { recursive: true });
        fs.writeFileSync(path.join(data, 'mysql', 'precious.ibd'), 'rows');
        if (ordinal > 0) fs.writeFileSync(path.join(data, '.cdk8s-stateful-replication'), 'done');
        const r = pod.exec('init-data', withShell(shell, 'init-data.sh'));
        expect(r.stderr).toContain('/var/lib/mysql/data exists: kept as it is (clone skipped)');
        if (ordinal > 0) expect(r.stderr).toContain('replication already configured (done)');
        expect(r.status).toBe(0);
        expect(r.stderr).not.toMatch(/cloning|initialising|configuring|peer/);
        expect(fs.readdirSync(pod.claimDir('data')).sort()).toEqual(['data']);
        expect(fs.readFileSync(path.join(data, 'mysql', 'precious.ibd'), 'utf8')).toBe('rows');
      }
    });

    test('init-data refuses to start without the passwords', () => {
      const { docs } = synth(props());
      const pod = cluster(docs).pod('db', 0);
      const r = pod.exec('init-data', withShell(shell, 'init-data.sh'), { env: { DB_REPLICATION_PASSWORD: '' } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('DB_REPLICATION_PASSWORD is empty');
      expect(fs.existsSync(path.join(pod.claimDir('data'), 'data'))).toBe(false);
    });

    test('mysqld.sh and probe.sh fail clearly without configuration or server', () => {
      const { docs } = synth(props());
      const pod = cluster(docs).pod('db', 0);
      const main = flavor === 'MySQL' ? 'mysql' : 'mariadb';
      expect(pod.exec(main, withShell(shell, 'mysqld.sh')).stderr).toMatch(/my.cnf is missing \(init-config did not run\)/);
      expect(pod.exec(main, withShell(shell, 'probe.sh', ['readiness'])).status).not.toBe(0);
    });
  });

  // The branches of init-data on an empty volume; the peers' servers do not run here (the
  // real-server suite runs them), so each branch fails after it is chosen and logged, and
  // leaves no data directory behind.
  describe.each(flavor === 'MySQL' ? shells() : ['sh'])('init-data on an empty volume, with %s', (shell) => {
    const run = (pod: FakePod) => {
      const r = pod.exec('init-data', withShell(shell, 'init-data.sh'));
      expect(fs.existsSync(path.join(pod.claimDir('data'), 'data'))).toBe(false);
      return r;
    };

    test('the first pod of a new set (no peer in DNS) initialises a primary; a pod that is not first clones the previous pod', () => {
      if (flavor === 'MariaDB') return; // mariadb-install-db is real here: the real-server suite covers this branch
      const { docs } = synth(props({ ordinalsStart: 3, replicas: 4 }));
      const c = cluster(docs);
      const first = run(c.pod('db', 3));
      expect(first.status).not.toBe(0);
      expect(first.stderr).toContain('db-3 is the first pod and no peer exists: initialising a new primary (clone skipped)');
      expect(first.stderr).not.toContain('cloning');
      const second = run(c.pod('db', 4));
      expect(second.status).not.toBe(0);
      expect(second.stderr).toContain('cloning db-4 from db-3.db:3306');
      expect(second.stderr).not.toContain('initialising a new primary');
    });

    test('the first pod on an empty volume fails closed while a peer exists in DNS but does not answer', () => {
      const { docs } = synth(props());
      const c = cluster(docs);
      const p0 = c.pod('db', 0);
      c.pod('db', 2).exec('init-data', ['true']); // exists (its DNS name resolves, its address answers) but runs no server
      const r = run(p0);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('peer db-1.db does not exist');
      expect(r.stderr).toMatch(/peer db-2\.db exists but does not answer .*: not starting an empty primary over it/);
      expect(r.stderr).not.toMatch(/initialising|cloning/);
    });

    test('a replica fails closed when its donor does not answer', () => {
      const { docs } = synth(props());
      const c = cluster(docs);
      c.pod('db', 0);
      const r = run(c.pod('db', 1));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(flavor === 'MySQL' ? /donor db-0.db:3306 is not reachable|initialising .* failed/ : /no backup from the donor db-0.db:3307/);
      expect(r.stderr).not.toContain('configuring replication');
    });
  });
});

describe('MariaDB SQL, generated by sql.sh', () => {
  const { docs } = synth({ flavor: MySqlFlavor.MARIADB });
  const sqlScript = one(docs, 'ConfigMap', 'db-scripts').data['sql.sh'];
  const env = { ...paramsOf(docs, 'init-data'), DB_ROOT_PASSWORD: 'r', DB_REPLICATION_PASSWORD: 'p' };
  const sql = (args: string) => runScript(`set -- ${args}\n${sqlScript}`, 'sh', env);

  test('bootstrap: root loses READ_ONLY ADMIN, so read_only replicas refuse root\'s writes', () => {
    expect(sql('bootstrap').stdout).toContain('REVOKE READ_ONLY ADMIN ON *.* FROM \'root\'@\'localhost\', \'root\'@\'%\';');
  });

  test('replication from a clone sets the clone\'s GTID position; promote gives a clone the binary log state of its donor', () => {
    expect(sql('replication db-0.db 3306 0-100-42').stdout.split('\n').map(l => l.trim()).filter(Boolean)).toEqual([
      'SET GLOBAL gtid_slave_pos = \'0-100-42\';',
      'CHANGE MASTER TO MASTER_HOST = \'db-0.db\', MASTER_PORT = 3306, MASTER_USER = \'repl\', MASTER_PASSWORD = \'p\', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 10;',
    ]);
    expect(sql('promote 0-100-42,1-101-7').stdout.split('\n').map(l => l.trim()).filter(Boolean)).toEqual([
      'STOP ALL SLAVES;', 'RESET SLAVE ALL;', 'RESET MASTER;', 'SET GLOBAL gtid_binlog_state = \'0-100-42,1-101-7\';',
    ]);
    for (const bad of ['promote "0-1-2\'; DROP"', 'replication db-0.db 3306 x']) {
      const r = sql(bad);
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
    }
  });
});

describe('MySQL 8.4 SQL, generated by sql.sh and checked against the documented statements', () => {
  const { docs } = synth({ user: 'app', database: 'shop', userPassword: Credentials.fromSecretName('db-credentials', 'app-password') });
  const { scripts } = materialize(docs);
  const sqlScript = fs.readFileSync(path.join(scripts, 'sql.sh'), 'utf8');
  const ROOT = 'r\'o"o\\t #;$(id)`x`';
  const REPL = '\\\'; DROP USER root; --';
  const APP = 'a\'\'b\\n\\\\';
  const env = {
    ...paramsOf(docs, 'init-data'),
    DB_ROOT_PASSWORD: ROOT,
    DB_REPLICATION_PASSWORD: REPL,
    DB_APP_PASSWORD: APP,
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
    const lines = sql('replication db-0.db.default.svc.cluster.local 3306');
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
    const lines = sql('clone db-1.db.default.svc.cluster.local 3306 /var/lib/mysql/data.staging');
    expect(lines[0]).toBe('SET GLOBAL clone_valid_donor_list = \'db-1.db.default.svc.cluster.local:3306\';');
    const m = /^CLONE INSTANCE FROM 'repl'@'db-1\.db\.default\.svc\.cluster\.local':3306 IDENTIFIED BY (.*) DATA DIRECTORY = '\/var\/lib\/mysql\/data\.staging';$/.exec(lines[1]);
    expect(m).not.toBeNull();
    expect(sqlLiteral(m![1])).toBe(REPL);
    expect(lines).toHaveLength(2);
  });

  test('refuses host names and ports that are not', () => {
    for (const args of ['replication "db-0\'; DROP" 3306', 'replication db-0.db "33 06"', 'replication db-0.db', 'clone db-1.db 3306x /d']) {
      const r = runScript(`set -- ${args}\n${sqlScript}`, 'sh', env);
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
  });

  withSandbox('in pods of the kubelet stand-in', () => {
    let c: FakeCluster;
    beforeAll(() => { c = new FakeCluster(docs, { secrets: { 'mysql-credentials': { 'root-password': 'r', 'replication-password': 'p' } } }); });
    afterAll(async () => c.destroy());
    test('init-config: server-id = 100 + ordinal, the primary\'s cnf on pod 0, the replicas\' on the others', () => {
      for (const ordinal of [0, 1, 2]) {
        const pod = c.pod('mysql', ordinal);
        const r = pod.exec('init-config', pod.argv('init-config'));
        expect(r.status).toBe(0);
        expect(pod.exec('init-config', ['cat', '/etc/mysql-stateful/server-id.cnf']).stdout).toBe(`[mysqld]\nserver-id=${100 + ordinal}\n`);
        expect(pod.exec('init-config', ['cat', '/etc/mysql-stateful/role']).stdout).toBe(ordinal === 0 ? 'primary\n' : 'replica\n');
      }
    });
  });
});
