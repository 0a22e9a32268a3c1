/**
 * The fuzz targets: one generator over the whole props space of each public construct,
 * hostile values included. Adding a construct = one `FuzzTarget` here + one
 * `test/fuzz-<construct>.test.ts` that calls `fuzz()` on it.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { dnsLabel, FuzzTarget, junkEnum, junkNumber, junkString, opt, propsSpace, PropsSpec, space, validRecord } from './fuzz';
import { Doc } from './k8s';
import {
  ClaimRetentionPolicy, ClaimTemplateProps, Credentials, PetPort, PetService, PetServiceProps, PetUpdateStrategy, PodSpreading,
  MySqlFlavor, RedisAppendFsync, RedisEvictionPolicy, RedisFailover, RedisSentinelOptions,
  RedisSnapshotRule, StaticVolumeSource, StaticVolumesOptions, StatefulMySql,
  StatefulMySqlProps, StatefulProductProps, StatefulRedis, StatefulRedisProps, StatefulZooKeeper, StatefulZooKeeperProps, VolumeReclaimPolicy,
} from '../../src';

// ---- shared value generators ------------------------------------------------------------------

export const validSize: fc.Arbitrary<Size> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4096 }).map(n => Size.mebibytes(n)) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }).map(n => Size.gibibytes(n)) },
  fc.constantFrom(Size.kibibytes(1), Size.mebibytes(0.5), Size.gibibytes(1.5), Size.tebibytes(1), Size.pebibyte(2)),
);
export const junkSize: fc.Arbitrary<Size> = fc.oneof(
  fc.constantFrom(Size.kibibytes(0), Size.kibibytes(0.25), Size.pebibyte(2000), Size.gibibytes(NaN), Size.gibibytes(Infinity), Size.kibibytes(1e300)),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map(n => Size.mebibytes(n)),
  fc.constantFrom(undefined as any, null as any, '1Gi' as any, 1024 as any),
);
export const validDuration = (min: number): fc.Arbitrary<Duration> => fc.oneof(
  fc.integer({ min, max: 3600 }).map(n => Duration.seconds(n)),
  fc.constantFrom(Duration.minutes(2), Duration.hours(1), Duration.millis(5000)),
);
export const junkDuration: fc.Arbitrary<Duration> = fc.oneof(
  fc.constantFrom(Duration.millis(1500), Duration.millis(1), Duration.minutes(0.5), Duration.seconds(NaN), Duration.seconds(Infinity),
    Duration.days(30000), Duration.seconds(2 ** 31), Duration.seconds(0)),
  fc.double({ min: 0, max: 1e7, noNaN: true }).map(n => Duration.seconds(n)),
  fc.constantFrom(30 as any, '30s' as any, null as any),
);

const validPath = fc.stringMatching(/^(\/[a-z0-9._-]{1,12}){1,3}$/).filter(x => !x.split('/').includes('..'));
const pathWithOrdinal = fc.stringMatching(/^(\/[a-z0-9]{1,8}){1,2}\/d\{ordinal\}$/);
const validLabelValue = fc.stringMatching(/^[a-z0-9]([-a-z0-9_.]{0,20}[a-z0-9])?$/);
const validLabelKey = fc.oneof(
  fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/),
  fc.stringMatching(/^[a-z]{1,8}\.example\.com\/[a-z]{1,10}$/),
).filter(k => !k.startsWith('app.kubernetes.io/'));
export const validLabels = fc.dictionary(validLabelKey, validLabelValue, { maxKeys: 3 });
export const junkLabels = fc.oneof(
  fc.dictionary(fc.oneof(validLabelKey, junkString()), fc.oneof(validLabelValue, junkString()), { minKeys: 1, maxKeys: 3 }),
  fc.constantFrom({ 'app.kubernetes.io/name': 'x' }, { 'app.kubernetes.io/instance': 'y' }, [] as any, 'a=b' as any, null as any, { a: 1 } as any),
);
const validPortName = fc.stringMatching(/^[a-z]([a-z0-9]{0,5}-?[a-z0-9]{1,6})?$/);
const validPort = fc.integer({ min: 1, max: 65535 });
const junkPort = junkNumber(1, 65535);
const dnsName = (max: number) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('web', 'db', 'redis', 'mysql', 'kafka') }, dnsLabel(max));

// ---- PetService ----------------------------------------------------------------------------------

const staticVolumesSpec: PropsSpec<StaticVolumesOptions> = {
  source: space(
    fc.oneof(
      fc.record({ path: pathWithOrdinal, type: opt(fc.constantFrom(...Object.values(kplus.HostPathVolumeType))) }, { requiredKeys: ['path'] })
        .map(o => StaticVolumeSource.hostPath(o)),
      fc.record({ path: pathWithOrdinal, nodeNames: fc.constantFrom(['node-a'], ['node-{ordinal}']) }).map(o => StaticVolumeSource.local({ ...o, nodeNames: [...o.nodeNames] })),
      fc.record({ path: pathWithOrdinal, server: fc.constantFrom('nfs.example.com', '10.0.0.5'), readOnly: opt(fc.boolean()) },
        { requiredKeys: ['path', 'server'] }).map(o => StaticVolumeSource.nfs(o)),
    ),
    fc.oneof(
      fc.record({ path: fc.oneof(junkString(), validPath) }).map(o => StaticVolumeSource.hostPath(o)),
      fc.record({
        path: fc.oneof(junkString(), validPath, pathWithOrdinal),
        nodeNames: fc.array(fc.oneof(junkString(), dnsLabel(10)), { maxLength: 4 }),
      })
        .map(o => StaticVolumeSource.local(o)),
      fc.record({ path: fc.oneof(junkString(), pathWithOrdinal), server: junkString() }).map(o => StaticVolumeSource.nfs(o)),
      fc.constantFrom(undefined as any, {} as any, { path: '/x' } as any),
    ), false),
  count: space(fc.integer({ min: 1, max: 6 }), junkNumber(1, 10_000)),
  capacity: space(validSize, junkSize),
  reclaimPolicy: space(fc.constantFrom(VolumeReclaimPolicy.RETAIN, VolumeReclaimPolicy.DELETE),
    fc.oneof(fc.constant(VolumeReclaimPolicy.RECYCLE), junkEnum<VolumeReclaimPolicy>())),
  namePrefix: space(fc.constantFrom('pv-a', 'pv-b', 'vol', 'pv-nginx'), junkString()),
};

const claimTemplateSpec: PropsSpec<ClaimTemplateProps> = {
  name: space(fc.constantFrom('data', 'www', 'state', 'logs', 'wal', 'backup'), fc.oneof(junkString(), fc.constant('scripts')), false),
  size: space(validSize, junkSize, false),
  mountPath: space(fc.constantFrom('/data', '/var/lib/x', '/logs', '/usr/share/nginx/html', '/wal', '/backup'), junkString(), false),
  storageClassName: space(fc.constantFrom('', 'standard', 'fast-ssd', 'local-path'), junkString()),
  accessModes: space(fc.subarray(Object.values(kplus.PersistentVolumeAccessMode), { minLength: 1 }),
    fc.oneof(fc.constant([] as kplus.PersistentVolumeAccessMode[]), fc.array(
      fc.oneof(fc.constantFrom(...Object.values(kplus.PersistentVolumeAccessMode)), junkEnum<kplus.PersistentVolumeAccessMode>()),
      { minLength: 1, maxLength: 3 }))),
  volumeMode: space(fc.constantFrom(...Object.values(kplus.PersistentVolumeMode)), junkEnum()),
  readOnly: space(fc.boolean(), fc.constantFrom('yes' as any)),
  subPath: space(fc.constantFrom('sub', 'a/b', 'data.d'), fc.oneof(junkString(), fc.constantFrom('../x', '/abs', 'a/../../b'))),
  staticVolumes: space(validRecord(staticVolumesSpec), propsSpace(staticVolumesSpec)),
};

const containerSpec = (kind: string): PropsSpec<kplus.ContainerProps> => ({
  name: space(fc.constantFrom(kind, `${kind}-2`, 'exporter', 'backup'), fc.oneof(junkString(), fc.constant('main')), false),
  image: space(fc.constantFrom('busybox:1.36', 'oliver006/redis_exporter:v1.62.0'), junkString(), false),
  command: space(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), fc.constantFrom('sh' as any)),
  args: space(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), fc.constantFrom('x' as any)),
} as any);

const validProbe = (port: fc.Arbitrary<number>): fc.Arbitrary<kplus.Probe> => fc.oneof(
  port.map(p => kplus.Probe.fromTcpSocket({ port: p })),
  fc.tuple(fc.constantFrom('/', '/healthz', '/ready'), port).map(([path, p]) => kplus.Probe.fromHttpGet(path, { port: p })),
  fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }).map(cmd => kplus.Probe.fromCommand(cmd)),
  fc.constant(kplus.Probe.fromTcpSocket()),
);
const junkProbe: fc.Arbitrary<kplus.Probe> = fc.oneof(
  junkPort.map(port => kplus.Probe.fromTcpSocket({ port })),
  fc.tuple(fc.oneof(junkString(), fc.constant('no-slash')), fc.oneof(validPort, junkPort)).map(([path, port]) => kplus.Probe.fromHttpGet(path, { port })),
  fc.constantFrom(kplus.Probe.fromCommand([]), {} as any, 'tcp' as any),
);

const validResources: fc.Arbitrary<kplus.ContainerResources> = fc.record({
  cpu: fc.record({
    request: opt(fc.integer({ min: 1, max: 1000 }).map(n => kplus.Cpu.millis(n))),
    limit: opt(fc.integer({ min: 1000, max: 8000 }).map(n => kplus.Cpu.units(n / 1000))),
  }),
  memory: fc.record({
    request: opt(fc.integer({ min: 16, max: 1024 }).map(n => Size.mebibytes(n))),
    limit: opt(fc.integer({ min: 1, max: 8 }).map(n => Size.gibibytes(n))),
  }),
}, { requiredKeys: [] });
const junkResources: fc.Arbitrary<kplus.ContainerResources> = fc.oneof(
  fc.record({ cpu: fc.record({ request: junkNumber(1, 4000).map(n => kplus.Cpu.millis(n)) }) }),
  fc.record({ cpu: fc.record({ limit: junkNumber(1, 64).map(n => kplus.Cpu.units(n)) }) }),
  fc.record({ memory: fc.record({ request: junkSize }) }),
  fc.record({ memory: fc.record({ limit: junkSize }) }),
  fc.constantFrom(
    { cpu: { request: kplus.Cpu.millis(2000), limit: kplus.Cpu.millis(1000) } },
    { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } },
  ),
);

export interface PetCase {
  readonly id: string;
  readonly props: PetServiceProps;
  /** `addClientService(id, options)` after the constructor. */
  readonly clientService?: { id: string; ordinal?: number; portNames?: string[]; type?: kplus.ServiceType };
  /** `isolateNetwork({ clients, clientPortNames, name })` after the constructor; clients by kind. */
  readonly network?: { clients?: Array<'pods' | 'namespace' | 'podsElsewhere' | 'ip' | 'junk'>; clientPortNames?: string[]; name?: string };
}

const portSpec: PropsSpec<PetPort> = {
  name: space(validPortName, junkString(), false),
  port: space(validPort, junkPort, false),
  containerPort: space(validPort, junkPort),
  protocol: space(fc.constantFrom(kplus.Protocol.TCP, kplus.Protocol.UDP, kplus.Protocol.SCTP), junkEnum()),
};
const validPorts = fc.uniqueArray(validRecord(portSpec), { minLength: 1, maxLength: 3, selector: p => p.name });

export const petPropsSpec: PropsSpec<PetServiceProps> = {
  image: space(fc.constantFrom('nginx:1.27', 'luksa/kubia-pet', 'redis:7.4', 'registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64)),
    fc.oneof(junkString(), fc.constantFrom(undefined as any, 42 as any)), false),
  ports: space(validPorts, fc.oneof(
    fc.array(propsSpace(portSpec), { minLength: 1, maxLength: 3 }),
    fc.constantFrom(undefined as any, [], {} as any, [null] as any),
    fc.tuple(validRecord(portSpec), validRecord(portSpec)).map(([a, b]) => [a, { ...b, name: a.name }]),
    fc.tuple(validRecord(portSpec), validRecord(portSpec)).map(([a, b]) => [a, { ...b, name: a.name === 'x' ? 'y' : 'x', port: a.port, protocol: a.protocol }]),
  ), false),
  name: space(dnsName(52), fc.oneof(junkString(), fc.stringMatching(/^[a-z]{53,60}$/))),
  serviceName: space(dnsName(63), junkString()),
  namespace: space(fc.constantFrom('default', 'prod', 'k8s-learning', 'team-a'), junkString()),
  clusterDomain: space(fc.constantFrom('cluster.local', 'k8s.example.com'), junkString()),
  appName: space(dnsName(20), junkString()),
  component: space(fc.constantFrom('database', 'cache', 'server'), junkString()),
  partOf: space(fc.constantFrom('shop', 'platform'), junkString()),
  labels: space(validLabels, junkLabels),
  podAnnotations: space(fc.dictionary(validLabelKey, fc.string({ maxLength: 30 }), { maxKeys: 3 }),
    fc.oneof(fc.dictionary(junkString(), fc.string(), { minKeys: 1, maxKeys: 2 }), fc.constantFrom({ a: 1 } as any, [] as any, null as any))),
  replicas: space(fc.integer({ min: 1, max: 7 }), junkNumber(1, 10_000)),
  ordinalsStart: space(fc.integer({ min: 0, max: 10 }), junkNumber(0, 1_000_000)),
  podManagementPolicy: space(fc.constantFrom(...Object.values(kplus.PodManagementPolicy)), junkEnum()),
  updateStrategy: space(fc.constantFrom(...Object.values(PetUpdateStrategy)), junkEnum()),
  partition: space(fc.integer({ min: 0, max: 5 }), junkNumber(0, 10_000)),
  minReady: space(validDuration(0), junkDuration),
  revisionHistoryLimit: space(fc.integer({ min: 0, max: 20 }), junkNumber(0, 1000)),
  claimRetentionWhenDeleted: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  claimRetentionWhenScaled: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  claimTemplates: space(fc.uniqueArray(validRecord(claimTemplateSpec), { maxLength: 3, selector: t => t.name }),
    fc.oneof(fc.array(propsSpace(claimTemplateSpec), { minLength: 1, maxLength: 3 }), fc.constantFrom({} as any, [null] as any))),
  publishNotReadyAddresses: space(fc.boolean(), fc.constantFrom('true' as any)),
  enableServiceLinks: space(fc.boolean(), fc.constantFrom('false' as any, 0 as any)),
  containerName: space(fc.constantFrom('main', 'redis', 'nginx', 'server'), junkString()),
  command: space(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), fc.constantFrom('redis-server' as any, [1] as any)),
  args: space(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), fc.constantFrom('--port 1' as any, [null] as any)),
  envVariables: space(fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.string({ maxLength: 20 }).map(v => kplus.EnvValue.fromValue(v)), { maxKeys: 3 }),
    fc.oneof(fc.dictionary(junkString(), fc.constant(kplus.EnvValue.fromValue('x')), { minKeys: 1, maxKeys: 2 }), fc.constantFrom({ A: 'plain' } as any, [] as any))),
  workingDir: space(validPath, junkString()),
  imagePullPolicy: space(fc.constantFrom(...Object.values(kplus.ImagePullPolicy)), junkEnum()),
  resources: space(validResources, junkResources),
  readiness: space(validProbe(validPort), junkProbe),
  liveness: space(validProbe(validPort), junkProbe),
  startup: space(validProbe(validPort), junkProbe),
  runAsUser: space(fc.integer({ min: 1, max: 70000 }), junkNumber(1, 2 ** 31 - 1)),
  runAsGroup: space(fc.integer({ min: 0, max: 70000 }), junkNumber(0, 2 ** 31 - 1)),
  fsGroup: space(fc.integer({ min: 0, max: 70000 }), junkNumber(0, 2 ** 31 - 1)),
  readOnlyRootFilesystem: space(fc.boolean(), fc.constantFrom(1 as any)),
  allowRunAsRoot: space(fc.boolean(), fc.constantFrom('no' as any)),
  terminationGracePeriod: space(validDuration(1), junkDuration),
  disruptionBudget: space(fc.boolean(), fc.constantFrom(0 as any)),
  maxUnavailable: space(fc.integer({ min: 1, max: 3 }), junkNumber(1, 10_000)),
  spreading: space(fc.constantFrom(...Object.values(PodSpreading)), junkEnum()),
  initContainers: space(fc.uniqueArray(validRecord(containerSpec('init')), { maxLength: 2, selector: c => c.name }),
    fc.oneof(fc.array(propsSpace(containerSpec('init')), { minLength: 1, maxLength: 2 }), fc.constantFrom([null] as any))),
  sidecars: space(fc.uniqueArray(validRecord(containerSpec('sidecar')), { maxLength: 2, selector: c => c.name }),
    fc.oneof(fc.array(propsSpace(containerSpec('sidecar')), { minLength: 1, maxLength: 2 }), fc.constantFrom([null] as any))),
  // An IServiceAccount needs a scope, which a generator has not: covered by test/pet-service.test.ts.
  serviceAccount: space(fc.constant(undefined), fc.constant(undefined)),
};

/** Makes valid PetService props agree with each other (conflicts come from the hostile branches). */
export function coherentPet(p: PetServiceProps): PetServiceProps {
  const out: any = { ...p };
  const replicas = p.replicas ?? 1;
  if (p.updateStrategy === PetUpdateStrategy.ON_DELETE || (p.partition ?? 0) > replicas) delete out.partition;
  if (!(p.disruptionBudget ?? replicas > 1) || (p.maxUnavailable ?? 1) > replicas) delete out.maxUnavailable;
  const ports = new Set<string>();
  out.ports = p.ports.filter(x => {
    const keys = [`s${x.port}/${x.protocol ?? 'TCP'}`, `c${x.containerPort ?? x.port}/${x.protocol ?? 'TCP'}`];
    if (keys.some(k => ports.has(k))) return false;
    keys.forEach(k => ports.add(k));
    return true;
  });
  const prefixes = new Set<string>();
  const mountPaths = new Set<string>();
  out.claimTemplates = p.claimTemplates?.filter(t => !mountPaths.has(t.mountPath) && mountPaths.add(t.mountPath)).map(t => {
    if (!t.staticVolumes) return t;
    out.namespace ??= 'default';
    const sv: any = { ...t.staticVolumes };
    if ((sv.count ?? replicas) < replicas) sv.count = replicas;
    if (sv.capacity && sv.capacity.toKibibytes({ rounding: 1 }) < t.size.toKibibytes({ rounding: 1 })) delete sv.capacity;
    if (prefixes.has(sv.namePrefix)) delete sv.namePrefix;
    prefixes.add(sv.namePrefix);
    return { ...t, staticVolumes: sv };
  });
  const containerNames = new Set([p.containerName ?? 'main']);
  for (const k of ['initContainers', 'sidecars']) {
    out[k] = out[k]?.filter((c: kplus.ContainerProps) => !containerNames.has(c.name!) && containerNames.add(c.name!));
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export const petCaseArb: fc.Arbitrary<PetCase> = fc.record({
  id: fc.oneof({ weight: 30, arbitrary: fc.constantFrom('web', 'db', 'Pets', 'kafka-broker') }, fc.constantFrom('a'.repeat(53), 'Ünï', 'a b', 'x_y', '0web')),
  props: propsSpace(petPropsSpec, coherentPet),
  clientService: opt(fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        id: fc.constantFrom('client', 'read', 'Primary'),
        ordinal: opt(fc.integer({ min: 0, max: 2 })),
        portNames: opt(fc.constant(undefined)),
        type: opt(fc.constantFrom(kplus.ServiceType.CLUSTER_IP, kplus.ServiceType.NODE_PORT, kplus.ServiceType.LOAD_BALANCER)),
      }, { requiredKeys: ['id'] }),
    },
    fc.record({
      id: fc.constantFrom<string>('client', 'Service', 'Resource', 'Scripts', 'DisruptionBudget', 'a b', ''),
      ordinal: opt(fc.oneof(fc.integer({ min: 0, max: 6 }), junkNumber(0, 6))),
      portNames: opt(fc.array(fc.oneof(validPortName, junkString()), { maxLength: 2 })),
      type: opt(fc.oneof(fc.constantFrom(kplus.ServiceType.CLUSTER_IP, kplus.ServiceType.EXTERNAL_NAME), junkEnum<kplus.ServiceType>())),
    }, { requiredKeys: ['id'] }),
  ), 3),
  network: opt(fc.record({
    clients: opt(fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom<'pods' | 'namespace' | 'podsElsewhere' | 'ip'>('pods', 'namespace', 'podsElsewhere', 'ip') },
      fc.constant<'junk'>('junk')), { maxLength: 3 })),
    clientPortNames: opt(fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) },
      fc.array(fc.oneof(validPortName, junkString()), { maxLength: 2 }))),
    name: opt(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('allow-clients', 'db.ingress') }, junkString())),
  }), 3),
}, { requiredKeys: ['id', 'props'] });

/** Prop names of PetServiceProps (the roots an error may name), plus the methods a case calls. */
export const PET_PROP_NAMES = [
  'props', 'image', 'ports', 'name', 'serviceName', 'namespace', 'clusterDomain', 'appName', 'component', 'partOf', 'labels',
  'podAnnotations', 'replicas', 'ordinalsStart', 'podManagementPolicy', 'updateStrategy', 'partition', 'minReady',
  'revisionHistoryLimit', 'claimRetentionWhenDeleted', 'claimRetentionWhenScaled', 'claimTemplates', 'publishNotReadyAddresses', 'enableServiceLinks',
  'containerName', 'command', 'args', 'envVariables', 'workingDir', 'imagePullPolicy', 'resources', 'readiness', 'liveness',
  'startup', 'runAsUser', 'runAsGroup', 'fsGroup', 'readOnlyRootFilesystem', 'allowRunAsRoot', 'terminationGracePeriod',
  'disruptionBudget', 'maxUnavailable', 'spreading', 'initContainers', 'sidecars', 'serviceAccount',
  'addClientService',
  'isolateNetwork',
  // addClientService({ ordinal }) is checked by podName(), whose errors name `ordinal`.
  'ordinal',
];

function wantsDeletion(props: PetServiceProps): boolean {
  return props.claimRetentionWhenDeleted === ClaimRetentionPolicy.DELETE || props.claimRetentionWhenScaled === ClaimRetentionPolicy.DELETE
    || (props.claimTemplates ?? []).some(t => t?.staticVolumes?.reclaimPolicy === VolumeReclaimPolicy.DELETE);
}

/** PetService invariants beyond the generic ones: what was asked for is what came out. */
function checkPet(docs: Doc[], c: PetCase): void {
  const p = c.props;
  const sts = docs.filter(d => d.kind === 'StatefulSet');
  if (sts.length !== 1) throw new Error(`expected one StatefulSet, got ${sts.length}`);
  const spec = sts[0].spec;
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  expect('name', sts[0].metadata.name, p.name ?? c.id.toLowerCase());
  expect('replicas', spec.replicas, p.replicas ?? 1);
  expect('podManagementPolicy', spec.podManagementPolicy, p.podManagementPolicy ?? 'OrderedReady');
  expect('retention', spec.persistentVolumeClaimRetentionPolicy, {
    whenDeleted: p.claimRetentionWhenDeleted ?? 'Retain', whenScaled: p.claimRetentionWhenScaled ?? 'Retain',
  });
  expect('claim templates', (spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name), (p.claimTemplates ?? []).map(t => t.name));
  expect('terminationGracePeriodSeconds', spec.template.spec.terminationGracePeriodSeconds, (p.terminationGracePeriod?.toSeconds() ?? 30));
  const pdbs = docs.filter(d => d.kind === 'PodDisruptionBudget');
  expect('PodDisruptionBudget count', pdbs.length, (p.disruptionBudget ?? (p.replicas ?? 1) > 1) ? 1 : 0);
  const pvCount = (p.claimTemplates ?? []).reduce((n, t) => n + (t.staticVolumes ? t.staticVolumes.count ?? (p.replicas ?? 1) : 0), 0);
  expect('static PV count', docs.filter(d => d.kind === 'PersistentVolume').length, pvCount);
  if (!p.allowRunAsRoot) expect('runAsUser', spec.template.spec.securityContext.runAsUser, p.runAsUser ?? 1000);
  const policies = docs.filter(d => d.kind === 'NetworkPolicy');
  expect('NetworkPolicy count', policies.length, c.network ? 1 : 0);
  if (c.network) {
    const np = policies[0].spec;
    expect('NetworkPolicy podSelector', np.podSelector, spec.selector);
    expect('NetworkPolicy peers rule', np.ingress[0], { from: [{ podSelector: spec.selector }], ports: [] });
    expect('NetworkPolicy client rules', np.ingress.length, 1 + (c.network.clients ?? []).length);
  }
}

export const petServiceTarget: FuzzTarget<PetCase> = {
  name: 'PetService',
  errorSources: ['PetService'],
  propNames: PET_PROP_NAMES,
  arbitrary: petCaseArb,
  build(chart: Chart, c: PetCase) {
    const pet = new PetService(chart, c.id, c.props);
    if (c.clientService) {
      const { id, ...options } = c.clientService;
      pet.addClientService(id, options);
    }
    if (c.network) {
      const clients = (c.network.clients ?? []).map((kind, i) => {
        switch (kind) {
          case 'pods': return kplus.Pods.select(chart, `Client${i}`, { labels: { app: 'shop' } });
          case 'namespace': return kplus.Namespaces.select(chart, `Client${i}`, { names: ['monitoring'] });
          case 'podsElsewhere': return kplus.Pods.select(chart, `Client${i}`, { labels: { app: 'batch' }, namespaces: kplus.Namespaces.select(chart, `Ns${i}`, { names: ['jobs', 'cron'] }) });
          case 'ip': return kplus.NetworkPolicyIpBlock.ipv4(chart, `Client${i}`, '192.0.2.0/24');
          default: return { app: 'not-a-peer' } as any;
        }
      });
      pet.isolateNetwork({ clients: c.network.clients && clients, clientPortNames: c.network.clientPortNames, name: c.network.name });
    }
  },
  restrictedOptOut: c => c.props.allowRunAsRoot === true,
  deletionOptIn: c => wantsDeletion(c.props),
  pdbOptOut: c => c.props.disruptionBudget === false,
  check: checkPet,
};

// ---- shared by the products ------------------------------------------------------------------------

/** A password no generator produces by accident: it must never leave its Secret. */
export const SECRET_MARKER = 'S3cr3t-Marker-7f2c9a';

/** Credentials as a value a user passes: by Secret name, or a literal password (the marker). */
const validCredentials: fc.Arbitrary<Credentials> = fc.oneof(
  fc.constantFrom('db-auth', 'redis-secret').map(n => Credentials.fromSecretName(n)),
  fc.constantFrom('password', 'redis-password').map(k => Credentials.fromSecretName('app-secret', k)),
  fc.constant(null).map(() => Credentials.fromPassword(SECRET_MARKER)),
);
const junkCredentials: fc.Arbitrary<Credentials> = fc.constantFrom('hunter2' as any, { password: 'x' } as any, null as any);

/** The product's own errors, plus PetService's for props the product passes through under the same name. */
const productSources = (name: string) => [name, 'PetService'];

const staticVolumesArb = fc.oneof(validRecord(staticVolumesSpec), propsSpace(staticVolumesSpec));

/** Data-safety checks shared by the database products: one StatefulSet, OrderedReady, time to flush on shutdown. */
function checkDatabase(docs: Doc[], c: { props: { terminationGracePeriod?: Duration; failover?: RedisFailover } }): void {
  const sts = docs.filter(d => d.kind === 'StatefulSet');
  if (sts.length !== 1) throw new Error(`expected one StatefulSet, got ${sts.length}`);
  const spec = sts[0].spec;
  // Sentinel mode starts every pod at once: each decides its role from the set.
  const policy = c.props.failover?.mode === 'sentinel' ? 'Parallel' : 'OrderedReady';
  if (spec.podManagementPolicy !== policy) throw new Error(`podManagementPolicy ${spec.podManagementPolicy}: expected ${policy}`);
  const grace = spec.template.spec.terminationGracePeriodSeconds;
  const asked = c.props.terminationGracePeriod?.toSeconds();
  if (asked === undefined ? grace < 30 : grace !== asked) throw new Error(`terminationGracePeriodSeconds ${grace} (asked ${asked})`);
}

// ---- StatefulRedis ----------------------------------------------------------------------------------

const validSentinelOptions: fc.Arbitrary<RedisSentinelOptions> = fc.record({
  quorum: opt(fc.integer({ min: 1, max: 3 })),
  downAfter: opt(fc.integer({ min: 1, max: 30 }).map(n => Duration.seconds(n))),
  failoverTimeout: opt(fc.integer({ min: 31, max: 600 }).map(n => Duration.seconds(n))),
  minReplicasToWrite: opt(fc.integer({ min: 0, max: 2 })),
  minReplicasMaxLag: opt(fc.integer({ min: 1, max: 60 }).map(n => Duration.seconds(n))),
  masterName: opt(fc.constantFrom('mymaster', 'shop.cache', 'm-1')),
  sentinelPort: opt(fc.constantFrom(26379, 26380, 36379)),
  sentinelServiceName: opt(fc.constantFrom('redis-sentinels', 'sentinels')),
  labelerImage: opt(fc.constantFrom('curlimages/curl:8.11.1', 'registry.example.com/curl:8')),
}, { requiredKeys: [] });
const junkSentinelOptions: fc.Arbitrary<RedisSentinelOptions> = fc.oneof(
  fc.record({ quorum: junkNumber(1, 3) }),
  fc.record({ downAfter: junkDuration }),
  fc.record({ failoverTimeout: junkDuration }),
  fc.record({ minReplicasToWrite: junkNumber(0, 2) }),
  fc.record({ minReplicasMaxLag: junkDuration }),
  fc.record({ masterName: junkString() }),
  fc.record({ sentinelPort: junkPort }),
  fc.record({ sentinelServiceName: junkString() }),
  fc.record({ labelerImage: fc.constantFrom('' as any, 7 as any) }),
);

export const redisPropsSpec: PropsSpec<StatefulRedisProps> = {
  name: space(dnsName(52), fc.oneof(junkString(), fc.stringMatching(/^[a-z]{53,60}$/))),
  serviceName: space(fc.constantFrom('redis-headless', 'cache'), junkString()),
  primaryServiceName: space(fc.constantFrom('redis-master', 'cache-write'), junkString()),
  readServiceName: space(fc.constantFrom('redis-replicas', 'cache-read'), junkString()),
  namespace: space(fc.constantFrom('default', 'cache', 'prod'), junkString()),
  clusterDomain: space(fc.constantFrom('cluster.local', 'k8s.example.com'), junkString()),
  labels: space(validLabels, junkLabels),
  replicas: space(fc.integer({ min: 1, max: 6 }), junkNumber(1, 1000)),
  image: space(fc.constantFrom('redis:7.4', 'redis:7.2-alpine', 'valkey/valkey:8'), junkString()),
  version: space(fc.constantFrom('5.0', '6.2', '7.4', '8.0'), fc.oneof(junkString(), fc.constantFrom('4.0', '9.0', '5.0.2', 'latest'))),
  imagePullPolicy: space(fc.constantFrom(...Object.values(kplus.ImagePullPolicy)), junkEnum()),
  port: space(fc.oneof(fc.constant(6379), validPort), junkPort),
  auth: space(fc.boolean(), fc.constantFrom('yes' as any, 1 as any)),
  credentials: space(validCredentials, junkCredentials),
  failover: space(
    fc.oneof(fc.constant(null).map(() => RedisFailover.none()), validSentinelOptions.map(o => RedisFailover.sentinel(o))),
    fc.oneof(junkSentinelOptions.map(o => RedisFailover.sentinel(o)), fc.constantFrom({ mode: 'sentinel' } as any, 'sentinel' as any))),
  appendOnly: space(fc.boolean(), fc.constantFrom('no' as any)),
  appendFsync: space(fc.constantFrom(...Object.values(RedisAppendFsync)), junkEnum()),
  rdbSnapshots: space(
    fc.array(fc.record({
      interval: fc.integer({ min: 1, max: 7200 }).map(n => Duration.seconds(n)),
      changes: fc.integer({ min: 1, max: 100000 }),
    }), { maxLength: 3 }),
    fc.oneof(
      fc.array(fc.record({
        interval: fc.oneof(junkDuration, validDuration(1)),
        changes: fc.oneof(junkNumber(1, 2 ** 31 - 1), fc.integer({ min: 1, max: 9 })),
      }),
      { minLength: 1, maxLength: 2 }) as fc.Arbitrary<RedisSnapshotRule[]>,
      fc.constantFrom({} as any, [null] as any, '3600 1' as any),
    )),
  maxmemory: space(fc.integer({ min: 1, max: 300 }).map(n => Size.mebibytes(n)), junkSize),
  maxmemoryPolicy: space(fc.constantFrom(...Object.values(RedisEvictionPolicy)), junkEnum()),
  extraConfig: space(
    fc.dictionary(fc.constantFrom('hz', 'tcp-keepalive', 'timeout', 'latency-tracking', 'activedefrag'), fc.constantFrom('10', '300', 'yes', 'no', '0'), { maxKeys: 3 }),
    fc.oneof(
      fc.dictionary(fc.oneof(junkString(), fc.constantFrom('port', 'requirepass', 'save', 'dir', 'replicaof', 'include')), fc.oneof(junkString(), fc.constant('x')), { minKeys: 1, maxKeys: 2 }),
      fc.constantFrom({ hz: 'a\nrequirepass x' } as any, { hz: 10 } as any, { timeout: '' } as any),
    )),
  storageSize: space(validSize, junkSize),
  storageClassName: space(fc.constantFrom('', 'standard', 'fast-ssd'), junkString()),
  storageAccessModes: space(fc.subarray(Object.values(kplus.PersistentVolumeAccessMode), { minLength: 1 }),
    fc.oneof(fc.constant([] as kplus.PersistentVolumeAccessMode[]),
      fc.array(junkEnum<kplus.PersistentVolumeAccessMode>(), { minLength: 1, maxLength: 2 }))),
  storageClaimName: space(fc.constantFrom('data', 'redis-data'), fc.oneof(junkString(), fc.constant('scripts'))),
  storageStaticVolumes: space(validRecord(staticVolumesSpec), staticVolumesArb),
  claimRetentionWhenDeleted: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  claimRetentionWhenScaled: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  resources: space(validResources, junkResources),
  runAsUser: space(fc.constantFrom(999, 1000, 1001, 65532), junkNumber(1, 2 ** 31 - 1)),
  runAsGroup: space(fc.constantFrom(999, 1000), junkNumber(0, 2 ** 31 - 1)),
  fsGroup: space(fc.constantFrom(999, 1000), junkNumber(0, 2 ** 31 - 1)),
  readOnlyRootFilesystem: space(fc.boolean(), fc.constantFrom(0 as any)),
  terminationGracePeriod: space(validDuration(1), junkDuration),
  spreading: space(fc.constantFrom(...Object.values(PodSpreading)), junkEnum()),
  disruptionBudget: space(fc.boolean(), fc.constantFrom('on' as any)),
  maxUnavailable: space(fc.integer({ min: 1, max: 3 }), junkNumber(1, 1000)),
  podAnnotations: space(fc.dictionary(validLabelKey, fc.string({ maxLength: 30 }), { maxKeys: 3 }),
    fc.oneof(fc.dictionary(junkString(), fc.string(), { minKeys: 1, maxKeys: 2 }), fc.constantFrom({ a: 1 } as any, [] as any))),
  // The shared props StatefulRedis passes through to the core, with the core's spaces.
  ordinalsStart: petPropsSpec.ordinalsStart!,
  updateStrategy: petPropsSpec.updateStrategy!,
  partition: petPropsSpec.partition!,
  minReady: petPropsSpec.minReady!,
  revisionHistoryLimit: petPropsSpec.revisionHistoryLimit!,
  enableServiceLinks: petPropsSpec.enableServiceLinks!,
  initContainers: petPropsSpec.initContainers!,
  sidecars: petPropsSpec.sidecars!,
  serviceAccount: petPropsSpec.serviceAccount!,
};

/** Makes valid StatefulRedis props agree with each other. */
export function coherentRedis(p: StatefulRedisProps): StatefulRedisProps {
  const out: any = { ...p };
  const replicas = p.replicas ?? 3;
  if (p.auth === false) delete out.credentials;
  if (p.appendOnly === false) delete out.appendFsync;
  if (p.version !== undefined && /valkey/.test(p.image ?? '')) out.version = '8.0';
  if (p.updateStrategy === PetUpdateStrategy.ON_DELETE || (p.partition ?? 0) > replicas) delete out.partition;
  const containerNames = new Set(['redis', 'redis-init', 'redis-seed']);
  for (const k of ['initContainers', 'sidecars']) {
    out[k] = out[k]?.filter((c: kplus.ContainerProps) => !containerNames.has(c.name!) && containerNames.add(c.name!));
  }
  if (!(p.disruptionBudget ?? replicas > 1) || (p.maxUnavailable ?? 1) > replicas) delete out.maxUnavailable;
  if (p.failover?.mode === 'sentinel') {
    // Sentinel mode: 3+ pods, auth, Redis 6.2+, a Sentinel port of its own.
    if (replicas < 3) out.replicas = 3;
    delete out.auth;
    if (p.version !== undefined && Number(p.version.split('.')[0]) < 7) delete out.version;
    const o = p.failover.sentinelOptions ?? {};
    if ((o.sentinelPort ?? 26379) === (p.port ?? 6379)) out.port = 6379;
  }
  coherentStaticVolumes(p, out, out.replicas ?? replicas, Size.gibibytes(1));
  const limit = (p.resources ?? { memory: { limit: Size.mebibytes(512) } }).memory?.limit;
  if (p.maxmemory && limit && p.maxmemory.toKibibytes({ rounding: 1 }) >= limit.toKibibytes({ rounding: 1 })) delete out.maxmemory;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

const REDIS_PROP_NAMES = [...Object.keys(redisPropsSpec), 'props'];

/** A product's static volumes made coherent: a namespace, one volume per pod, room for the claim. */
function coherentStaticVolumes(p: StatefulProductProps, out: any, replicas: number, defaultSize: Size): void {
  if (!p.storageStaticVolumes) return;
  out.namespace ??= 'default';
  const sv: any = { ...p.storageStaticVolumes };
  if ((sv.count ?? replicas) < replicas) sv.count = replicas;
  const size = (p.storageSize ?? defaultSize).toKibibytes({ rounding: 1 });
  if (sv.capacity && sv.capacity.toKibibytes({ rounding: 1 }) < size) delete sv.capacity;
  out.storageStaticVolumes = sv;
}

/** A product's explicit opt-ins the data-safety check honours: deletion, and no PodDisruptionBudget. */
const productOptIns = {
  deletionOptIn: (c: { props: StatefulProductProps }) => c.props.claimRetentionWhenDeleted === ClaimRetentionPolicy.DELETE
    || c.props.claimRetentionWhenScaled === ClaimRetentionPolicy.DELETE
    || c.props.storageStaticVolumes?.reclaimPolicy === VolumeReclaimPolicy.DELETE,
  pdbOptOut: (c: { props: StatefulProductProps }) => c.props.disruptionBudget === false,
};

export const statefulRedisTarget: FuzzTarget<{ id: string; props: StatefulRedisProps }> = {
  name: 'StatefulRedis',
  errorSources: productSources('StatefulRedis'),
  propNames: REDIS_PROP_NAMES,
  arbitrary: fc.record({
    id: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('redis', 'cache', 'Sessions') }, fc.constantFrom('a b', 'x'.repeat(53), '0cache')),
    props: propsSpace(redisPropsSpec, coherentRedis),
  }),
  build: (chart, c) => {
    new StatefulRedis(chart, c.id, c.props);
  },
  ...productOptIns,
  secrets: () => [SECRET_MARKER],
  check: checkDatabase,
};

// ---- StatefulMySql ------------------------------------------------------------------------------------

const account = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
export const mysqlPropsSpec: PropsSpec<StatefulMySqlProps> = {
  flavor: space(fc.constantFrom(MySqlFlavor.MYSQL, MySqlFlavor.MARIADB), junkEnum()),
  image: space(fc.constantFrom('mysql:8.4', 'mariadb:10.11', 'mariadb:11.4', 'mysql:8.0'), junkString()),
  version: space(fc.constantFrom('8.4', '8.0.36', '10.11', '11.4'), fc.oneof(junkString(), fc.constantFrom('5.7', '10.6', '9.0'))),
  name: space(dnsName(52), fc.oneof(junkString(), fc.stringMatching(/^[a-z]{53,60}$/))),
  namespace: space(fc.constantFrom('default', 'db', 'prod'), junkString()),
  clusterDomain: space(fc.constantFrom('cluster.local', 'k8s.example.com'), junkString()),
  replicas: space(fc.integer({ min: 1, max: 5 }), junkNumber(1, 1000)),
  ordinalsStart: space(fc.integer({ min: 0, max: 10 }), junkNumber(0, 1_000_000)),
  serverIdOffset: space(fc.integer({ min: 1, max: 100000 }), fc.oneof(junkNumber(1, 4294967295), fc.constant(0))),
  port: space(fc.oneof(fc.constant(3306), validPort), junkPort),
  clonePort: space(fc.oneof(fc.constant(3307), validPort), junkPort),
  storageSize: space(validSize, junkSize),
  storageClassName: space(fc.constantFrom('standard', 'fast-ssd', 'local-path'), junkString()),
  rootPassword: space(validCredentials, junkCredentials),
  replicationUser: space(fc.oneof(fc.constant('repl'), account), fc.oneof(junkString(), fc.constantFrom('root', 'a'.repeat(33), "o'brien", 'x;drop'))),
  replicationPassword: space(validCredentials, junkCredentials),
  database: space(fc.constantFrom('app', 'shop', 'orders_2024'), fc.oneof(junkString(), fc.constantFrom('mysql', 'sys', 'a`b', 'x'.repeat(65)))),
  user: space(fc.oneof(fc.constantFrom('app', 'shop'), account), fc.oneof(junkString(), fc.constantFrom('root', "a'b"))),
  userPassword: space(validCredentials, junkCredentials),
  serverOptions: space(
    fc.dictionary(fc.constantFrom('max_connections', 'innodb_buffer_pool_size', 'character_set_server', 'slow_query_log'), fc.constantFrom('500', '256M', 'utf8mb4', 'ON'), { maxKeys: 3 }),
    fc.oneof(
      fc.dictionary(fc.oneof(junkString(), fc.constantFrom('server_id', 'datadir', 'port', 'read_only', 'log_bin')), fc.oneof(junkString(), fc.constant('1')), { minKeys: 1, maxKeys: 2 }),
      fc.constantFrom({ max_connections: '1\n[client]' } as any, { max_connections: 10 } as any, [] as any),
    )),
  resources: space(validResources, junkResources),
  runAsUser: space(fc.constantFrom(999, 1000, 27), junkNumber(1, 2 ** 31 - 1)),
  fsGroup: space(fc.constantFrom(999, 1000, 27), junkNumber(0, 2 ** 31 - 1)),
  readOnlyRootFilesystem: space(fc.boolean(), fc.constantFrom('true' as any)),
  spreading: space(fc.constantFrom(...Object.values(PodSpreading)), junkEnum()),
  terminationGracePeriod: space(validDuration(1), junkDuration),
  labels: space(validLabels, junkLabels),
  // The shared props (StatefulProductProps) StatefulMySql passes through to its PetService.
  serviceName: space(fc.constantFrom('db-headless', 'mysql-hs'), junkString()),
  primaryServiceName: space(fc.constantFrom('db-write', 'orders-write'), fc.oneof(junkString(), fc.constantFrom('0db', 'db', 'mysql'))),
  readServiceName: space(fc.constantFrom('db-reads', 'orders-replicas'), fc.oneof(junkString(), fc.constantFrom('0db', 'db-primary', 'mysql-primary'))),
  podAnnotations: petPropsSpec.podAnnotations,
  updateStrategy: petPropsSpec.updateStrategy,
  partition: petPropsSpec.partition,
  minReady: petPropsSpec.minReady,
  revisionHistoryLimit: petPropsSpec.revisionHistoryLimit,
  imagePullPolicy: petPropsSpec.imagePullPolicy,
  storageAccessModes: space(fc.subarray(Object.values(kplus.PersistentVolumeAccessMode), { minLength: 1 }),
    fc.oneof(fc.constant([] as kplus.PersistentVolumeAccessMode[]),
      fc.array(junkEnum<kplus.PersistentVolumeAccessMode>(), { minLength: 1, maxLength: 2 }))),
  storageClaimName: space(fc.constantFrom('data', 'mysql-data'), fc.oneof(junkString(), fc.constant('scripts'))),
  storageStaticVolumes: space(validRecord(staticVolumesSpec), staticVolumesArb),
  claimRetentionWhenDeleted: petPropsSpec.claimRetentionWhenDeleted,
  claimRetentionWhenScaled: petPropsSpec.claimRetentionWhenScaled,
  runAsGroup: space(fc.constantFrom(999, 1000), junkNumber(0, 2 ** 31 - 1)),
  disruptionBudget: space(fc.boolean(), fc.constantFrom('on' as any)),
  maxUnavailable: space(fc.integer({ min: 1, max: 3 }), junkNumber(1, 1000)),
  initContainers: petPropsSpec.initContainers,
  sidecars: petPropsSpec.sidecars,
  serviceAccount: petPropsSpec.serviceAccount,
  enableServiceLinks: petPropsSpec.enableServiceLinks,
};

/** Makes valid StatefulMySql props agree with each other. */
export function coherentMySql(p: StatefulMySqlProps): StatefulMySqlProps {
  const out: any = { ...p };
  if ((p.flavor ?? MySqlFlavor.MYSQL) === MySqlFlavor.MYSQL) delete out.clonePort;
  else if ((p.clonePort ?? 3307) === (p.port ?? 3306)) delete out.clonePort;
  if (out.clonePort === (p.port ?? 3306)) delete out.clonePort;
  if (p.image !== undefined && !p.image.startsWith((p.flavor ?? MySqlFlavor.MYSQL) === MySqlFlavor.MYSQL ? 'mysql' : 'mariadb')) delete out.image;
  if (p.user === undefined || p.userPassword === undefined || p.user === (p.replicationUser ?? 'repl')) {
    delete out.user;
    delete out.userPassword;
  }
  // A version for an image whose tag says none, matching the flavour.
  if (out.version !== undefined) {
    const mysql = (p.flavor ?? MySqlFlavor.MYSQL) === MySqlFlavor.MYSQL;
    out.image = 'registry.example.com/team/db:prod';
    if (mysql !== ['8.4', '8.0.36'].includes(out.version)) out.version = mysql ? '8.4' : '10.11';
  }
  // Unset passwords come from the Secret of a set one: a literal password alone cannot lend it.
  const given = [out.rootPassword, out.replicationPassword, out.userPassword].filter(c => c !== undefined) as Credentials[];
  if ((out.rootPassword === undefined || out.replicationPassword === undefined) && given.length > 0 && given.every(c => c.createsSecret)) {
    delete out.rootPassword;
    delete out.replicationPassword;
    delete out.user;
    delete out.userPassword;
  }
  const replicas = p.replicas ?? 3;
  if (p.updateStrategy === PetUpdateStrategy.ON_DELETE || (p.partition ?? 0) > replicas) delete out.partition;
  if (!(p.disruptionBudget ?? replicas > 1) || (p.maxUnavailable ?? 1) > replicas) delete out.maxUnavailable;
  coherentStaticVolumes(p, out, replicas, Size.gibibytes(10));
  // The product's own containers and Services take these names.
  const containerNames = new Set(['mysql', 'mariadb', 'init-config', 'init-data', 'clone-source']);
  for (const k of ['initContainers', 'sidecars']) {
    out[k] = out[k]?.filter((c: kplus.ContainerProps) => !containerNames.has(c.name!) && containerNames.add(c.name!));
  }
  const services = new Set([p.serviceName ?? p.name ?? 'x']);
  for (const k of ['primaryServiceName', 'readServiceName']) {
    if (out[k] !== undefined && services.has(out[k])) delete out[k];
    else if (out[k] !== undefined) services.add(out[k]);
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export const statefulMySqlTarget: FuzzTarget<{ id: string; props: StatefulMySqlProps }> = {
  name: 'StatefulMySql',
  errorSources: [...productSources('StatefulMySql'), 'Credentials.fromPassword'],
  propNames: [...Object.keys(mysqlPropsSpec), 'props'],
  arbitrary: fc.record({
    id: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('mysql', 'db', 'Orders') }, fc.constantFrom('a b', 'x'.repeat(53), '0db')),
    props: propsSpace(mysqlPropsSpec, coherentMySql),
  }),
  build: (chart, c) => {
    new StatefulMySql(chart, c.id, c.props);
  },
  ...productOptIns,
  secrets: () => [SECRET_MARKER],
  check: checkDatabase,
};

// ---- StatefulZooKeeper ------------------------------------------------------------------------------

export const zookeeperPropsSpec: PropsSpec<StatefulZooKeeperProps> = {
  name: space(dnsName(52), fc.oneof(junkString(), fc.stringMatching(/^[a-z]{53,60}$/))),
  serviceName: space(fc.constantFrom('zk-hs', 'zookeeper'), junkString()),
  clientServiceName: space(fc.constantFrom('zk-cs', 'zookeeper-client'), fc.oneof(junkString(), fc.constant('0zk'))),
  namespace: space(fc.constantFrom('default', 'coordination', 'kafka'), junkString()),
  clusterDomain: space(fc.constantFrom('cluster.local', 'k8s.example.com'), junkString()),
  labels: space(validLabels, junkLabels),
  replicas: space(fc.constantFrom(1, 3, 5, 7), fc.oneof(junkNumber(1, 7), fc.constantFrom(2, 4, 6, 9, 0))),
  ordinalsStart: space(fc.integer({ min: 0, max: 10 }), junkNumber(0, 1_000_000)),
  image: space(fc.constantFrom('zookeeper:3.9', 'zookeeper:3.9.3', 'registry.example.com/zookeeper:3.9'), junkString()),
  imagePullPolicy: space(fc.constantFrom(...Object.values(kplus.ImagePullPolicy)), junkEnum()),
  auth: space(fc.boolean(), fc.constantFrom('yes' as any, 1 as any)),
  clientUser: space(fc.constantFrom('zookeeper', 'kafka', 'app_1'), fc.oneof(junkString(), fc.constantFrom('a-b', 'x'.repeat(65), ''))),
  clientCredentials: space(validCredentials, junkCredentials),
  quorumCredentials: space(validCredentials, junkCredentials),
  tickTime: space(fc.integer({ min: 100, max: 60_000 }).map(n => Duration.millis(n)),
    fc.oneof(junkDuration, fc.constantFrom(Duration.millis(99), Duration.seconds(61)))),
  initLimit: space(fc.integer({ min: 1, max: 100 }), junkNumber(1, 1000)),
  syncLimit: space(fc.integer({ min: 1, max: 100 }), junkNumber(1, 1000)),
  snapshotRetainCount: space(fc.integer({ min: 3, max: 50 }), fc.oneof(junkNumber(3, 1000), fc.constantFrom(0, 1, 2))),
  purgeIntervalHours: space(fc.integer({ min: 0, max: 168 }), junkNumber(0, 24 * 365)),
  maxClientConnections: space(fc.integer({ min: 0, max: 1000 }), junkNumber(0, 100_000)),
  heapSize: space(fc.integer({ min: 32, max: 700 }).map(n => Size.mebibytes(n)),
    fc.oneof(junkSize, fc.constantFrom(Size.mebibytes(16), Size.kibibytes(33 * 1024 + 1), Size.gibibytes(64)))),
  resources: space(validResources, junkResources),
  storageSize: space(validSize, junkSize),
  storageClassName: space(fc.constantFrom('', 'standard', 'fast-ssd'), junkString()),
  storageAccessModes: space(fc.subarray(Object.values(kplus.PersistentVolumeAccessMode), { minLength: 1 }),
    fc.oneof(fc.constant([] as kplus.PersistentVolumeAccessMode[]),
      fc.array(junkEnum<kplus.PersistentVolumeAccessMode>(), { minLength: 1, maxLength: 2 }))),
  storageClaimName: space(fc.constantFrom('data', 'zk-data'), fc.oneof(junkString(), fc.constantFrom('scripts', 'zk-logs', 'zk-tmp'))),
  storageStaticVolumes: space(validRecord(staticVolumesSpec), staticVolumesArb),
  dataLogStorageSize: space(validSize, junkSize),
  dataLogStorageClassName: space(fc.constantFrom('fast-ssd', 'local-nvme'), junkString()),
  dataLogClaimName: space(fc.constantFrom('datalog', 'txnlog'), fc.oneof(junkString(), fc.constantFrom('data', 'zk-logs', 'scripts'))),
  claimRetentionWhenDeleted: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  claimRetentionWhenScaled: space(fc.constantFrom(...Object.values(ClaimRetentionPolicy)), junkEnum()),
  runAsUser: space(fc.constantFrom(1000, 1001, 65532), junkNumber(1, 2 ** 31 - 1)),
  runAsGroup: space(fc.constantFrom(1000, 0), junkNumber(0, 2 ** 31 - 1)),
  fsGroup: space(fc.constantFrom(1000, 2000), junkNumber(0, 2 ** 31 - 1)),
  readOnlyRootFilesystem: space(fc.boolean(), fc.constantFrom('yes' as any)),
  terminationGracePeriod: space(validDuration(1), junkDuration),
  spreading: space(fc.constantFrom(...Object.values(PodSpreading)), junkEnum()),
  disruptionBudget: space(fc.boolean(), fc.constantFrom('on' as any, 1 as any)),
  // At most the servers the quorum can lose ((replicas - 1) / 2); more is refused (hostile branch).
  maxUnavailable: space(fc.integer({ min: 1, max: 3 }), fc.oneof(junkNumber(1, 1000), fc.constantFrom(2, 3, 4))),
  podAnnotations: space(fc.dictionary(validLabelKey, fc.string({ maxLength: 30 }), { maxKeys: 3 }),
    fc.oneof(fc.dictionary(junkString(), fc.string(), { minKeys: 1, maxKeys: 2 }), fc.constantFrom({ a: 1 } as any, [] as any))),
  // The shared props a product passes through to the core unchanged.
  updateStrategy: petPropsSpec.updateStrategy,
  partition: petPropsSpec.partition,
  minReady: petPropsSpec.minReady,
  revisionHistoryLimit: petPropsSpec.revisionHistoryLimit,
  initContainers: petPropsSpec.initContainers,
  sidecars: petPropsSpec.sidecars,
  serviceAccount: petPropsSpec.serviceAccount,
  enableServiceLinks: petPropsSpec.enableServiceLinks,
};

/** Makes valid StatefulZooKeeper props agree with each other. */
export function coherentZooKeeper(p: StatefulZooKeeperProps): StatefulZooKeeperProps {
  const out: any = { ...p };
  const replicas = p.replicas ?? 3;
  if (replicas === 1 && p.disruptionBudget === true) delete out.disruptionBudget;
  if (!(p.disruptionBudget ?? replicas > 1) || replicas === 1 || (p.maxUnavailable ?? 1) > (replicas - 1) / 2) delete out.maxUnavailable;
  if (p.updateStrategy === PetUpdateStrategy.ON_DELETE || (p.partition ?? 0) > replicas) delete out.partition;
  const names = new Set(['zookeeper', 'zookeeper-init']);
  for (const k of ['initContainers', 'sidecars'] as const) {
    out[k] = p[k]?.filter(c => !names.has(c.name!) && names.add(c.name!));
  }
  if (p.auth !== true) {
    delete out.clientUser;
    delete out.clientCredentials;
    delete out.quorumCredentials;
  }
  if (p.dataLogStorageSize === undefined) {
    delete out.dataLogStorageClassName;
    delete out.dataLogClaimName;
  } else if ((p.dataLogClaimName ?? 'datalog') === (p.storageClaimName ?? 'data')) {
    delete out.dataLogClaimName;
  }
  coherentStaticVolumes(p, out, replicas, Size.gibibytes(1));
  const limit = (p.resources ?? { memory: { limit: Size.gibibytes(1) } }).memory?.limit;
  if (p.heapSize && limit && p.heapSize.toKibibytes({ rounding: 1 }) >= limit.toKibibytes({ rounding: 1 })) delete out.heapSize;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export const statefulZooKeeperTarget: FuzzTarget<{ id: string; props: StatefulZooKeeperProps }> = {
  name: 'StatefulZooKeeper',
  errorSources: productSources('StatefulZooKeeper'),
  propNames: [...Object.keys(zookeeperPropsSpec), 'props'],
  arbitrary: fc.record({
    id: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('zk', 'zookeeper', 'Coord') }, fc.constantFrom('a b', 'x'.repeat(53), '0zk')),
    props: propsSpace(zookeeperPropsSpec, coherentZooKeeper),
  }),
  build: (chart, c) => {
    new StatefulZooKeeper(chart, c.id, c.props);
  },
  ...productOptIns,
  secrets: () => [SECRET_MARKER],
  check: (docs, c) => {
    const sts = docs.filter(d => d.kind === 'StatefulSet');
    if (sts.length !== 1) throw new Error(`expected one StatefulSet, got ${sts.length}`);
    const spec = sts[0].spec;
    if (spec.podManagementPolicy !== 'Parallel') throw new Error(`podManagementPolicy ${spec.podManagementPolicy}: a lone ZooKeeper server is never Ready`);
    const replicas = spec.replicas;
    if (![1, 3, 5, 7].includes(replicas)) throw new Error(`${replicas} servers: not an odd ensemble`);
    const cfg = docs.find(d => d.kind === 'ConfigMap' && typeof d.data?.['zoo.cfg'] === 'string')?.data['zoo.cfg'] as string;
    const start = spec.ordinals?.start ?? 0;
    const ids = [...cfg.matchAll(/^server\.(\d+)=/gm)].map(m => Number(m[1]));
    if (ids.join() !== Array.from({ length: replicas }, (_, i) => start + i + 1).join()) throw new Error(`server ids ${ids} for ordinals from ${start}`);
    const pdb = docs.find(d => d.kind === 'PodDisruptionBudget');
    const wanted = c.props.maxUnavailable ?? (replicas - 1) / 2;
    if (pdb && (pdb.spec.maxUnavailable !== wanted || wanted > (replicas - 1) / 2)) throw new Error(`PDB maxUnavailable ${pdb.spec.maxUnavailable} for ${replicas} servers: loses the quorum`);
    const grace = spec.template.spec.terminationGracePeriodSeconds;
    const asked = c.props.terminationGracePeriod?.toSeconds();
    if (asked === undefined ? grace < 30 : grace !== asked) throw new Error(`terminationGracePeriodSeconds ${grace} (asked ${asked})`);
  },
};
