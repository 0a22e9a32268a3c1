/**
 * StatefulZooKeeper's synthesized manifest, errors and scripts. The servers themselves are
 * exercised in test/zookeeper-server.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Credentials, StatefulZooKeeper, StatefulZooKeeperProps } from '../src';
import { secretLeaks } from './util/fuzz';
import { byKind, crossReference, Doc, hasCommand, one, runScript, shells, tmpDir, validateManifests } from './util/k8s';

/** The shipped script files (src/zookeeper/scripts/*.sh): what the pods run. */
const SCRIPT_DIR = path.join(__dirname, '..', 'src', 'zookeeper', 'scripts');
const shipped = (file: string) => fs.readFileSync(path.join(SCRIPT_DIR, file), 'utf8');
const PROBE_SCRIPT = shipped('zk-probe.sh');
const START_SCRIPT = shipped('zk-start.sh');
const INIT_SCRIPT = shipped('zk-init.sh');
const AUTH_SCRIPT = shipped('zk-auth.sh');

function synth(props: StatefulZooKeeperProps = {}, id = 'zk'): { zk: StatefulZooKeeper; docs: Doc[] } {
  const chart = Testing.chart();
  const zk = new StatefulZooKeeper(chart, id, props);
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  crossReference(docs);
  return { zk, docs };
}

const zooCfg = (docs: Doc[], name = 'zk-config') => one(docs, 'ConfigMap', name).data['zoo.cfg'] as string;
const scripts = (docs: Doc[]) => one(docs, 'ConfigMap', 'zk-scripts').data as Record<string, string>;
const podSpec = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.spec;
const container = (docs: Doc[]) => podSpec(docs).containers[0];

describe('defaults', () => {
  const { zk, docs } = synth();

  test('snapshot', () => expect(docs).toMatchSnapshot());

  test('3 servers of the official image, Parallel start, not-ready addresses published, retained claims', () => {
    const sts = one(docs, 'StatefulSet', 'zk');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.updateStrategy.type).toBe('RollingUpdate');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(container(docs).image).toBe('zookeeper:3.9');
    const headless = one(docs, 'Service', 'zk');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual([2181, 2888, 3888]);
    const client = one(docs, 'Service', 'zk-client');
    expect(client.spec.ports).toEqual([{ name: 'client', port: 2181, targetPort: 2181, protocol: 'TCP' }]);
    expect(zk.clientHost).toBe('zk-client');
  });

  test('zoo.cfg: every member by its stable name, ids ordinal + 1, only the probes\' four-letter words', () => {
    const cfg = zooCfg(docs);
    expect(cfg.split('\n').filter(l => l.startsWith('server.'))).toEqual([
      'server.1=zk-0.zk:2888:3888;2181',
      'server.2=zk-1.zk:2888:3888;2181',
      'server.3=zk-2.zk:2888:3888;2181',
    ]);
    for (const line of ['quorumListenOnAllIPs=true', 'dataDir=/data', '4lw.commands.whitelist=srvr,ruok', 'admin.enableServer=false',
      'autopurge.snapRetainCount=3', 'autopurge.purgeInterval=24', 'tickTime=2000', 'initLimit=10', 'syncLimit=5', 'reconfigEnabled=false']) {
      expect(cfg.split('\n')).toContain(line);
    }
    expect(cfg).not.toMatch(/dataLogDir/);
    expect(zk.zooCfg).toBe(cfg);
    // The probes use exactly the whitelisted words.
    expect(PROBE_SCRIPT).toMatch(/four srvr/);
    expect(PROBE_SCRIPT).toMatch(/four ruok/);
  });

  test('the server runs zkServer.sh in the foreground through zk-start.sh, non-root, read-only root, writable /logs and /tmp', () => {
    const c = container(docs);
    expect(c.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/zk-start.sh', '/zookeeper-config/zoo.cfg']);
    expect(c.args).toBeUndefined();
    expect(START_SCRIPT).toMatch(/^exec zkServer\.sh start-foreground "\$CFG"$/m);
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(podSpec(docs).securityContext).toMatchObject({ fsGroup: 1000 });
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts).toMatchObject({ '/data': 'data', '/logs': 'zk-logs', '/tmp': 'zk-tmp', '/zookeeper-config': 'zookeeper-init-output' });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.ZK_MEMORY_LIMIT_MIB).toEqual({ resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } });
    expect(env.ZOO_LOG_DIR).toBe('/logs');
    expect(c.resources).toEqual({ limits: { memory: '1024Mi' }, requests: { cpu: '100m', memory: '512Mi' } });
  });

  test('probes: readiness = serving in a quorum (srvr), liveness = ruok', () => {
    const c = container(docs);
    expect(c.readinessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/zk-probe.sh', 'readiness', '2181']);
    expect(c.livenessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/zk-probe.sh', 'liveness', '2181']);
    expect(c.livenessProbe.initialDelaySeconds).toBeGreaterThanOrEqual(30);
  });

  test('a PodDisruptionBudget that keeps a quorum', () => {
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('connectString: every server\'s stable name and client port', () => {
    expect(zk.connectString).toBe('zk-0.zk:2181,zk-1.zk:2181,zk-2.zk:2181');
    expect(zk.podHost(1)).toBe('zk-1.zk');
    expect((zk as any).serverHost).toBeUndefined();
    expect(zk.serverId(2)).toBe(3);
  });

  test('the init container writes myid on the data claim, with the config and output volumes', () => {
    const init = podSpec(docs).initContainers[0];
    expect(init.name).toBe('zookeeper-init');
    expect(init.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/data', '/mnt/zookeeper-config', '/opt/cdk8s-stateful/scripts', '/zookeeper-config']);
    // The ordinal preamble (which exports POD_NAME and ORDINAL) runs the shipped zk-init.sh; no auth step without auth.
    const ordinal = scripts(docs)['zookeeper-init.sh'];
    expect(ordinal).toMatch(/^export POD_NAME STS_NAME ORDINAL /m);
    expect(ordinal).toMatch(/^sh \/opt\/cdk8s-stateful\/scripts\/zk-init\.sh$/m);
    expect(ordinal).not.toMatch(/zk-auth|ZK_DATA_DIR/);
  });

  test('the pods run the very files that ship: every script in the ConfigMap is a src/zookeeper/scripts file, byte for byte', () => {
    const data = scripts(docs);
    expect(Object.keys(data).sort()).toEqual(['zk-init.sh', 'zk-probe.sh', 'zk-start.sh', 'zookeeper-init.sh']);
    for (const file of ['zk-init.sh', 'zk-probe.sh', 'zk-start.sh']) expect(data[file]).toBe(shipped(file));
    const withAuth = scripts(synth({ auth: true }).docs);
    expect(withAuth['zk-auth.sh']).toBe(AUTH_SCRIPT);
    expect(withAuth['zookeeper-init.sh']).toMatch(/^sh \/opt\/cdk8s-stateful\/scripts\/zk-init\.sh\n(.*\n)?sh \/opt\/cdk8s-stateful\/scripts\/zk-auth\.sh$/m);
  });

  test('labels: app.kubernetes.io/name is the application, instance the StatefulSet', () => {
    for (const d of docs) expect(d.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'zookeeper', 'app.kubernetes.io/instance': 'zk' });
  });
});

describe('props', () => {
  test.each([1, 5, 7])('%i servers: a server line each, PDB maxUnavailable (n - 1) / 2', (replicas) => {
    const { docs } = synth({ replicas });
    expect(zooCfg(docs).match(/^server\./gm)).toHaveLength(replicas);
    const pdbs = byKind(docs, 'PodDisruptionBudget');
    if (replicas === 1) expect(pdbs).toHaveLength(0);
    else expect(pdbs[0].spec.maxUnavailable).toBe((replicas - 1) / 2);
  });

  test('ordinalsStart: ids are still ordinal + 1', () => {
    const { zk, docs } = synth({ ordinalsStart: 4 });
    expect(one(docs, 'StatefulSet').spec.ordinals).toEqual({ start: 4 });
    expect(zooCfg(docs).split('\n').filter(l => l.startsWith('server.'))).toEqual([
      'server.5=zk-4.zk:2888:3888;2181', 'server.6=zk-5.zk:2888:3888;2181', 'server.7=zk-6.zk:2888:3888;2181',
    ]);
    expect(zk.connectString).toBe('zk-4.zk:2181,zk-5.zk:2181,zk-6.zk:2181');
  });

  test('a namespace makes every name an FQDN', () => {
    const { zk, docs } = synth({ namespace: 'coord', clusterDomain: 'k8s.example.com', serviceName: 'zk-hs', clientServiceName: 'zookeeper' });
    expect(zooCfg(docs)).toContain('server.1=zk-0.zk-hs.coord.svc.k8s.example.com:2888:3888;2181');
    expect(zk.connectString.split(',')[2]).toBe('zk-2.zk-hs.coord.svc.k8s.example.com:2181');
    expect(zk.clientHost).toBe('zookeeper.coord.svc.k8s.example.com');
  });

  test('the namespace defaults to the Chart\'s: every object and host name follows it', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'coord' });
    const zk = new StatefulZooKeeper(chart, 'zk', { auth: true, clientCredentials: Credentials.fromPassword('pw') });
    const docs = Testing.synth(chart) as Doc[];
    for (const d of docs) expect([d.kind, d.metadata.namespace]).toEqual([d.kind, 'coord']);
    expect(zk.namespace).toBe('coord');
    expect(zk.clientHost).toBe('zk-client.coord.svc.cluster.local');
    expect(zk.podHost(0)).toBe('zk-0.zk.coord.svc.cluster.local');
    expect(zooCfg(docs)).toContain('server.1=zk-0.zk.coord.svc.cluster.local:2888:3888;2181');
  });

  test('shared props reach the pod spec: rollout, Service links, sidecars and init containers (before ZooKeeper\'s)', () => {
    const { docs } = synth({
      partition: 2,
      minReady: Duration.seconds(5),
      revisionHistoryLimit: 4,
      enableServiceLinks: true,
      maxUnavailable: 1,
      initContainers: [{ name: 'wait', image: 'busybox:1.36', command: ['true'] }],
      sidecars: [{ name: 'exporter', image: 'exporter:1', portNumber: 9141 }],
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(sts.spec.minReadySeconds).toBe(5);
    expect(sts.spec.revisionHistoryLimit).toBe(4);
    expect(podSpec(docs).enableServiceLinks).toBe(true);
    expect(podSpec(docs).initContainers.map((c: any) => c.name)).toEqual(['wait', 'zookeeper-init']);
    expect(podSpec(docs).containers.map((c: any) => c.name)).toEqual(['zookeeper', 'exporter']);
    expect(podSpec(synth().docs).enableServiceLinks).toBe(false);
  });

  test('a separate transaction-log claim at /datalog', () => {
    const { docs } = synth({ dataLogStorageSize: Size.gibibytes(5), dataLogStorageClassName: 'fast-ssd', storageClassName: 'standard' });
    expect(zooCfg(docs)).toMatch(/^dataLogDir=\/datalog$/m);
    const claims = one(docs, 'StatefulSet').spec.volumeClaimTemplates;
    expect(claims.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage]))
      .toEqual([['data', 'standard', '1Gi'], ['datalog', 'fast-ssd', '5Gi']]);
    expect(container(docs).volumeMounts.find((m: any) => m.mountPath === '/datalog').name).toBe('datalog');
  });

  test('heap: an explicit heapSize, or 75% of the memory limit, or the JVM default without a limit', () => {
    const env = (docs: Doc[]) => Object.fromEntries(container(docs).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env(synth({ heapSize: Size.mebibytes(300) }).docs)).toMatchObject({ ZK_HEAP_MIB: '300' });
    const noLimit = env(synth({ resources: { memory: { request: Size.mebibytes(256) } } }).docs);
    expect(noLimit.ZK_HEAP_MIB).toBeUndefined();
    expect(noLimit.ZK_MEMORY_LIMIT_MIB).toBeUndefined();
  });

  test('tuning props reach zoo.cfg', () => {
    const { docs } = synth({
      tickTime: Duration.millis(3000), initLimit: 20, syncLimit: 4, snapshotRetainCount: 5, purgeIntervalHours: 0, maxClientConnections: 0,
    });
    const lines = zooCfg(docs).split('\n');
    for (const l of ['tickTime=3000', 'initLimit=20', 'syncLimit=4', 'autopurge.snapRetainCount=5', 'autopurge.purgeInterval=0', 'maxClientCnxns=0']) expect(lines).toContain(l);
  });
});

describe('auth (SASL DIGEST-MD5)', () => {
  const PASSWORD = 'p@ss "w0rd" \\ $HOME `id`';
  const { docs } = synth({ auth: true, clientUser: 'app', clientCredentials: Credentials.fromPassword(PASSWORD), quorumCredentials: Credentials.fromSecretName('zk-peers', 'secret') });

  test('zoo.cfg requires SASL from every client session and between the servers', () => {
    const lines = zooCfg(docs).split('\n');
    for (const l of ['authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider', 'sessionRequireClientSASLAuth=true',
      'quorum.auth.enableSasl=true', 'quorum.auth.learnerRequireSasl=true', 'quorum.auth.serverRequireSasl=true']) expect(lines).toContain(l);
    expect(zooCfg(synth().docs)).not.toMatch(/sasl/i);
  });

  test('the passwords come from Secrets into the init container only; the server gets the JAAS file path', () => {
    const init = podSpec(docs).initContainers[0];
    const env = Object.fromEntries(init.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.ZK_CLIENT_USER).toBe('app');
    expect(env.ZK_CLIENT_PASSWORD).toEqual({ secretKeyRef: { name: 'zk-client-auth', key: 'password' } });
    expect(env.ZK_QUORUM_PASSWORD).toEqual({ secretKeyRef: { name: 'zk-peers', key: 'secret' } });
    const main = Object.fromEntries(container(docs).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(main.ZK_JAAS_CONFIG).toBe('/zookeeper-config/jaas.conf');
    expect(main.CLIENT_JVMFLAGS).toBe('-Djava.security.auth.login.config=/zookeeper-config/jaas.conf');
    expect(JSON.stringify(container(docs).env)).not.toMatch(/secretKeyRef/);
    expect(secretLeaks(docs, PASSWORD)).toEqual([]);
    expect(byKind(docs, 'Secret').map(x => x.metadata.name)).toEqual(['zk-client-auth']);
  });

  test('by default both passwords come from the Secret <name>-auth', () => {
    const init = podSpec(synth({ auth: true }).docs).initContainers[0];
    const refs = init.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => [e.name, e.valueFrom.secretKeyRef]);
    expect(refs).toEqual([['ZK_CLIENT_PASSWORD', { name: 'zk-auth', key: 'client-password' }], ['ZK_QUORUM_PASSWORD', { name: 'zk-auth', key: 'quorum-password' }]]);
  });
});

describe('errors name StatefulZooKeeper props', () => {
  test.each<[StatefulZooKeeperProps, RegExp]>([
    [{ replicas: 2 }, /StatefulZooKeeper: invalid `replicas` 2: must be 1, 3, 5 or 7: .*observers are not supported/],
    [{ replicas: 4 }, /invalid `replicas` 4/],
    [{ replicas: 9 }, /invalid `replicas` 9/],
    [{ replicas: 1, disruptionBudget: true }, /StatefulZooKeeper: invalid `disruptionBudget` true: needs at least 3 servers/],
    [{ heapSize: Size.gibibytes(1) }, /StatefulZooKeeper: invalid `heapSize` "1Gi": must be below the container's memory limit \(1Gi\)/],
    [{ heapSize: Size.mebibytes(16) }, /invalid `heapSize` "16Mi": must be a whole number of MiB, at least 32 MiB/],
    [{ resources: { memory: { limit: Size.mebibytes(40) } } }, /invalid `resources.memory.limit` "40Mi": must leave ZooKeeper a heap of at least 32 MiB/],
    [{ tickTime: Duration.millis(50) }, /StatefulZooKeeper: invalid `tickTime` "50ms"/],
    [{ snapshotRetainCount: 2 }, /StatefulZooKeeper: invalid `snapshotRetainCount` 2: must be a whole number from 3/],
    [{ storageClaimName: 'zk-logs' }, /StatefulZooKeeper: invalid `storageClaimName` "zk-logs": is the name of a pod volume/],
    [{ dataLogClaimName: 'logs' }, /StatefulZooKeeper: invalid `dataLogClaimName` "logs": only applies with `dataLogStorageSize`/],
    [{ storageSize: Size.kibibytes(0.5) }, /invalid `storageSize` "0.5KiB"/], // the core checks claim templates, naming the product prop,
    [{ dataLogStorageSize: Size.gibibytes(1), dataLogClaimName: 'data' }, /invalid `dataLogClaimName` "data": must be unique/],
    [{ clientServiceName: 'Client' }, /StatefulZooKeeper: invalid `clientServiceName` "Client"/],
    [{ clientUser: 'app' }, /StatefulZooKeeper: invalid `clientUser` "app": only applies with `auth: true`/],
    [{ quorumCredentials: Credentials.fromSecretName('x') }, /StatefulZooKeeper: invalid `quorumCredentials` "\(set\)": only applies with `auth: true`/],
    [{ auth: true, clientUser: 'a-b' }, /StatefulZooKeeper: invalid `clientUser` "a-b": must be 1 to 64 letters, digits and '_'/],
    [{ auth: true, clientCredentials: 'hunter2' as any }, /StatefulZooKeeper: invalid `clientCredentials` "hunter2": must be Credentials/],
    [{ auth: 'yes' as any }, /StatefulZooKeeper: invalid `auth` "yes": must be true or false/],
    [{ maxUnavailable: 2 }, /StatefulZooKeeper: invalid `maxUnavailable` 2: must be at most 1 for 3 servers .*loses the quorum/],
    [{ replicas: 5, maxUnavailable: 3 }, /StatefulZooKeeper: invalid `maxUnavailable` 3: must be at most 2 for 5 servers/],
    [{ replicas: 1, maxUnavailable: 1 }, /StatefulZooKeeper: invalid `maxUnavailable` 1: needs a PodDisruptionBudget/],
    [{ partition: 4 }, /StatefulZooKeeper: invalid `partition` 4/],
    [{ enableServiceLinks: 'no' as any }, /StatefulZooKeeper: invalid `enableServiceLinks` "no"/],
    [{ sidecars: [{ name: 'zookeeper', image: 'busybox' }] }, /StatefulZooKeeper: invalid `sidecars\[0\]\.name` "zookeeper": must be unique/],
    [{ initContainers: [{ name: 'zookeeper-init', image: 'busybox' }] }, /StatefulZooKeeper: invalid `initContainers\[0\]\.name` "zookeeper-init"/],
  ])('%j', (props, message) => {
    expect(() => new StatefulZooKeeper(Testing.chart(), 'zk', props)).toThrow(message);
  });
});

describe('scale 3 → 5: every member\'s server list changes, so every pod rolls', () => {
  const three = synth({ replicas: 3 }).docs;
  const five = synth({ replicas: 5 }).docs;
  test('the rendered configs differ for every member and the pod template changes (config hash)', () => {
    const servers = (docs: Doc[]) => zooCfg(docs).split('\n').filter(l => l.startsWith('server.'));
    expect(servers(five).slice(0, 3)).toEqual(servers(three));
    expect(servers(five).slice(3)).toEqual(['server.4=zk-3.zk:2888:3888;2181', 'server.5=zk-4.zk:2888:3888;2181']);
    const hash = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.metadata.annotations['cdk8s-stateful/config-hash'];
    expect(hash(five)).not.toBe(hash(three));
    expect(one(five, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });

  test('the README documents the procedure', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toMatch(/^## StatefulZooKeeper$/m);
    expect(readme).toMatch(/Scaling a running ensemble/);
  });
});

describe('scripts', () => {
  // The init steps run after the core's ordinal preamble, which exports POD_NAME and ORDINAL.
  const texts: Array<[string, string]> = [['zk-start.sh', START_SCRIPT], ['zk-probe.sh', PROBE_SCRIPT], ['zk-init.sh', INIT_SCRIPT], ['zk-auth.sh', AUTH_SCRIPT]];

  const haveShellcheck = hasCommand('shellcheck');
  if (!haveShellcheck && process.env.CI) test('shellcheck is installed (CI)', () => { throw new Error('shellcheck missing'); });
  (haveShellcheck ? test.each(texts) : test.skip.each(texts))('shellcheck -s sh %s', (name, text) => {
    const dir = tmpDir('zk-shellcheck-');
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const r = spawnSync('shellcheck', ['-s', 'sh', file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('no script reads a variable a Service link could produce', () => {
    for (const [, text] of texts) {
      const vars = [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map(m => m[1]);
      for (const v of vars) expect(v).not.toMatch(/_SERVICE_HOST$|_SERVICE_PORT|_PORT$|_PORT_/);
    }
  });

  describe.each(shells())('the init script under %s', (shell) => {
    const init = scripts(synth().docs)['zk-init.sh'];
    function run(podName: string, dirs: { src: string; conf: string; data: string }) {
      const ordinal = podName.replace(/^zk-/, '');
      return runScript(init, shell,
        { POD_NAME: podName, ORDINAL: ordinal, ZK_CONFIG_SOURCE: dirs.src, ZK_CONFIG_DIR: dirs.conf, ZK_DATA_DIR: dirs.data });
    }
    function layout(withConfig = true) {
      const root = tmpDir('zk-init-');
      const dirs = { src: path.join(root, 'src'), conf: path.join(root, 'conf'), data: path.join(root, 'data') };
      fs.mkdirSync(dirs.src);
      fs.mkdirSync(dirs.data);
      if (withConfig) fs.writeFileSync(path.join(dirs.src, 'zoo.cfg'), zooCfg(synth().docs));
      return dirs;
    }

    test('writes myid = ordinal + 1 and zoo.cfg; a second run keeps them', () => {
      const dirs = layout();
      for (let i = 0; i < 2; i++) {
        const r = run('zk-2', dirs);
        expect(r.stderr).toMatch(/zk-2 is server 3/);
        expect(r.status).toBe(0);
      }
      expect(fs.readFileSync(path.join(dirs.data, 'myid'), 'utf8')).toBe('3\n');
      expect(fs.readFileSync(path.join(dirs.conf, 'zoo.cfg'), 'utf8')).toBe(zooCfg(synth().docs));
      expect(fs.readdirSync(dirs.data)).toEqual(['myid']);
    });

    test('fails closed: a foreign myid, a pod outside the server list, a missing config', () => {
      const foreign = layout();
      fs.writeFileSync(path.join(foreign.data, 'myid'), '1\n');
      const r1 = run('zk-1', foreign);
      expect(r1.status).not.toBe(0);
      expect(r1.stderr).toMatch(/myid says server '1' but zk-1 is server 2/);
      expect(fs.existsSync(path.join(foreign.conf, 'zoo.cfg'))).toBe(false);

      const outside = layout();
      const r2 = run('zk-3', outside);
      expect(r2.status).not.toBe(0);
      expect(r2.stderr).toMatch(/no server\.4 line/);
      expect(fs.readdirSync(outside.data)).toEqual([]);

      const noConfig = layout(false);
      const r3 = run('zk-0', noConfig);
      expect(r3.status).not.toBe(0);
      expect(fs.readdirSync(noConfig.data)).toEqual([]);

      // Without the preamble's ORDINAL (or with junk in it) nothing is written.
      const noOrdinal = layout();
      for (const env of [{}, { ORDINAL: '1x' }] as Array<Record<string, string>>) {
        const r4 = runScript(init, shell,
          { POD_NAME: 'zk-1', ZK_CONFIG_SOURCE: noOrdinal.src, ZK_CONFIG_DIR: noOrdinal.conf, ZK_DATA_DIR: noOrdinal.data, ...env });
        expect(r4.status).not.toBe(0);
        expect(r4.stderr).toMatch(/ORDINAL/);
      }
      expect(fs.readdirSync(noOrdinal.data)).toEqual([]);
      expect(fs.existsSync(noOrdinal.conf)).toBe(false);
    });
  });

  describe.each(shells())('the auth step under %s', (shell) => {
    const script = scripts(synth({ auth: true }).docs)['zk-auth.sh'];
    const run = (env: Record<string, string>) => {
      const conf = tmpDir('zk-auth-');
      return { conf, r: runScript(script, shell, { ZK_CONFIG_DIR: conf, ZK_CLIENT_USER: 'app', ...env }) };
    };
    test('a 0600 JAAS file with the passwords escaped for the JAAS parser', () => {
      const { conf, r } = run({ ZK_CLIENT_PASSWORD: 'p@ss "w0rd" \\ $HOME `id`', ZK_QUORUM_PASSWORD: 'q\\"' });
      expect(r.status).toBe(0);
      const jaas = fs.readFileSync(path.join(conf, 'jaas.conf'), 'utf8');
      expect(jaas).toContain('user_app="p@ss \\"w0rd\\" \\\\ $HOME `id`";');
      expect(jaas).toContain('password="q\\\\\\"";');
      expect(jaas).toMatch(/QuorumServer \{[^}]*user_quorum=/);
      expect(fs.statSync(path.join(conf, 'jaas.conf')).mode % 0o1000).toBe(0o600);
      expect(fs.readdirSync(conf)).toEqual(['jaas.conf']);
    });
    test('fails closed: an empty password or one with a line break leaves no JAAS file', () => {
      for (const env of [{ ZK_CLIENT_PASSWORD: '', ZK_QUORUM_PASSWORD: 'q' }, { ZK_CLIENT_PASSWORD: 'c', ZK_QUORUM_PASSWORD: 'a\nb' }]) {
        const { conf, r } = run(env);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/password (is empty|has a line break)/);
        expect(fs.readdirSync(conf)).toEqual([]);
      }
    });
  });

  describe.each(shells())('zk-start.sh under %s', (shell) => {
    function start(env: Record<string, string>) {
      // A stand-in zkServer.sh on PATH that prints what it was given.
      const bin = tmpDir('zk-bin-');
      fs.writeFileSync(path.join(bin, 'zkServer.sh'), '#!/bin/sh\necho "args: $*"\necho "SERVER_JVMFLAGS=$SERVER_JVMFLAGS"\necho "ZK_SERVER_HEAP=$ZK_SERVER_HEAP"\n', { mode: 0o755 });
      const cfg = path.join(bin, 'zoo.cfg');
      fs.writeFileSync(cfg, 'tickTime=2000\n');
      const dir = tmpDir('zk-start-');
      const file = path.join(dir, 'zk-start.sh');
      fs.writeFileSync(file, START_SCRIPT);
      const argv = shell === 'busybox' ? ['sh', file, cfg] : [file, cfg];
      return spawnSync(shell, argv, { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
    }
    test('75% of the memory limit, or the explicit heap; junk refused', () => {
      const fromLimit = start({ ZK_MEMORY_LIMIT_MIB: '1024', ZK_HEAP_PERCENT: '75' });
      expect(fromLimit.status).toBe(0);
      expect(fromLimit.stdout).toMatch(/^args: start-foreground \/.*zoo\.cfg$/m);
      expect(fromLimit.stdout).toMatch(/^SERVER_JVMFLAGS=-Xmx768m $/m);
      expect(fromLimit.stdout).toMatch(/^ZK_SERVER_HEAP=768$/m);
      expect(start({ ZK_HEAP_MIB: '300', ZK_MEMORY_LIMIT_MIB: '1024' }).stdout).toMatch(/-Xmx300m/);
      const junk = start({ ZK_MEMORY_LIMIT_MIB: '1Gi' });
      expect(junk.status).not.toBe(0);
      expect(junk.stderr).toMatch(/ZK_MEMORY_LIMIT_MIB must be a whole number/);
      expect(start({ ZK_HEAP_MIB: '8' }).status).not.toBe(0);
    });
  });
});

test('the example synthesizes a namespaced ensemble with a transaction-log claim', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const chart: Chart = require('../examples/zookeeper').build(Testing.app());
  const docs = Testing.synth(chart) as Doc[];
  expect(zooCfg(docs)).toContain('server.1=zk-0.zk.coordination.svc.cluster.local:2888:3888;2181');
  expect(one(docs, 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data', 'datalog']);
  expect(kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE).toBe(one(docs, 'StatefulSet').spec.volumeClaimTemplates[0].spec.accessModes[0]);
});
