/**
 * One product API: every product takes the shared props (StatefulProductProps) with the
 * same names and meaning, they reach the pod spec the same way, and every error raised
 * through a product names that product and the prop the user set.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ClaimRetentionPolicy, MySqlFlavor, PetUpdateStrategy, PodSpreading, StatefulMySql, StatefulProduct, StatefulProductProps,
  StatefulRedis, StatefulZooKeeper, StaticVolumeSource,
} from '../src';
import { crossReference, Doc, one, validateManifests } from './util/k8s';

interface ProductCase {
  readonly product: string;
  /** An image of a version the product supports. */
  readonly image: string;
  /** A replica count the product accepts other than its default. */
  readonly replicas: number;
  readonly make: (scope: Construct, id: string, props: StatefulProductProps) => StatefulProduct;
}

const PRODUCTS: ProductCase[] = [
  { product: 'StatefulRedis', image: 'redis:7.2', replicas: 5, make: (s, id, p) => new StatefulRedis(s, id, p) },
  { product: 'StatefulMySql', image: 'mysql:8.0.36', replicas: 5, make: (s, id, p) => new StatefulMySql(s, id, p) },
  { product: 'StatefulMySql', image: 'mariadb:11.4', replicas: 5, make: (s, id, p) => new StatefulMySql(s, id, { ...p, flavor: MySqlFlavor.MARIADB } as any) },
  { product: 'StatefulZooKeeper', image: 'zookeeper:3.9.2', replicas: 5, make: (s, id, p) => new StatefulZooKeeper(s, id, p) },
];

function synth(c: ProductCase, props: StatefulProductProps, chartNamespace?: string): { docs: Doc[]; product: StatefulProduct; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: chartNamespace });
  const product = c.make(chart, 'pets', props);
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  crossReference(docs);
  return { docs, product, chart };
}

describe.each(PRODUCTS.map(c => [`${c.product} (${c.image})`, c] as const))('%s', (_name, c) => {
  test('every shared prop reaches the pod spec', () => {
    const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(new Chart(Testing.app(), 'sa'), 'SA', 'pets-sa');
    const { docs, product } = synth(c, {
      name: 'shop-db',
      serviceName: 'shop-db-hl',
      namespace: 'shop',
      clusterDomain: 'k8s.example',
      labels: { team: 'payments' },
      podAnnotations: { 'example.com/scrape': 'true' },
      replicas: c.replicas,
      ordinalsStart: 1,
      updateStrategy: PetUpdateStrategy.ROLLING_UPDATE,
      partition: 2,
      minReady: Duration.seconds(7),
      revisionHistoryLimit: 4,
      image: c.image,
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      resources: { cpu: { request: kplus.Cpu.millis(300) }, memory: { request: Size.mebibytes(700), limit: Size.mebibytes(1500) } },
      storageSize: Size.gibibytes(3),
      storageClassName: 'fast',
      storageAccessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD],
      storageClaimName: 'state',
      claimRetentionWhenDeleted: ClaimRetentionPolicy.DELETE,
      claimRetentionWhenScaled: ClaimRetentionPolicy.RETAIN,
      runAsUser: 2001,
      runAsGroup: 2002,
      fsGroup: 2003,
      readOnlyRootFilesystem: false,
      terminationGracePeriod: Duration.seconds(90),
      spreading: PodSpreading.TOPOLOGY_SPREAD,
      maxUnavailable: 2,
      initContainers: [{ name: 'extra-init', image: 'busybox:1.36', command: ['true'] }],
      sidecars: [{ name: 'exporter', image: 'example/exporter:1', portNumber: 9100 }],
      serviceAccount,
      enableServiceLinks: true,
    });
    const sts = one(docs, 'StatefulSet', 'shop-db');
    const pod = sts.spec.template.spec;
    const main = pod.containers[0];
    expect(product.name).toBe('shop-db');
    expect(product.namespace).toBe('shop');
    expect(product.headlessService.name).toBe('shop-db-hl');
    expect(product.podHost(1)).toBe('shop-db-1.shop-db-hl.shop.svc.k8s.example');
    expect(sts.spec.serviceName).toBe('shop-db-hl');
    expect(docs.every(d => d.kind === 'PersistentVolume' || d.metadata.namespace === 'shop')).toBe(true);
    expect(sts.spec.template.metadata.labels).toMatchObject({ 'team': 'payments', 'app.kubernetes.io/instance': 'shop-db' });
    expect(sts.spec.template.metadata.annotations).toMatchObject({ 'example.com/scrape': 'true' });
    expect(sts.spec.replicas).toBe(c.replicas);
    expect(sts.spec.ordinals).toEqual({ start: 1 });
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(sts.spec.minReadySeconds).toBe(7);
    expect(sts.spec.revisionHistoryLimit).toBe(4);
    expect(main.image).toBe(c.image);
    expect(main.imagePullPolicy).toBe('Always');
    expect(main.resources).toEqual({ requests: { cpu: '300m', memory: '700Mi' }, limits: { memory: '1500Mi' } });
    const claim = sts.spec.volumeClaimTemplates.find((t: any) => t.metadata.name === 'state');
    expect(claim.spec).toMatchObject({ storageClassName: 'fast', accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '3Gi' } } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Retain' });
    expect(pod.securityContext).toMatchObject({ runAsUser: 2001, runAsGroup: 2002, fsGroup: 2003 });
    expect(main.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(90);
    expect(pod.topologySpreadConstraints?.[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1 });
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
    expect(pod.initContainers.map((x: any) => x.name)).toContain('extra-init');
    expect(pod.containers.map((x: any) => x.name)).toContain('exporter');
    expect(pod.serviceAccountName).toBe('pets-sa');
    expect(pod.enableServiceLinks).toBe(true);
  });

  test('the namespace defaults to the Chart\'s, and static volumes use it', () => {
    const { docs, product } = synth(c, {
      image: c.image,
      storageStaticVolumes: { source: StaticVolumeSource.hostPath({ path: '/srv/pets{ordinal}' }) },
    }, 'prod');
    expect(product.namespace).toBe('prod');
    expect(product.podHost(0)).toBe('pets-0.pets.prod.svc.cluster.local');
    const pvs = docs.filter(d => d.kind === 'PersistentVolume');
    expect(pvs.length).toBe(product.replicas);
    for (const pv of pvs) expect(pv.spec.claimRef.namespace).toBe('prod');
    for (const d of docs.filter(x => x.kind !== 'PersistentVolume')) expect(d.metadata.namespace).toBe('prod');
  });

  test('defaults: retained claims, Service links off, restricted, a PDB', () => {
    const { docs } = synth(c, { image: c.image });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.template.spec.enableServiceLinks).toBe(false);
    expect(sts.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(docs.filter(d => d.kind === 'PodDisruptionBudget')).toHaveLength(1);
    expect(JSON.stringify(docs)).not.toContain('cdk8s.io/metadata.addr');
  });

  test.each([
    ['storageSize', { storageSize: Size.kibibytes(0) }],
    ['replicas', { replicas: 0 }],
    ['runAsUser', { runAsUser: -1 }],
    ['namespace', { namespace: 'Not_A_Namespace' }],
    ['labels', { labels: { 'app.kubernetes.io/name': 'x' } }],
    ['podAnnotations', { podAnnotations: { 'bad key!': 'x' } }],
    ['resources.memory.limit', { resources: { memory: { limit: Size.kibibytes(10) } } }],
    ['terminationGracePeriod', { terminationGracePeriod: Duration.millis(1500) }],
    ['storageClaimName', { storageClaimName: 'Bad_Name' }],
    ['partition', { partition: 99 }],
  ] as Array<[string, StatefulProductProps]>)('an error on `%s` names the product and the prop', (prop, props) => {
    expect(() => synth(c, { image: c.image, ...props })).toThrow(new RegExp(`^${c.product}: invalid \`${prop.replace(/\./g, '\\.')}`));
  });

  test('errors through the product\'s methods name the product', () => {
    const { product } = synth(c, { image: c.image });
    expect(() => product.podHost(99)).toThrow(new RegExp(`^${c.product}: `));
    expect(() => product.isolateNetwork({ clientPortNames: ['nope'] })).toThrow(new RegExp(`^${c.product}: `));
    expect(() => product.addClientService('x', { portNames: ['nope'] })).toThrow(new RegExp(`^${c.product}: `));
  });
});
