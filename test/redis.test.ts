import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Node } from 'constructs';
import {
  ClaimRetentionPolicy, Credentials, PetService, PodSpreading, RedisAppendFsync, RedisEvictionPolicy, RedisFailover,
  StatefulRedis, StatefulRedisProps,
} from '../src';
import { byKind, crossReference, Doc, hasCommand, one, shells, tmpDir, validateManifests } from './util/k8s';
import { FakeCluster, kubeletMissing } from './util/kubelet';
import { sortedKeys } from '../src/redis/config';

const PASSWORD = 's3cr"et \\ $HOME `x` \'q\' #1 \\x41';

function synth(props: StatefulRedisProps = {}, id = 'cache'): { redis: StatefulRedis; docs: Doc[] } {
  const chart = Testing.chart();
  const redis = new StatefulRedis(chart, id, props);
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  crossReference(docs);
  return { redis, docs };
}

function build(props: StatefulRedisProps = {}): StatefulRedis {
  return new StatefulRedis(Testing.chart(), 'cache', props);
}

const pod = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.spec;
const main = (docs: Doc[]) => pod(docs).containers.find((c: any) => c.name === 'redis');
const init = (docs: Doc[]) => pod(docs).initContainers.find((c: any) => c.name === 'redis-init');
const config = (docs: Doc[], name = 'cache') => one(docs, 'ConfigMap', `${name}-config`).data;
const scripts = (docs: Doc[], name = 'cache') => one(docs, 'ConfigMap', `${name}-scripts`).data;
const directives = (conf: string) => conf.split('\n').filter(l => l && !l.startsWith('#'));

/** Decodes the `"\xHH…"` value the init script writes. */
function decodeHex(value: string): string {
  const m = /^"((?:\\x[0-9a-f]{2})*)"$/.exec(value);
  if (!m) throw new Error(`not a hex-escaped string: ${value}`);
  return Buffer.from(m[1].replace(/\\x/g, ''), 'hex').toString('utf8');
}

describe('defaults: new StatefulRedis(chart, "cache")', () => {
  const { redis, docs } = synth();
  const sts = one(docs, 'StatefulSet', 'cache');

  test('snapshot', () => expect(docs).toMatchSnapshot());

  test('3 pods of the official redis image, composed from PetService', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(main(docs).image).toBe('redis:7.4');
    expect(main(docs).args).toEqual(['redis-server', '/etc/redis/redis.conf']);
    expect(main(docs).command).toBeUndefined();
    expect(main(docs).ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
    expect(redis.pet).toBeInstanceOf(PetService);
    expect(redis.statefulSet).toBe(redis.pet.statefulSet);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
  });

  test('numeric non-root uid 999 with fsGroup, PSS restricted, read-only root filesystem', () => {
    expect(pod(docs).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [main(docs), init(docs)]) {
      expect(c.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  test('everything Redis writes is a volume: /data (claim), /etc/redis (emptyDir)', () => {
    expect(main(docs).volumeMounts).toEqual(expect.arrayContaining([
      { name: 'data', mountPath: '/data' },
      { name: 'redis-init-output', mountPath: '/etc/redis' },
    ]));
    expect(pod(docs).volumes).toContainEqual({ name: 'redis-init-output', emptyDir: {} });
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(claim.spec.storageClassName).toBeUndefined();
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('headless Service (published before Ready), a write Service on the primary only, a read Service on all ready pods', () => {
    const headless = one(docs, 'Service', 'cache');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(sts.spec.serviceName).toBe('cache');
    const primary = one(docs, 'Service', 'cache-primary');
    expect(primary.spec.selector).toEqual({
      'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'cache', 'statefulset.kubernetes.io/pod-name': 'cache-0',
    });
    expect(primary.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
    const read = one(docs, 'Service', 'cache-read');
    expect(read.spec.selector).toEqual({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'cache' });
    expect(read.spec.clusterIP).toBeUndefined();
    expect(byKind(docs, 'Service')).toHaveLength(3);
  });

  test('names, hosts and port are exposed for wiring REDIS_HOST', () => {
    expect(redis.name).toBe('cache');
    expect(redis.port).toBe(6379);
    expect(redis.primaryService.name).toBe('cache-primary');
    expect(redis.readService.name).toBe('cache-read');
    expect(redis.headlessService.name).toBe('cache');
    // No namespace: names resolve through the pods' DNS search path in whatever namespace this is applied to.
    expect(redis.primaryHost).toBe('cache-primary');
    expect(redis.readHost).toBe('cache-read');
    expect(redis.podHost(0)).toBe('cache-0.cache');
    expect(redis.passwordSecret?.name).toBe('cache-auth');
    expect(redis.passwordSecretKey).toBe('password');
  });

  test('configuration in a ConfigMap: AOF on, RDB defaults, maxmemory 75% of the limit, no password', () => {
    const data = config(docs);
    expect(Object.keys(data).sort()).toEqual(['primary.conf', 'redis.conf', 'replica.conf']);
    expect(directives(data['redis.conf'])).toEqual([
      'port 6379', 'bind * -::*', 'protected-mode yes', 'daemonize no', 'logfile ""',
      'appendonly yes', 'appendfsync everysec', 'save 3600 1 300 100 60 10000',
      'maxmemory 384mb', 'maxmemory-policy noeviction', 'shutdown-on-sigterm default',
    ]);
    expect(directives(data['primary.conf'])).toEqual([]);
    expect(directives(data['replica.conf'])).toEqual(['replicaof cache-0.cache 6379', 'replica-read-only yes', 'replica-serve-stale-data yes']);
    for (const text of Object.values(data) as string[]) expect(text).not.toMatch(/requirepass|masterauth/);
  });

  test('auth on by default: the password comes from the Secret cache-auth (not created), via env only', () => {
    expect(byKind(docs, 'Secret')).toHaveLength(0);
    const ref = { valueFrom: { secretKeyRef: { name: 'cache-auth', key: 'password' } } };
    expect(init(docs).env).toContainEqual({ name: 'REDIS_PASSWORD', ...ref });
    expect(main(docs).env).toEqual([{ name: 'REDISCLI_AUTH', ...ref }]);
    for (const c of [...pod(docs).containers, ...pod(docs).initContainers]) {
      expect(JSON.stringify([c.command, c.args])).not.toMatch(/pass|auth|-a\b/i);
    }
  });

  test('probes: authenticated readiness (replicas: link up) and liveness from the scripts ConfigMap', () => {
    expect(main(docs).readinessProbe).toEqual({
      // The shipped file, parametrised by arguments (port, configuration directory, CLI).
      exec: { command: ['sh', '/opt/cdk8s-stateful/scripts/redis-probe.sh', 'readiness', '6379', '/etc/redis', 'redis-cli'] },
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(main(docs).livenessProbe.exec.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/redis-probe.sh', 'liveness', '6379', '/etc/redis', 'redis-cli']);
    expect(main(docs).volumeMounts).toContainEqual({ name: 'scripts', mountPath: '/opt/cdk8s-stateful/scripts', readOnly: true });
    expect(Object.keys(scripts(docs)).sort()).toEqual(['redis-conf.sh', 'redis-init.sh', 'redis-probe.sh', 'redis-seed.sh']);
    // The scripts are the files in src/redis/scripts, shipped verbatim (no interpolation).
    for (const f of ['redis-conf.sh', 'redis-probe.sh', 'redis-seed.sh']) {
      expect(scripts(docs)[f]).toBe(fs.readFileSync(path.join(__dirname, '..', 'src', 'redis', 'scripts', f), 'utf8'));
    }
    // The ordinal init script (the core's preamble) sources the shipped step in the same shell.
    expect(scripts(docs)['redis-init.sh']).toMatch(/\n\. \/opt\/cdk8s-stateful\/scripts\/redis-conf\.sh\n$/);
  });

  test('resources, PDB, anti-affinity, graceful shutdown', () => {
    expect(main(docs).resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(one(docs, 'PodDisruptionBudget', 'cache').spec).toEqual({
      maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'cache' } },
    });
    expect(pod(docs).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pod(docs).terminationGracePeriodSeconds).toBe(60);
  });

  test('synthesis is deterministic', () => {
    expect(synth().docs).toEqual(docs);
  });
});

test('defaultChild is the PetService, whose default child is the StatefulSet', () => {
  const redis = build();
  expect(Node.of(redis).defaultChild).toBe(redis.pet);
  expect(ApiObject.of(redis).kind).toBe('StatefulSet');
});

test('addDirective after the constructor reaches the ConfigMap (lazy)', () => {
  const chart = Testing.chart();
  const redis = new StatefulRedis(chart, 'cache');
  redis.addDirective('hz', '20');
  const docs = Testing.synth(chart) as Doc[];
  expect(directives(config(docs)['redis.conf'])).toContain('hz 20');
});

test('a configuration change rolls the pods: the pod template carries a hash of the ConfigMap', () => {
  const hash = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.metadata.annotations['cdk8s-stateful/config-hash'];
  const base = hash(synth().docs);
  expect(base).toMatch(/^[0-9a-f]{16}$/);
  expect(hash(synth().docs)).toBe(base);
  expect(hash(synth({ maxmemory: Size.mebibytes(100) }).docs)).not.toBe(base);
  expect(hash(synth({ replicas: 3, name: 'cache' }).docs)).toBe(base);
  const chart = Testing.chart();
  new StatefulRedis(chart, 'cache').addDirective('hz', '20');
  expect(hash(Testing.synth(chart) as Doc[])).not.toBe(base);
});

test('the config hash sorts keys by code unit (<), not by locale', () => {
  // localeCompare puts "B" after "a" and ignores "_" in some locales; the hash must not move with them.
  expect(sortedKeys({ 'b': '', 'B': '', 'a': '', '_x': '', 'A.conf': '' })).toEqual(['A.conf', 'B', '_x', 'a', 'b']);
  expect(fs.readFileSync(path.join(__dirname, '..', 'src', 'redis', 'stateful-redis.ts'), 'utf8')).not.toContain('localeCompare');
  expect(fs.readFileSync(path.join(__dirname, '..', 'src', 'redis', 'config.ts'), 'utf8')).not.toMatch(/\.localeCompare\(/);
});

describe('the shared product vocabulary (StatefulProduct)', () => {
  test('the namespace defaults to the Chart\'s: every object, the Secret reference and the host names follow it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const redis = new StatefulRedis(chart, 'cache', { credentials: Credentials.fromPassword('pw') });
    const docs = Testing.synth(chart) as Doc[];
    for (const d of docs) expect({ kind: d.kind, name: d.metadata.name, ns: d.metadata.namespace }).toEqual({ kind: d.kind, name: d.metadata.name, ns: 'shop' });
    expect(redis.namespace).toBe('shop');
    expect(redis.primaryHost).toBe('cache-primary.shop.svc.cluster.local');
    expect(redis.readHost).toBe('cache-read.shop.svc.cluster.local');
    expect(redis.podHost(1)).toBe('cache-1.cache.shop.svc.cluster.local');
    expect(config(docs)['replica.conf']).toContain('replicaof cache-0.cache.shop.svc.cluster.local 6379\n');
    const seedEnv = pod(docs).initContainers.find((c: any) => c.name === 'redis-seed').env;
    expect(seedEnv).toContainEqual({ name: 'REDIS_FOLLOW', value: 'cache-0.cache.shop.svc.cluster.local' });
  });

  test('app.kubernetes.io/name is the application, /instance the StatefulSet', () => {
    const { docs } = synth({ name: 'sessions' });
    for (const d of docs) {
      expect(d.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'sessions' });
    }
  });

  test('ordinalsStart: the first pod is the primary, the others replicate it; the seed asks the others', () => {
    const { redis, docs } = synth({ ordinalsStart: 3 });
    expect(one(docs, 'StatefulSet').spec.ordinals).toEqual({ start: 3 });
    expect(one(docs, 'Service', 'cache-primary').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('cache-3');
    expect(config(docs)['replica.conf']).toContain('replicaof cache-3.cache 6379\n');
    const seedEnv = pod(docs).initContainers.find((c: any) => c.name === 'redis-seed').env;
    expect(seedEnv).toContainEqual({ name: 'REDIS_PEERS', value: 'cache-4.cache cache-5.cache' });
    expect(seedEnv).toContainEqual({ name: 'REDIS_FOLLOW', value: 'cache-3.cache' });
    expect(redis.podHost(3)).toBe('cache-3.cache');
  });

  test('shared props reach the pod spec: sidecars, init containers first, Service links, rollout', () => {
    const { docs } = synth({
      sidecars: [{ name: 'exporter', image: 'oliver006/redis_exporter:v1.62.0' }],
      initContainers: [{ name: 'prepare', image: 'busybox:1.36' }],
      enableServiceLinks: true,
      partition: 2,
      minReady: Duration.seconds(10),
    });
    const spec = pod(docs);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['redis', 'exporter']);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['prepare', 'redis-init', 'redis-seed']);
    expect(spec.enableServiceLinks).toBe(true);
    expect(one(docs, 'StatefulSet').spec.updateStrategy.rollingUpdate.partition).toBe(2);
    expect(one(docs, 'StatefulSet').spec.minReadySeconds).toBe(10);
  });

  test('errors of the shared methods name StatefulRedis', () => {
    const redis = build();
    expect(() => redis.podHost(7)).toThrow(/^StatefulRedis: invalid `ordinal` 7/);
    expect(() => redis.addClientService('x', { portNames: ['nope'] })).toThrow(/^StatefulRedis: /);
    expect(() => redis.isolateNetwork({ clientPortNames: ['nope'] })).toThrow(/^StatefulRedis: /);
    expect(() => build({ primaryServiceName: 'Bad_Name' })).toThrow(/^StatefulRedis: invalid `primaryServiceName` "Bad_Name"/);
  });
});

describe('props', () => {
  test('namespace: FQDNs everywhere, replicaof the primary pod FQDN', () => {
    const { redis, docs } = synth({ namespace: 'shop', clusterDomain: 'k8s.example' });
    expect(redis.primaryHost).toBe('cache-primary.shop.svc.k8s.example');
    expect(redis.readHost).toBe('cache-read.shop.svc.k8s.example');
    expect(redis.podHost(0)).toBe('cache-0.cache.shop.svc.k8s.example');
    expect(config(docs)['replica.conf']).toContain('replicaof cache-0.cache.shop.svc.k8s.example 6379\n');
    for (const d of docs) expect(d.metadata.namespace).toBe('shop');
  });

  test('names of the StatefulSet and the Services', () => {
    const { docs } = synth({ name: 'sessions', serviceName: 'sessions-peers', primaryServiceName: 'sessions-rw', readServiceName: 'sessions-ro' });
    expect(one(docs, 'StatefulSet', 'sessions').spec.serviceName).toBe('sessions-peers');
    expect(one(docs, 'Service', 'sessions-rw').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('sessions-0');
    one(docs, 'Service', 'sessions-ro');
    expect(config(docs, 'sessions')['replica.conf']).toContain('replicaof sessions-0.sessions-peers 6379\n');
  });

  test('replicas and port', () => {
    const { docs } = synth({ replicas: 5, port: 7000 });
    expect(one(docs, 'StatefulSet').spec.replicas).toBe(5);
    expect(directives(config(docs)['redis.conf'])).toContain('port 7000');
    expect(config(docs)['replica.conf']).toContain('replicaof cache-0.cache 7000\n');
    expect(one(docs, 'Service', 'cache-primary').spec.ports[0]).toMatchObject({ port: 7000, targetPort: 7000 });
    expect(main(docs).readinessProbe.exec.command.slice(3)).toEqual(['7000', '/etc/redis', 'redis-cli']);
    expect(main(docs).livenessProbe.exec.command.slice(3)).toEqual(['7000', '/etc/redis', 'redis-cli']);
    const seedEnv = pod(docs).initContainers.find((c: any) => c.name === 'redis-seed').env;
    expect(seedEnv).toContainEqual({ name: 'REDIS_TCP', value: '7000' });
    expect(seedEnv).toContainEqual({ name: 'REDIS_PEERS', value: 'cache-1.cache cache-2.cache cache-3.cache cache-4.cache' });
    expect(seedEnv).toContainEqual({ name: 'REDIS_FOLLOW', value: 'cache-0.cache' });
  });

  test('a single pod: no PodDisruptionBudget, still the primary', () => {
    const { docs } = synth({ replicas: 1 });
    expect(byKind(docs, 'PodDisruptionBudget')).toHaveLength(0);
    expect(one(docs, 'Service', 'cache-primary').spec.selector['statefulset.kubernetes.io/pod-name']).toBe('cache-0');
  });

  test('image, pull policy, uid/gid, read-only root and grace period', () => {
    const { docs } = synth({
      image: 'mirror.example/redis:8.2',
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      runAsUser: 1001,
      runAsGroup: 1002,
      fsGroup: 1003,
      readOnlyRootFilesystem: false,
      terminationGracePeriod: Duration.minutes(5),
    });
    expect(main(docs)).toMatchObject({ image: 'mirror.example/redis:8.2', imagePullPolicy: 'Always' });
    expect(init(docs).image).toBe('mirror.example/redis:8.2');
    expect(pod(docs).securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1002, fsGroup: 1003 });
    expect(main(docs).securityContext.readOnlyRootFilesystem).toBe(false);
    expect(pod(docs).terminationGracePeriodSeconds).toBe(300);
  });

  test('persistence: AOF off with custom RDB rules; fsync always; RDB off', () => {
    let conf = directives(config(synth({ appendOnly: false, rdbSnapshots: [{ interval: Duration.minutes(15), changes: 1 }] }).docs)['redis.conf']);
    expect(conf).toContain('appendonly no');
    expect(conf).toContain('save 900 1');
    expect(conf.some(l => l.startsWith('appendfsync'))).toBe(false);
    conf = directives(config(synth({ appendFsync: RedisAppendFsync.ALWAYS, rdbSnapshots: [] }).docs)['redis.conf']);
    expect(conf).toEqual(expect.arrayContaining(['appendonly yes', 'appendfsync always', 'save ""']));
  });

  test('maxmemory and eviction policy; maxmemory follows a custom limit; none without a limit', () => {
    let conf = directives(config(synth({ maxmemory: Size.mebibytes(100), maxmemoryPolicy: RedisEvictionPolicy.ALLKEYS_LRU }).docs)['redis.conf']);
    expect(conf).toEqual(expect.arrayContaining(['maxmemory 100mb', 'maxmemory-policy allkeys-lru']));
    conf = directives(config(synth({ resources: { memory: { limit: Size.gibibytes(4) } } }).docs)['redis.conf']);
    expect(conf).toContain('maxmemory 3gb');
    conf = directives(config(synth({ maxmemory: Size.kibibytes(1536), resources: { memory: { limit: Size.gibibytes(1) } } }).docs)['redis.conf']);
    expect(conf).toContain('maxmemory 1536kb');
    const { docs } = synth({ resources: { cpu: { request: kplus.Cpu.millis(250) } } });
    expect(directives(config(docs)['redis.conf']).some(l => l.startsWith('maxmemory '))).toBe(false);
    expect(main(docs).resources).toEqual({ requests: { cpu: '250m' } });
  });

  test('extraConfig directives are appended', () => {
    const conf = directives(config(synth({ extraConfig: { 'hz': '20', 'latency-tracking': 'no' } }).docs)['redis.conf']);
    expect(conf.slice(-2)).toEqual(['hz 20', 'latency-tracking no']);
  });

  test('storage: size, class, access modes, claim name, retention', () => {
    const { docs } = synth({
      storageSize: Size.gibibytes(20),
      storageClassName: 'fast',
      storageAccessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD],
      storageClaimName: 'redis-data',
      claimRetentionWhenScaled: ClaimRetentionPolicy.DELETE,
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({
      metadata: { name: 'redis-data' },
      spec: { storageClassName: 'fast', accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '20Gi' } } },
    });
    expect(main(docs).volumeMounts).toContainEqual({ name: 'redis-data', mountPath: '/data' });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Delete' });
  });

  test('credentials: a literal password creates the Secret cache-auth; it appears in no other document', () => {
    const { docs } = synth({ credentials: Credentials.fromPassword(PASSWORD) });
    const secret = one(docs, 'Secret', 'cache-auth');
    expect(secret.stringData).toEqual({ password: PASSWORD });
    for (const d of docs.filter(x => x.kind !== 'Secret')) expect(JSON.stringify(d)).not.toContain('s3cr');
  });

  test('credentials: an existing ISecret with its key, or a Secret by name', () => {
    const chart = Testing.chart();
    const redis = new StatefulRedis(chart, 'cache', { credentials: Credentials.fromSecret(kplus.Secret.fromSecretName(chart, 'S', 'vault-redis'), 'redis-password') });
    const docs = Testing.synth(chart) as Doc[];
    expect(byKind(docs, 'Secret')).toHaveLength(0);
    expect(main(docs).env).toEqual([{ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'vault-redis', key: 'redis-password' } } }]);
    expect(redis.passwordSecretKey).toBe('redis-password');
    const byName = synth({ credentials: Credentials.fromSecretName('other', 'pw') }).docs;
    expect(init(byName).env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'other', key: 'pw' } } });
  });

  test('auth: false is an explicit opt-out: no Secret reference, protected-mode off, no auth file', () => {
    const { redis, docs } = synth({ auth: false });
    expect(main(docs).env).toBeUndefined();
    expect(init(docs).env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'REDIS_CONFIG_SOURCE', value: '/mnt/redis-config' },
      { name: 'REDIS_CONF_DIR', value: '/etc/redis' },
      { name: 'REDIS_DATA_DIR', value: '/data' },
      { name: 'REDIS_AUTH', value: 'no' },
    ]);
    expect(directives(config(docs)['redis.conf'])).toContain('protected-mode no');
    expect(JSON.stringify(pod(docs))).not.toMatch(/secretKeyRef|REDIS_PASSWORD|REDISCLI_AUTH/);
    expect(redis.passwordSecret).toBeUndefined();
  });

  test('spreading, disruption budget, labels, annotations pass through to the core', () => {
    const { docs } = synth({
      maxUnavailable: 2,
      labels: { team: 'web' },
      podAnnotations: { 'example.com/scrape': 'true' },
      spreading: PodSpreading.REQUIRED_ANTI_AFFINITY,
    });
    expect(pod(docs).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
    expect(one(docs, 'StatefulSet').spec.template.metadata).toMatchObject({
      labels: { team: 'web' }, annotations: { 'example.com/scrape': 'true', 'cdk8s-stateful/config-hash': expect.any(String) },
    });
    expect(synth({ disruptionBudget: false }).docs.filter(d => d.kind === 'PodDisruptionBudget')).toHaveLength(0);
  });
});

describe('fails at construction with an error naming the prop', () => {
  test.each([
    ['replicas 0', { replicas: 0 }, /invalid `replicas` 0: must be a whole number from 1 to 1000/],
    ['replicas 1.5', { replicas: 1.5 }, /invalid `replicas` 1.5/],
    ['maxmemory not a Size', { maxmemory: '1gb' as any }, /invalid `maxmemory` "1gb": must be a positive, whole number of KiB/],
    ['maxmemory a fraction of a KiB', { maxmemory: Size.kibibytes(1.5) }, /invalid `maxmemory` "1.5KiB"/],
    ['maxmemory below 1 MiB', { maxmemory: Size.kibibytes(512) }, /invalid `maxmemory` "512KiB": must be at least 1 MiB/],
    ['maxmemory not below the memory limit', { maxmemory: Size.mebibytes(512) }, /invalid `maxmemory` "512mb": must be below the container's memory limit \(512Mi\)/],
    ['an unknown eviction policy', { maxmemoryPolicy: 'lru' as any }, /invalid `maxmemoryPolicy` "lru": must be one of "noeviction", "allkeys-lru"/],
    ['an unknown fsync mode', { appendFsync: 'sometimes' as any }, /invalid `appendFsync` "sometimes"/],
    ['appendFsync without AOF', { appendOnly: false, appendFsync: RedisAppendFsync.ALWAYS }, /`appendFsync` "always": only applies with `appendOnly: true`/],
    ['a fractional RDB interval', { rdbSnapshots: [{ interval: Duration.millis(1500), changes: 1 }] }, /invalid `rdbSnapshots\[0\].interval` "1.5s"/],
    ['RDB changes 0', { rdbSnapshots: [{ interval: Duration.seconds(60), changes: 0 }] }, /invalid `rdbSnapshots\[0\].changes` 0/],
    ['a managed directive', { extraConfig: { requirepass: 'x' } }, /`extraConfig directive` "requirepass": is managed by StatefulRedis; use `auth` \/ `credentials`/],
    ['replicaof in extraConfig', { extraConfig: { replicaof: 'x 1' } }, /`extraConfig directive` "replicaof": is managed/],
    ['a bad directive name', { extraConfig: { 'Max Memory': '1' } }, /`extraConfig directive` "Max Memory": must be a redis.conf directive name/],
    ['a directive value with a line break', { extraConfig: { hz: '10\nrequirepass x' } }, /`extraConfig\[hz\]`.*must be a non-empty value on one line/],
    ['credentials with auth off', { auth: false, credentials: Credentials.fromSecretName('x') }, /`credentials` "\(set\)": cannot be used with `auth: false`/],
    ['a bad port', { port: 70000 }, /invalid `port` 70000/],
    ['credentials that are not Credentials', { credentials: { key: 'password' } as any }, /invalid `credentials` .*must be Credentials.fromSecret\(\), fromSecretName\(\) or fromPassword\(\)/],
    ['auth that is not a boolean', { auth: 'yes' as any }, /invalid `auth` "yes": must be true or false/],
    ['a name that is not a DNS label', { name: 'Cache_1' }, /StatefulRedis: invalid `name` "Cache_1"/],
    ['a uid of 0', { runAsUser: 0 }, /^StatefulRedis: invalid `runAsUser` 0/],
  ] as Array<[string, StatefulRedisProps, RegExp]>)('fails with %s', (_what, props, error) => {
    expect(() => build(props)).toThrow(error);
  });

  test('fails when addDirective repeats a directive', () => {
    const redis = build({ extraConfig: { hz: '20' } });
    expect(() => redis.addDirective('hz', '10')).toThrow(/`extraConfig directive` "hz": is already set/);
  });
});

describe('the generated scripts', () => {
  const variants: StatefulRedisProps[] = [{}, { auth: false }, { image: 'redis:5-alpine' }, { image: 'valkey/valkey:8.0' }, { namespace: 'shop', port: 7000 },
    { failover: RedisFailover.sentinel() }, { failover: RedisFailover.sentinel(), image: 'valkey/valkey:8.0-alpine' }];

  test('read no variable a Service link can produce (<SVC>_SERVICE_HOST, <SVC>_SERVICE_PORT*, <SVC>_PORT, <SVC>_PORT_*)', () => {
    const linkable = /_SERVICE_HOST$|_SERVICE_PORT|_PORT$|_PORT_/;
    for (const props of variants) {
      for (const [file, text] of Object.entries(scripts(synth(props).docs)) as Array<[string, string]>) {
        const read = [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map(m => m[1]);
        expect(read.length).toBeGreaterThan(0);
        expect({ file, linkable: read.filter(v => linkable.test(v)) }).toEqual({ file, linkable: [] });
      }
    }
  });

  test('parse in every shell and pass shellcheck (POSIX sh)', () => {
    for (const props of variants) {
      for (const [file, text] of Object.entries(scripts(synth(props).docs)) as Array<[string, string]>) {
        const dir = tmpDir('redis-scripts-');
        const path_ = path.join(dir, file);
        fs.writeFileSync(path_, text);
        for (const shell of shells()) {
          const r = spawnSync(shell, shell === 'busybox' ? ['sh', '-n', path_] : ['-n', path_], { encoding: 'utf8' });
          expect({ file, shell, status: r.status, stderr: r.stderr }).toEqual({ file, shell, status: 0, stderr: '' });
        }
        // SC3028: the core's ordinal preamble falls back to HOSTNAME, which the kubelet sets.
        if (hasCommand('shellcheck')) {
          const r = spawnSync('shellcheck', ['-s', 'sh', '-S', 'warning', '-e', 'SC3028', path_], { encoding: 'utf8' });
          expect({ file, out: r.stdout }).toEqual({ file, out: '' });
        }
      }
    }
  });
});

const sandboxMissing = kubeletMissing();
if (sandboxMissing.length && process.env.CI) {
  test('the kubelet sandbox can run here (CI)', () => { throw new Error(`missing: ${sandboxMissing.join(', ')}`); });
}

/**
 * The synthesized init script, executed by the kubelet stand-in in the init container
 * redis-init of pods cache-0, cache-1 and cache-2 (its real mounts and env), with every shell.
 */
(sandboxMissing.length ? describe.skip : describe)('the init script, executed in the pods of ordinals 0, 1 and 2', () => {
  const { docs } = synth({ credentials: Credentials.fromPassword(PASSWORD) });
  const data = config(docs);
  const SCRIPT = '/opt/cdk8s-stateful/scripts/redis-init.sh';
  let cluster: FakeCluster;
  beforeAll(() => { cluster = new FakeCluster(docs); });
  afterAll(async () => cluster?.destroy());

  /** Runs redis-init with `shell` in pod cache-<n> on a clean /etc/redis; returns its outputs. */
  function runInit(shell: string, n: number, env: Record<string, string> = {}) {
    const p = cluster.pod('cache', n);
    expect(p.exec('redis-init', ['sh', '-c', 'rm -rf /etc/redis/* /etc/redis/.[!.]*; true']).status).toBe(0);
    const run = p.exec('redis-init', shell === 'busybox' ? ['busybox', 'sh', SCRIPT] : [shell, SCRIPT], { env });
    const read = (f: string) => p.exec('redis-init', ['cat', `/etc/redis/${f}`]).stdout;
    const files = p.exec('redis-init', ['ls', '-A', '/etc/redis']).stdout.split('\n').filter(Boolean).sort();
    return { run, read, files, pod: p };
  }

  describe.each(shells())('with %s', (shell) => {
    test.each([0, 1, 2])('cache-%d gets its role, the common config, dir and the auth include', (n) => {
      const { run, read, files, pod: p } = runInit(shell, n);
      expect(run.stderr).toContain(`ordinal-init: pod cache-${n} has ordinal ${n}`);
      expect(run.status).toBe(0);
      const role = n === 0 ? 'primary' : 'replica';
      expect(read('role')).toBe(`${role}\n`);
      const conf = read('redis.conf');
      expect(conf).toBe([
        `# Written at pod start by the ordinal init container for cache-${n} (ordinal ${n}, ${role}).`,
        data['redis.conf'].trimEnd(),
        'dir "/data"',
        data[`${role}.conf`].trimEnd(),
        'include "/etc/redis/auth.conf"',
        '',
      ].join('\n'));
      expect(conf.includes('replicaof cache-0.cache 6379')).toBe(n !== 0);
      expect(conf).not.toContain('s3cr');
      // The password file: owner-only, both directives, every byte hex-escaped and decodable.
      expect(p.exec('redis-init', ['stat', '-c', '%a', '/etc/redis/auth.conf']).stdout.trim()).toBe('600');
      const lines = read('auth.conf').trimEnd().split('\n');
      expect(lines.map(l => l.split(' ')[0])).toEqual(['requirepass', 'masterauth']);
      for (const l of lines) expect(decodeHex(l.slice(l.indexOf(' ') + 1))).toBe(PASSWORD);
      expect(files).toEqual(['auth.conf', 'redis.conf', 'role']);
    });

    test('without POD_NAME the ordinal comes from the host name', () => {
      const { run, read } = runInit(shell, 2, { POD_NAME: '' });
      expect(run.status).toBe(0);
      expect(read('role')).toBe('replica\n');
      expect(read('redis.conf')).toContain('for cache-2 (ordinal 2, replica)');
    });

    test('a non-ASCII password survives the escaping', () => {
      const pw = 'pässwörd—密码 "\\';
      const { run, read } = runInit(shell, 1, { REDIS_PASSWORD: pw });
      expect(run.status).toBe(0);
      const first = read('auth.conf').split('\n')[0];
      expect(decodeHex(first.slice('requirepass '.length))).toBe(pw);
    });

    test('an empty password fails closed: no output at all, not even the role', () => {
      const first = runInit(shell, 0);
      expect(first.files).toContain('role');
      // A second start of the pod (the emptyDir kept) with the Secret key emptied.
      const p = first.pod;
      const run = p.exec('redis-init', shell === 'busybox' ? ['busybox', 'sh', SCRIPT] : [shell, SCRIPT], { env: { REDIS_PASSWORD: '' } });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('REDIS_PASSWORD is empty');
      expect(p.exec('redis-init', ['ls', '/etc/redis']).stdout).not.toMatch(/^role$/m);
    });
  });

  test('a pod of another StatefulSet is refused', () => {
    const p = cluster.pod('cache', 1);
    const run = p.exec('redis-init', ['sh', SCRIPT], { env: { POD_NAME: 'other-0' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("pod name 'other-0' is not <cache>-<ordinal>");
  });

  test.each(['REDIS_TCP', 'REDIS_DATA_DIR', 'REDIS_FOLLOW'])('the shipped seed step fails closed when %s is empty: no marker', (name) => {
    const p = cluster.pod('cache', 0);
    const run = p.exec('redis-seed', ['sh', '/opt/cdk8s-stateful/scripts/redis-seed.sh'], { env: { [name]: '' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`${name} is not set`);
    expect(p.exec('redis-seed', ['ls', '-A', '/data']).stdout).not.toContain('.cdk8s-stateful-redis');
  });

  test('the shipped probe refuses a CLI other than redis-cli or valkey-cli', () => {
    const p = cluster.pod('cache', 0);
    const run = p.exec('redis', ['sh', '/opt/cdk8s-stateful/scripts/redis-probe.sh', 'readiness', '6379', '/etc/redis', 'rm']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the CLI must be redis-cli or valkey-cli');
  });

  test('without auth no password file is written or included', async () => {
    const open = new FakeCluster(synth({ auth: false }).docs);
    try {
      const p = open.pod('cache', 2);
      await p.init();
      expect(p.exec('redis', ['ls', '-A', '/etc/redis']).stdout.split('\n').filter(Boolean).sort()).toEqual(['redis.conf', 'role']);
      expect(p.exec('redis', ['cat', '/etc/redis/redis.conf']).stdout).not.toMatch(/^include /m);
    } finally {
      await open.destroy();
    }
  });
});

describe('examples', () => {
  function example(name: string): Doc[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chart: Chart = require(path.join(__dirname, '..', 'examples', name)).build(Testing.app());
    expect(chart.node.id).toBe(name);
    const docs = Testing.synth(chart) as Doc[];
    validateManifests(docs);
    crossReference(docs);
    return docs;
  }

  test('redis (seed 002): 2 pods, nfs-client ReadWriteMany 100Mi at /data, plus auth and retain', () => {
    const docs = example('redis');
    expect(docs).toMatchSnapshot();
    const sts = one(docs, 'StatefulSet', 'redis');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'redis-100m-pvc' }),
      spec: expect.objectContaining({ storageClassName: 'nfs-client', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Mi' } } }),
    })]);
    expect(main(docs).volumeMounts).toContainEqual({ name: 'redis-100m-pvc', mountPath: '/data' });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(main(docs).env[0].valueFrom.secretKeyRef).toEqual({ name: 'redis-auth', key: 'password' });
    expect(config(docs, 'redis')['replica.conf']).toContain('replicaof redis-0.redis 6379\n');
  });

  test('redis-ha: the defaults', () => {
    const docs = example('redis-ha');
    expect(docs).toMatchSnapshot();
    expect(one(docs, 'StatefulSet', 'cache').spec.replicas).toBe(3);
    expect(byKind(docs, 'Service').map(s => s.metadata.name).sort()).toEqual(['cache', 'cache-primary', 'cache-read']);
  });
});
