import { ApiObject, Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ClaimRetentionPolicy, PetService, PetServiceProps, PetUpdateStrategy, PodSpreading, StaticVolumeSource, VolumeReclaimPolicy,
} from '../src';
import { byKind, crossReference, Doc, one, validateManifests } from './util/k8s';

const BASE: PetServiceProps = { image: 'luksa/kubia-pet', ports: [{ name: 'http', port: 80, containerPort: 8080 }] };

function synth(build: (chart: Chart) => void): Doc[] {
  const chart = Testing.chart();
  build(chart);
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  crossReference(docs);
  return docs;
}

function pet(props: Partial<PetServiceProps> = {}, id = 'web'): { pet: PetService; docs: Doc[] } {
  let p!: PetService;
  const docs = synth(chart => { p = new PetService(chart, id, { ...BASE, ...props }); });
  return { pet: p, docs };
}

describe('defaults', () => {
  const { pet: p, docs } = pet();
  const sts = one(docs, 'StatefulSet');
  const podSpec = sts.spec.template.spec;
  const main = podSpec.containers[0];

  test('snapshot', () => {
    expect(docs).toMatchSnapshot();
  });

  test('a StatefulSet governed by a headless Service named after the construct id', () => {
    const svc = one(docs, 'Service');
    expect(sts.metadata.name).toBe('web');
    expect(sts.spec.serviceName).toBe('web');
    expect(svc.metadata.name).toBe('web');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    expect(svc.spec.publishNotReadyAddresses).toBeUndefined();
  });

  test('app.kubernetes.io labels select the pods', () => {
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
    expect(sts.spec.template.metadata.labels).toMatchObject({ ...sts.spec.selector.matchLabels, 'app.kubernetes.io/managed-by': 'cdk8s-stateful' });
    expect(p.selectorLabels).toEqual(sts.spec.selector.matchLabels);
  });

  test('one replica, OrderedReady, RollingUpdate partition 0, claims retained', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.ordinals).toBeUndefined();
  });

  test('no PodDisruptionBudget for a single replica', () => {
    expect(byKind(docs, 'PodDisruptionBudget')).toHaveLength(0);
    expect(p.podDisruptionBudget).toBeUndefined();
  });

  test('Pod Security Standards restricted, with a numeric non-root uid', () => {
    expect(podSpec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(main.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  test('image pulled if not present, modest resources, soft anti-affinity', () => {
    expect(main.imagePullPolicy).toBe('IfNotPresent');
    expect(main.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{
      weight: 100,
      podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: sts.spec.selector.matchLabels } },
    }]);
    expect(podSpec.terminationGracePeriodSeconds).toBe(30);
  });

  test('the primary child is the StatefulSet (escape hatch)', () => {
    expect(p.node.defaultChild).toBe(p.statefulSet);
    expect(ApiObject.of(p).kind).toBe('StatefulSet');
  });
});

describe('identity helpers', () => {
  const { pet: p } = pet({ replicas: 3, namespace: 'shop', clusterDomain: 'k8s.example', serviceName: 'kubia-svc' }, 'kubia');
  test('pod names and FQDNs', () => {
    expect(p.podName(2)).toBe('kubia-2');
    expect(p.serviceFqdn).toBe('kubia-svc.shop.svc.k8s.example');
    expect(p.podFqdn(0)).toBe('kubia-0.kubia-svc.shop.svc.k8s.example');
    expect(p.peerFqdns()).toEqual([0, 1, 2].map(i => `kubia-${i}.kubia-svc.shop.svc.k8s.example`));
    expect(p.port('http')).toBe(80);
  });
  test('fails on an ordinal the StatefulSet does not have', () => {
    expect(() => p.podName(3)).toThrow(/invalid `ordinal` 3: must be a whole number from 0 to 2/);
    expect(() => p.port('nope')).toThrow(/invalid `port name` "nope"/);
  });
});

describe('claim templates', () => {
  test('each template becomes a volumeClaimTemplate mounted in the main container, with no shadowing pod volume', () => {
    const { pet: p, docs } = pet({
      replicas: 2,
      claimTemplates: [
        { name: 'data', size: Size.mebibytes(1), mountPath: '/var/data' },
        {
          name: 'logs',
          size: Size.gibibytes(2),
          mountPath: '/var/log/app',
          storageClassName: 'fast',
          accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD],
          subPath: 'app',
          readOnly: true,
        },
      ],
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: p.selectorLabels },
        spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '1Mi' } } },
      },
      {
        metadata: { name: 'logs', labels: p.selectorLabels },
        spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'fast', volumeMode: 'Filesystem', resources: { requests: { storage: '2Gi' } } },
      },
    ]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/data' },
      { name: 'logs', mountPath: '/var/log/app', subPath: 'app', readOnly: true },
    ]);
    expect(sts.spec.template.spec.volumes).toBeUndefined();
    expect(p.claimName('logs', 1)).toBe('logs-web-1');
  });

  test('the explicit empty storage class is kept', () => {
    const { docs } = pet({ claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/d', storageClassName: '' }] });
    expect(one(docs, 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('');
  });

  test('sizes are written in the largest exact binary unit', () => {
    const { docs } = pet({
      claimTemplates: [
        { name: 'a', size: Size.kibibytes(1536), mountPath: '/a' },
        { name: 'b', size: Size.tebibytes(1), mountPath: '/b' },
        { name: 'c', size: Size.kibibytes(3), mountPath: '/c' },
      ],
    });
    expect(one(docs, 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.spec.resources.requests.storage)).toEqual(['1536Ki', '1Ti', '3Ki']);
  });

  test('a block-mode claim is attached as a volumeDevice', () => {
    const { docs } = pet({ claimTemplates: [{ name: 'disk', size: Size.gibibytes(1), mountPath: '/dev/xvda', volumeMode: kplus.PersistentVolumeMode.BLOCK }] });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0].spec.volumeMode).toBe('Block');
    expect(sts.spec.template.spec.containers[0].volumeDevices).toEqual([{ name: 'disk', devicePath: '/dev/xvda' }]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toBeUndefined();
  });

  test('addClaimTemplate and mountClaim after the constructor reach the output (lazy synthesis)', () => {
    const docs = synth(chart => {
      const p = new PetService(chart, 'web', BASE);
      const side = p.addSidecar({ name: 'backup', image: 'busybox:1.36' });
      p.addClaimTemplate({ name: 'data', size: Size.gibibytes(1), mountPath: '/data' });
      p.mountClaim(side, 'data', '/backup/data', { readOnly: true });
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
    expect(sts.spec.template.spec.containers[1].volumeMounts).toEqual([{ name: 'data', mountPath: '/backup/data', readOnly: true }]);
  });

  // cdk8s#2858: newer cdk8s-plus lines drop ConfigMap/Secret volumes of a StatefulSet; check ours keeps them,
  // with and without claim templates.
  test.each([[true], [false]])('ConfigMap and Secret volumes survive (claim templates: %s)', (withClaims) => {
    const docs = synth(chart => {
      const p = new PetService(chart, 'web', {
        ...BASE,
        claimTemplates: withClaims ? [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data' }] : [],
      });
      const cm = new kplus.ConfigMap(chart, 'cm', { metadata: { name: 'conf' }, data: { a: 'b' } });
      const secret = new kplus.Secret(chart, 'secret', { metadata: { name: 'creds' }, stringData: { password: 'x' } });
      p.container.mount('/etc/conf', kplus.Volume.fromConfigMap(chart, 'cmv', cm));
      p.container.mount('/etc/creds', kplus.Volume.fromSecret(chart, 'sv', secret));
    });
    const pod = one(docs, 'StatefulSet').spec.template.spec;
    expect(pod.volumes.map((v: any) => Object.keys(v).filter(k => k !== 'name')[0])).toEqual(['configMap', 'secret']);
    expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(withClaims ? ['/data', '/etc/conf', '/etc/creds'] : ['/etc/conf', '/etc/creds']);
  });
});

describe('static PersistentVolumes', () => {
  test('one PV per ordinal, pre-bound to the claim the controller creates, retained', () => {
    const { docs } = pet({
      namespace: 'k8s-learning',
      replicas: 2,
      ordinalsStart: 3,
      claimTemplates: [{
        name: 'www',
        size: Size.gibibytes(1),
        mountPath: '/usr/share/nginx/html',
        storageClassName: 'nginx-storage-class',
        staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/data/web{ordinal}' }), count: 3, capacity: Size.gibibytes(2) },
      }],
    });
    const pvs = byKind(docs, 'PersistentVolume');
    expect(pvs.map(v => v.metadata.name)).toEqual(['k8s-learning-www-web-3', 'k8s-learning-www-web-4', 'k8s-learning-www-web-5']);
    expect(pvs.map(v => v.spec.claimRef)).toEqual([3, 4, 5].map(o => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'k8s-learning', name: `www-web-${o}`,
    })));
    expect(pvs.map(v => v.spec.hostPath)).toEqual([3, 4, 5].map(o => ({ path: `/data/web${o}`, type: 'DirectoryOrCreate' })));
    for (const pv of pvs) {
      expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
      expect(pv.spec.storageClassName).toBe('nginx-storage-class');
      expect(pv.spec.capacity).toEqual({ storage: '2Gi' });
      expect(pv.spec.accessModes).toEqual(['ReadWriteOnce']);
      expect(pv.metadata.namespace).toBeUndefined();
    }
    expect(one(docs, 'StatefulSet').spec.ordinals).toEqual({ start: 3 });
  });

  test('without a storage class the claims and PVs use the explicit empty class (no dynamic provisioning)', () => {
    const { docs } = pet({
      namespace: 'default',
      claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/d', staticVolumes: { source: StaticVolumeSource.nfs({ server: 'nfs.local', path: '/exports/d{ordinal}' }) } }],
    });
    expect(one(docs, 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('');
    const pv = one(docs, 'PersistentVolume');
    expect(pv.spec.storageClassName).toBe('');
    expect(pv.spec.nfs).toEqual({ server: 'nfs.local', path: '/exports/d0' });
  });

  test('local volumes carry the node affinity Kubernetes requires', () => {
    const { docs } = pet({
      namespace: 'default',
      replicas: 2,
      claimTemplates: [{
        name: 'data',
        size: Size.gibibytes(1),
        mountPath: '/d',
        staticVolumes: { source: StaticVolumeSource.local({ path: '/mnt/disks/ssd1', nodeNames: ['node-a', 'node-b'] }), reclaimPolicy: VolumeReclaimPolicy.DELETE },
      }],
    });
    const pvs = byKind(docs, 'PersistentVolume');
    expect(pvs.map(v => v.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0])).toEqual([
      { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] },
      { key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] },
    ]);
    expect(pvs.map(v => v.spec.local.path)).toEqual(['/mnt/disks/ssd1', '/mnt/disks/ssd1']);
    expect(pvs.map(v => v.spec.persistentVolumeReclaimPolicy)).toEqual(['Delete', 'Delete']);
  });
});

describe('props', () => {
  test('scale, lifecycle and update strategy', () => {
    const { docs } = pet({
      replicas: 4,
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
      partition: 2,
      minReady: Duration.seconds(10),
      revisionHistoryLimit: 3,
      claimRetentionWhenDeleted: ClaimRetentionPolicy.DELETE,
      claimRetentionWhenScaled: ClaimRetentionPolicy.DELETE,
      terminationGracePeriod: Duration.minutes(2),
    });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec).toMatchObject({
      replicas: 4,
      podManagementPolicy: 'Parallel',
      minReadySeconds: 10,
      revisionHistoryLimit: 3,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
    });
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  test('OnDelete update strategy', () => {
    const { docs } = pet({ updateStrategy: PetUpdateStrategy.ON_DELETE });
    expect(one(docs, 'StatefulSet').spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  test('a PodDisruptionBudget with maxUnavailable 1 when replicas > 1', () => {
    const { pet: p, docs } = pet({ replicas: 3 });
    const pdb = one(docs, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: p.selectorLabels } });
    const { docs: d2 } = pet({ replicas: 3, maxUnavailable: 2 });
    expect(one(d2, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
    const { docs: d3 } = pet({ replicas: 3, disruptionBudget: false });
    expect(byKind(d3, 'PodDisruptionBudget')).toHaveLength(0);
  });

  test('publishNotReadyAddresses, names, namespace and labels', () => {
    const { docs } = pet({
      publishNotReadyAddresses: true,
      name: 'kubia',
      serviceName: 'kubia-svc',
      namespace: 'pets',
      appName: 'kubia-app',
      component: 'server',
      partOf: 'shop',
      labels: { team: 'pets' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
    });
    const svc = one(docs, 'Service');
    const sts = one(docs, 'StatefulSet');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.metadata).toMatchObject({ name: 'kubia-svc', namespace: 'pets' });
    expect(sts.metadata).toMatchObject({ name: 'kubia', namespace: 'pets' });
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kubia-app', 'app.kubernetes.io/instance': 'kubia' });
    expect(sts.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/part-of': 'shop', 'team': 'pets' });
    expect(sts.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
  });

  test('security context knobs and the explicit opt-out', () => {
    const { docs } = pet({ runAsUser: 999, fsGroup: 2000, readOnlyRootFilesystem: true });
    const pod = one(docs, 'StatefulSet').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 2000 });
    expect(pod.containers[0].securityContext).toMatchObject({ runAsUser: 999, readOnlyRootFilesystem: true });
    const { docs: root } = pet({ runAsUser: 0, allowRunAsRoot: true });
    const rootPod = one(root, 'StatefulSet').spec.template.spec;
    expect(rootPod.securityContext.runAsNonRoot).toBe(false);
    expect(rootPod.securityContext.seccompProfile).toBeUndefined();
    expect(rootPod.containers[0].securityContext.runAsUser).toBe(0);
  });

  test('spreading alternatives', () => {
    const req = one(pet({ spreading: PodSpreading.REQUIRED_ANTI_AFFINITY }).docs, 'StatefulSet').spec.template.spec;
    expect(req.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    const spread = one(pet({ spreading: PodSpreading.TOPOLOGY_SPREAD }).docs, 'StatefulSet').spec.template.spec;
    expect(spread.affinity).toBeUndefined();
    expect(spread.topologySpreadConstraints).toEqual([{
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } },
    }]);
    expect(one(pet({ spreading: PodSpreading.NONE }).docs, 'StatefulSet').spec.template.spec.affinity).toBeUndefined();
  });

  test('container settings, probes, init containers and sidecars get the same defaults', () => {
    const { docs } = pet({
      command: ['node'],
      args: ['app.js'],
      workingDir: '/app',
      envVariables: { MODE: kplus.EnvValue.fromValue('x') },
      readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
      liveness: kplus.Probe.fromTcpSocket({ port: 8080 }),
      startup: kplus.Probe.fromCommand(['true']),
      initContainers: [{ name: 'prepare', image: 'busybox:1.36', command: ['true'] }],
      sidecars: [{ name: 'exporter', image: 'exporter:1', portNumber: 9100 }],
    });
    const pod = one(docs, 'StatefulSet').spec.template.spec;
    const [main, exporter] = pod.containers;
    expect(main).toMatchObject({ command: ['node'], args: ['app.js'], workingDir: '/app', env: [{ name: 'MODE', value: 'x' }] });
    expect(main.readinessProbe.httpGet).toMatchObject({ path: '/', port: 8080 });
    expect(main.livenessProbe.tcpSocket).toMatchObject({ port: 8080 });
    expect(main.startupProbe.exec.command).toEqual(['true']);
    for (const c of [exporter, pod.initContainers[0]]) {
      expect(c.securityContext).toEqual(main.securityContext);
      expect(c.resources).toEqual(main.resources);
      expect(c.imagePullPolicy).toBe('IfNotPresent');
    }
  });

  test('client Services: all ready pods, or one pod by ordinal', () => {
    const docs = synth(chart => {
      const p = new PetService(chart, 'redis', { image: 'redis:7.4', ports: [{ name: 'redis', port: 6379 }, { name: 'metrics', port: 9121 }], replicas: 3 });
      p.addClientService('read', { portNames: ['redis'] });
      p.addClientService('primary', { ordinal: 0, name: 'redis-writer' });
    });
    const read = one(docs, 'Service', 'redis-read');
    expect(read.spec.clusterIP).toBeUndefined();
    expect(read.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
    expect(read.spec.selector).toEqual({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'redis' });
    const writer = one(docs, 'Service', 'redis-writer');
    expect(writer.spec.selector['statefulset.kubernetes.io/pod-name']).toBe('redis-0');
  });
});

describe('fails on bad input with an error naming the prop', () => {
  const cases: Array<[string, Partial<PetServiceProps>, RegExp]> = [
    ['replicas 0', { replicas: 0 }, /invalid `replicas` 0: must be a whole number from 1 to 10000/],
    ['fractional replicas', { replicas: 1.5 }, /invalid `replicas` 1.5/],
    ['a name over 52 characters', { name: 'a'.repeat(53) }, /invalid `name` "a{53}": must be a DNS label of at most 52 characters/],
    ['a name that is not a DNS label', { name: 'Web_1' }, /invalid `name` "Web_1"/],
    ['a service name that is not a DNS label', { serviceName: 'web.svc' }, /invalid `serviceName`/],
    ['a namespace that is not a DNS label', { namespace: 'My NS' }, /invalid `namespace`/],
    ['no ports', { ports: [] }, /invalid `ports` \[\]: must list at least one port/],
    ['a port name that is not an IANA name', { ports: [{ name: 'HTTP_1', port: 80 }] }, /invalid `ports\[0\].name` "HTTP_1"/],
    ['a port out of range', { ports: [{ name: 'http', port: 70000 }] }, /invalid `ports\[0\].port` 70000/],
    ['duplicate port names', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }, /invalid `ports\[\].name` "http": must be unique/],
    ['an image with spaces', { image: 'redis 7' }, /invalid `image` "redis 7"/],
    ['an empty image', { image: '' }, /invalid `image` ""/],
    ['partition > replicas', { replicas: 2, partition: 3 }, /invalid `partition` 3: must be a whole number from 0 to 2/],
    ['partition with OnDelete', { updateStrategy: PetUpdateStrategy.ON_DELETE, partition: 0 }, /invalid `partition` 0: only applies to/],
    ['negative ordinals.start', { ordinalsStart: -1 }, /invalid `ordinalsStart` -1/],
    ['negative revisionHistoryLimit', { revisionHistoryLimit: -1 }, /invalid `revisionHistoryLimit` -1/],
    ['a fractional minReady', { minReady: Duration.millis(1500) }, /invalid `minReady` "1.5s"/],
    ['runAsUser 0 without the opt-out', { runAsUser: 0 }, /invalid `runAsUser` 0: must be a whole number from 1/],
    ['maxUnavailable 0', { replicas: 3, maxUnavailable: 0 }, /invalid `maxUnavailable` 0: must be a whole number from 1 to 3/],
    ['maxUnavailable without a budget', { maxUnavailable: 1 }, /invalid `maxUnavailable` 1: needs a PodDisruptionBudget/],
    ['labels redefining the selector', { labels: { 'app.kubernetes.io/name': 'x' } }, /invalid `labels` "app.kubernetes.io\/name": may not redefine a selector label/],
    ['an invalid label value', { labels: { team: 'a b' } }, /invalid `labels\[team\]` "a b"/],
    ['a zero size', { claimTemplates: [{ name: 'd', size: Size.mebibytes(0), mountPath: '/d' }] }, /invalid `claimTemplates\[0\].size`/],
    ['a fractional KiB size', { claimTemplates: [{ name: 'd', size: Size.kibibytes(0.5), mountPath: '/d' }] }, /invalid `claimTemplates\[0\].size`/],
    ['duplicate claim names', {
      claimTemplates: [{ name: 'd', size: Size.gibibytes(1), mountPath: '/a' }, { name: 'd', size: Size.gibibytes(1), mountPath: '/b' }],
    }, /invalid `claimTemplates\[1\].name` "d": must be unique/],
    ['duplicate mount paths', {
      claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: '/d' }, { name: 'b', size: Size.gibibytes(1), mountPath: '/d' }],
    }, /invalid `claimTemplates\[1\].mountPath` "\/d": must be unique/],
    ['a relative mount path', { claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: 'data' }] }, /invalid `claimTemplates\[0\].mountPath` "data"/],
    ['a claim name that is not a DNS label', { claimTemplates: [{ name: 'Data', size: Size.gibibytes(1), mountPath: '/d' }] }, /invalid `claimTemplates\[0\].name` "Data"/],
    ['no access modes', { claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: '/d', accessModes: [] }] }, /invalid `claimTemplates\[0\].accessModes`/],
    ['static volumes without a namespace', {
      claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: '/d', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/x{ordinal}' }) } }],
    }, /invalid `namespace` undefined: is required with claimTemplates\[0\].staticVolumes/],
    ['fewer static PVs than replicas', {
      namespace: 'default',
      replicas: 3,
      claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: '/d', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/x{ordinal}' }), count: 2 } }],
    }, /invalid `claimTemplates\[0\].staticVolumes.count` 2: must be at least replicas \(3\)/],
    ['PV capacity below the claim request', {
      namespace: 'default',
      claimTemplates: [{
        name: 'a',
        size: Size.gibibytes(2),
        mountPath: '/d',
        staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/x{ordinal}' }), capacity: Size.gibibytes(1) },
      }],
    }, /invalid `claimTemplates\[0\].staticVolumes.capacity` "1Gi": must be at least the claim's request \(2Gi\)/],
    ['Recycle', {
      namespace: 'default',
      claimTemplates: [{
        name: 'a',
        size: Size.gibibytes(1),
        mountPath: '/d',
        staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/x{ordinal}' }), reclaimPolicy: VolumeReclaimPolicy.RECYCLE },
      }],
    }, /invalid `claimTemplates\[0\].staticVolumes.reclaimPolicy` "Recycle": Recycle is deprecated/],
    ['static volumes that would share one directory', {
      namespace: 'default',
      replicas: 2,
      claimTemplates: [{ name: 'a', size: Size.gibibytes(1), mountPath: '/d', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/x' }) } }],
    }, /invalid `claimTemplates\[0\].staticVolumes.source.path` "\/x": must contain \{ordinal\}/],
    ['local volumes with the wrong number of nodes', {
      namespace: 'default',
      replicas: 3,
      claimTemplates: [{
        name: 'a',
        size: Size.gibibytes(1),
        mountPath: '/d',
        staticVolumes: { source: StaticVolumeSource.local({ path: '/x{ordinal}', nodeNames: ['a', 'b'] }) },
      }],
    }, /invalid `claimTemplates\[0\].staticVolumes.source.nodeNames`/],
  ];
  test.each(cases)('fails on %s', (_name, props, error) => {
    expect(() => new PetService(Testing.chart(), 'web', { ...BASE, ...props })).toThrow(error);
  });

  test('fails on a pod volume that shadows a claim template', () => {
    const p = new PetService(Testing.chart(), 'web', { ...BASE, claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/d' }] });
    expect(() => p.statefulSet.addVolume(kplus.Volume.fromEmptyDir(p, 'x', 'data'))).toThrow(/pod volume "data" would shadow the claim template/);
  });

  test('fails on a claim template that a pod volume would shadow', () => {
    const p = new PetService(Testing.chart(), 'web', BASE);
    p.statefulSet.addVolume(kplus.Volume.fromEmptyDir(p, 'x', 'data'));
    expect(() => p.addClaimTemplate({ name: 'data', size: Size.gibibytes(1), mountPath: '/d' })).toThrow(/invalid `claimTemplate.name` "data": is already the name of a pod volume/);
  });

  test('fails on an unknown claim template in mountClaim', () => {
    const p = new PetService(Testing.chart(), 'web', BASE);
    expect(() => p.mountClaim(p.container, 'nope', '/x')).toThrow(/invalid `mountClaim template` "nope"/);
  });

  test('fails on a client Service for an unknown port or ordinal', () => {
    const p = new PetService(Testing.chart(), 'web', { ...BASE, replicas: 2 });
    expect(() => p.addClientService('x', { portNames: ['nope'] })).toThrow(/invalid `addClientService portNames` "nope"/);
    expect(() => p.addClientService('y', { ordinal: 2 })).toThrow(/invalid `ordinal` 2/);
  });

  test('fails on a construct id that is not a DNS label when no name is given', () => {
    expect(() => new PetService(Testing.chart(), 'my_pet', BASE)).toThrow(/invalid `name` "my_pet"/);
  });
});

test('fails on a block device path that a mount already uses (found by the fuzz suite)', () => {
  expect(() => new PetService(Testing.chart(), 'web', {
    ...BASE,
    claimTemplates: [
      { name: 'logs', size: Size.gibibytes(1), mountPath: '/var/lib/x', volumeMode: kplus.PersistentVolumeMode.BLOCK },
      { name: 'data', size: Size.mebibytes(1), mountPath: '/var/lib/x' },
    ],
  })).toThrow(/invalid `claimTemplates\[1\].mountPath` "\/var\/lib\/x": must be unique/);
  const p = new PetService(Testing.chart(), 'web', { ...BASE, claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data' }] });
  expect(() => p.mountClaim(p.container, 'data', '/data')).toThrow(/invalid `mountClaim mountPath` "\/data": must be unique/);
});

test('in-cluster host names are namespace-relative without a namespace, FQDNs with one', () => {
  const bare = new PetService(Testing.chart(), 'db', { ...BASE, replicas: 2 });
  expect(bare.serviceHost).toBe('db');
  expect(bare.podHost(1)).toBe('db-1.db');
  expect(bare.hostFor('db-primary')).toBe('db-primary');
  const ns = new PetService(Testing.chart(), 'db', { ...BASE, replicas: 2, namespace: 'prod', clusterDomain: 'k8s.local' });
  expect(ns.serviceHost).toBe('db.prod.svc.k8s.local');
  expect(ns.podHost(0)).toBe('db-0.db.prod.svc.k8s.local');
  expect(ns.hostFor('db-primary')).toBe('db-primary.prod.svc.k8s.local');
  expect(() => ns.hostFor('Bad_Name')).toThrow(/invalid `hostFor serviceName` "Bad_Name"/);
});

describe('Service links are off unless asked for (issue #9)', () => {
  test('every pet has enableServiceLinks: false by default; the prop turns them on', () => {
    expect(one(pet().docs, 'StatefulSet').spec.template.spec.enableServiceLinks).toBe(false);
    expect(one(pet({ enableServiceLinks: true }).docs, 'StatefulSet').spec.template.spec.enableServiceLinks).toBe(true);
  });
  test('a non-boolean is refused naming the prop', () => {
    expect(() => pet({ enableServiceLinks: 'no' as any })).toThrow(/PetService.*`enableServiceLinks`/);
  });
});

describe('the namespace is the prop, else the enclosing Chart\'s (issue #10)', () => {
  function inChart(chartNs: string | undefined, props: Partial<PetServiceProps> = {}) {
    const app = Testing.app();
    const chart = new Chart(app, 'prod', { namespace: chartNs });
    const p = new PetService(chart, 'db', { ...BASE, replicas: 2, ...props });
    const docs = Testing.synth(chart) as Doc[];
    validateManifests(docs);
    crossReference(docs);
    return { p, docs };
  }
  test('host names and FQDNs follow the Chart\'s namespace', () => {
    const { p } = inChart('prod');
    expect(p.namespace).toBe('prod');
    expect(p.podFqdn(1)).toBe('db-1.db.prod.svc.cluster.local');
    expect(p.serviceFqdn).toBe('db.prod.svc.cluster.local');
    expect(p.podHost(0)).toBe('db-0.db.prod.svc.cluster.local');
    expect(p.hostFor('db-read')).toBe('db-read.prod.svc.cluster.local');
  });
  test('static volumes work with only the Chart\'s namespace; claimRefs name it', () => {
    const { docs } = inChart('prod', {
      claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/srv/db{ordinal}' }) } }],
    });
    const pvs = byKind(docs, 'PersistentVolume');
    expect(pvs).toHaveLength(2);
    for (const pv of pvs) expect(pv.spec.claimRef.namespace).toBe('prod');
    for (const doc of docs.filter(d => d.kind !== 'PersistentVolume')) expect(doc.metadata.namespace).toBe('prod');
  });
  test('the prop wins over the Chart\'s namespace', () => {
    const { p, docs } = inChart('prod', { namespace: 'staging' });
    expect(p.podHost(0)).toBe('db-0.db.staging.svc.cluster.local');
    for (const doc of docs) expect(doc.metadata.namespace).toBe('staging');
  });
  test('with neither, names stay namespace-relative', () => {
    const { p } = inChart(undefined);
    expect(p.namespace).toBeUndefined();
    expect(p.podHost(0)).toBe('db-0.db');
  });
});

describe('identity is the name, not the construct path (issue #10)', () => {
  function specs(chartId: string, id: string, nested: boolean): Doc[] {
    const app = Testing.app();
    const chart = new Chart(app, chartId);
    const scope = nested ? new Construct(chart, 'Inner') : chart;
    new PetService(scope, id, { ...BASE, name: 'web', replicas: 2 });
    return Testing.synth(chart) as Doc[];
  }
  test('moving the construct to another chart or renaming its id changes no object', () => {
    const a = specs('one', 'Web', false);
    const b = specs('two', 'RenamedWeb', true);
    expect(b).toEqual(a);
  });
  test('no path-derived label on pods or in any selector', () => {
    const docs = pet().docs;
    const text = JSON.stringify(docs);
    expect(text).not.toContain('cdk8s.io/metadata.addr');
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
    expect(one(docs, 'Service', 'web').spec.selector).toEqual(sts.spec.selector.matchLabels);
  });
  test('a cdk8s-plus NetworkPolicy that selects the StatefulSet selects it by its identity labels', () => {
    const chart = Testing.chart();
    const p = new PetService(chart, 'web', BASE);
    new kplus.NetworkPolicy(chart, 'np', { selector: p.statefulSet });
    const np = one(Testing.synth(chart) as Doc[], 'NetworkPolicy');
    expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
  });
});

describe('a warning (not an error) for images known to need root under the restricted defaults (issue #11)', () => {
  test.each([
    ['nginx', true], ['nginx:1.27', true], ['docker.io/library/nginx:1.27-alpine', true], ['registry.example.com:5000/nginx@sha256:' + 'a'.repeat(64), true],
    ['httpd:2.4', true], ['nginxinc/nginx-unprivileged:1.27', false], ['redis:7.4', false], ['luksa/kubia-pet', false],
  ])('%s → warned: %s', (image, warned) => {
    const { pet: p } = pet({ image });
    expect(p.warnings.length > 0).toBe(warned);
    if (warned) expect(p.warnings[0]).toMatch(/will not start with the restricted defaults \(uid 1000, no capabilities\)/);
  });
  test('no warning once the user chose: allowRunAsRoot or an explicit runAsUser', () => {
    expect(pet({ image: 'nginx', allowRunAsRoot: true, runAsUser: 0 }).pet.warnings).toEqual([]);
    expect(pet({ image: 'nginx', runAsUser: 101 }).pet.warnings).toEqual([]);
  });
  test('printed once on stderr when the app is synthesized; synthesis still succeeds', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const chart = Testing.chart();
      new PetService(chart, 'web', { ...BASE, image: 'nginx:1.27' });
      const docs = Testing.synth(chart) as Doc[];
      expect(one(docs, 'StatefulSet').spec.template.spec.containers[0].image).toBe('nginx:1.27');
      Testing.synth(chart);
      const printed = spy.mock.calls.map(c => String(c[0])).filter(l => l.includes('[cdk8s-stateful] warning'));
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatch(/web: image "nginx:1.27" will not start.*nginxinc\/nginx-unprivileged/);
    } finally {
      spy.mockRestore();
    }
  });
});
