/**
 * Data safety, pinned down: claims and static PVs are retained unless deletion is asked
 * for, Recycle never happens, databases start OrderedReady, a PDB guards every
 * StatefulSet with more than one replica, termination leaves time to flush, and no
 * password leaves its Secret.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ClaimRetentionPolicy, Credentials, MySqlFlavor, PetService, PetServiceProps, StaticVolumeSource, StatefulMySql, StatefulRedis,
  StatefulZooKeeper, VolumeReclaimPolicy,
} from '../src';
import { assertDataSafety, dataSafetyViolations, secretLeaks } from './util/fuzz';
import { SECRET_MARKER } from './util/fuzz-targets';
import { byKind, Doc, one, validateManifests } from './util/k8s';

const BASE: PetServiceProps = { image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }] };
const claim = { name: 'data', size: Size.gibibytes(1), mountPath: '/data' };

function synth(build: (chart: Chart) => void): Doc[] {
  const chart = Testing.chart();
  build(chart);
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  return docs;
}

const sources: Array<[string, StaticVolumeSource]> = [
  ['hostPath', StaticVolumeSource.hostPath({ path: '/data/web{ordinal}' })],
  ['local', StaticVolumeSource.local({ path: '/mnt/disk{ordinal}', nodeNames: ['node-a'] })],
  ['nfs', StaticVolumeSource.nfs({ server: 'nfs.example.com', path: '/exports/web{ordinal}' })],
];

describe('retention', () => {
  test('claims are retained when the StatefulSet is deleted or scaled down, by default', () => {
    for (const docs of [
      synth(c => { new PetService(c, 'web', { ...BASE, claimTemplates: [claim] }); }),
      synth(c => { new StatefulRedis(c, 'redis'); }),
      synth(c => { new StatefulMySql(c, 'mysql'); }),
      synth(c => { new StatefulZooKeeper(c, 'zk'); }),
      synth(c => { new StatefulZooKeeper(c, 'zk', { dataLogStorageSize: Size.gibibytes(1) }); }),
    ]) {
      expect(one(docs, 'StatefulSet').spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      assertDataSafety(docs);
    }
  });

  test.each(sources)('static %s PVs are Retain by default and pre-bound to their claim', (_kind, source) => {
    const docs = synth(c => {
      new PetService(c, 'web', { ...BASE, namespace: 'shop', replicas: 3, claimTemplates: [{ ...claim, staticVolumes: { source } }] });
    });
    const pvs = byKind(docs, 'PersistentVolume');
    expect(pvs).toHaveLength(3);
    pvs.forEach((pv, n) => {
      expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
      expect(pv.spec.claimRef).toMatchObject({ namespace: 'shop', name: `data-web-${n}` });
    });
    assertDataSafety(docs);
  });

  test('static PVs of the products are Retain by default too', () => {
    const docs = synth(c => {
      new StatefulRedis(c, 'redis', { namespace: 'cache', storageStaticVolumes: { source: StaticVolumeSource.hostPath({ path: '/data/redis{ordinal}' }) } });
    });
    expect(byKind(docs, 'PersistentVolume').map(pv => pv.spec.persistentVolumeReclaimPolicy)).toEqual(['Retain', 'Retain', 'Retain']);
  });

  test('Delete only on an explicit opt-in, and then exactly where asked', () => {
    const docs = synth(c => {
      new PetService(c, 'web', {
        ...BASE,
        namespace: 'shop',
        replicas: 2,
        claimRetentionWhenScaled: ClaimRetentionPolicy.DELETE,
        claimTemplates: [{ ...claim, staticVolumes: { source: sources[0][1], reclaimPolicy: VolumeReclaimPolicy.DELETE } }],
      });
    });
    expect(one(docs, 'StatefulSet').spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Delete' });
    expect(byKind(docs, 'PersistentVolume').map(pv => pv.spec.persistentVolumeReclaimPolicy)).toEqual(['Delete', 'Delete']);
    expect(dataSafetyViolations(docs).join('\n')).toMatch(/without an explicit opt-in/);
    expect(dataSafetyViolations(docs, { deletionOptIn: true })).toEqual([]);
  });

  test('Recycle is refused, with the way out in the message', () => {
    expect(() => synth(c => {
      new PetService(c, 'web', { ...BASE, namespace: 'shop', claimTemplates: [{ ...claim, staticVolumes: { source: sources[0][1], reclaimPolicy: VolumeReclaimPolicy.RECYCLE } }] });
    })).toThrow(/invalid `claimTemplates\[0\]\.staticVolumes\.reclaimPolicy` "Recycle": .*use VolumeReclaimPolicy.RETAIN/);
  });

  test('the checker flags Recycle even with an opt-in to deletion', () => {
    const pv: Doc = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { persistentVolumeReclaimPolicy: 'Recycle' } };
    expect(dataSafetyViolations([pv], { deletionOptIn: true })).toEqual(['PersistentVolume/pv: reclaim policy Recycle']);
  });
});

describe('every example is data-safe', () => {
  const EXAMPLES = path.join(__dirname, '..', 'examples');
  const names = fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.ts') && f !== 'synth-all.ts').map(f => f.replace(/\.ts$/, '')).sort();
  test.each(names)('%s: retained claims and volumes, a PDB for every replicated StatefulSet, no Delete/Recycle', (name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chart: Chart = require(path.join(EXAMPLES, name)).build(Testing.app());
    const docs = Testing.synth(chart) as Doc[];
    assertDataSafety(docs);
    expect(JSON.stringify(docs)).not.toMatch(/"(Delete|Recycle)"/);
  });
});

describe('availability and shutdown', () => {
  test('the database products start their pods OrderedReady (a replica finds its predecessor Ready)', () => {
    for (const docs of [
      synth(c => { new StatefulRedis(c, 'redis'); }),
      synth(c => { new StatefulMySql(c, 'mysql'); }),
      synth(c => { new StatefulMySql(c, 'maria', { flavor: MySqlFlavor.MARIADB }); }),
    ]) expect(one(docs, 'StatefulSet').spec.podManagementPolicy).toBe('OrderedReady');
  });

  test.each([2, 3, 5])('a PodDisruptionBudget whenever replicas > 1 (%i), one pod at a time', (replicas) => {
    for (const docs of [
      synth(c => { new PetService(c, 'web', { ...BASE, replicas }); }),
      synth(c => { new StatefulRedis(c, 'redis', { replicas }); }),
      synth(c => { new StatefulMySql(c, 'mysql', { replicas }); }),
    ]) {
      const pdb = one(docs, 'PodDisruptionBudget');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(one(docs, 'StatefulSet').spec.selector.matchLabels);
      assertDataSafety(docs);
    }
  });

  test('no PDB for a single pod (it would block node drains forever); turning it off is explicit', () => {
    expect(byKind(synth(c => { new PetService(c, 'web', BASE); }), 'PodDisruptionBudget')).toHaveLength(0);
    const off = synth(c => { new PetService(c, 'web', { ...BASE, replicas: 3, disruptionBudget: false }); });
    expect(byKind(off, 'PodDisruptionBudget')).toHaveLength(0);
    expect(dataSafetyViolations(off).join('\n')).toMatch(/3 replicas and no PodDisruptionBudget/);
    expect(dataSafetyViolations(off, { pdbOptOut: true })).toEqual([]);
  });

  test('graceful termination leaves the server time to flush: 30s for PetService, 60s for the databases, and what the user asks', () => {
    const grace = (docs: Doc[]) => one(docs, 'StatefulSet').spec.template.spec.terminationGracePeriodSeconds;
    expect(grace(synth(c => { new PetService(c, 'web', BASE); }))).toBe(30);
    expect(grace(synth(c => { new StatefulRedis(c, 'redis'); }))).toBeGreaterThanOrEqual(60);
    expect(grace(synth(c => { new StatefulMySql(c, 'mysql'); }))).toBeGreaterThanOrEqual(60);
    expect(grace(synth(c => { new StatefulRedis(c, 'redis', { terminationGracePeriod: Duration.minutes(5) }); }))).toBe(300);
    expect(() => synth(c => { new PetService(c, 'web', { ...BASE, terminationGracePeriod: Duration.seconds(0) }); }))
      .toThrow(/invalid `terminationGracePeriod`/);
  });
});

describe('StatefulZooKeeper: a quorum survives every voluntary disruption', () => {
  test.each([[3, 1], [5, 2], [7, 3]])('%i servers: PDB maxUnavailable %i (a majority stays up)', (replicas, maxUnavailable) => {
    const docs = synth(c => { new StatefulZooKeeper(c, 'zk', { replicas }); });
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(maxUnavailable);
    expect(replicas - maxUnavailable).toBeGreaterThan(replicas / 2);
    assertDataSafety(docs);
  });

  test('Parallel start (a lone server is never Ready) with not-ready addresses published; 60s to shut down', () => {
    const docs = synth(c => { new StatefulZooKeeper(c, 'zk'); });
    const sts = one(docs, 'StatefulSet');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.updateStrategy.type).toBe('RollingUpdate');
    expect(one(docs, 'Service', 'zk').spec.publishNotReadyAddresses).toBe(true);
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('static PVs of the data claims are Retain by default', () => {
    const docs = synth(c => {
      new StatefulZooKeeper(c, 'zk', { namespace: 'coord', storageStaticVolumes: { source: StaticVolumeSource.hostPath({ path: '/data/zk{ordinal}' }) } });
    });
    expect(byKind(docs, 'PersistentVolume').map(pv => pv.spec.persistentVolumeReclaimPolicy)).toEqual(['Retain', 'Retain', 'Retain']);
    assertDataSafety(docs);
  });
});

describe('no password outside a Secret', () => {
  test('the leak finder catches a password in a ConfigMap, args, a plain env value and an annotation', () => {
    const docs = synth(c => {
      const pet = new PetService(c, 'web', {
        ...BASE,
        args: ['--password', SECRET_MARKER],
        envVariables: { PASSWORD: kplus.EnvValue.fromValue(SECRET_MARKER) },
        podAnnotations: { note: SECRET_MARKER },
      });
      pet.addScript('leak.sh', `echo ${SECRET_MARKER}`);
    });
    const leaks = secretLeaks(docs, SECRET_MARKER).join('\n');
    expect(leaks).toMatch(/ConfigMap key leak.sh/);
    expect(leaks).toMatch(/args of main/);
    expect(leaks).toMatch(/plain env PASSWORD/);
    expect(leaks).toMatch(/annotation note/);
  });

  test('StatefulRedis with a literal password: only its Secret holds it; containers read it from the Secret', () => {
    const docs = synth(c => { new StatefulRedis(c, 'redis', { credentials: Credentials.fromPassword(SECRET_MARKER) }); });
    expect(secretLeaks(docs, SECRET_MARKER)).toEqual([]);
    const secrets = byKind(docs, 'Secret');
    expect(secrets.filter(s => JSON.stringify(s).includes(SECRET_MARKER))).toHaveLength(1);
    const envs = one(docs, 'StatefulSet').spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
    expect(envs.some((e: any) => e.valueFrom?.secretKeyRef?.name === secrets[0].metadata.name)).toBe(true);
  });

  test('StatefulMySql with literal passwords for root, replication and the app account: only Secrets hold them', () => {
    const pw = (n: number) => `${SECRET_MARKER}-${n}`;
    const docs = synth(c => {
      new StatefulMySql(c, 'mysql', {
        rootPassword: Credentials.fromPassword(pw(1)),
        replicationPassword: Credentials.fromPassword(pw(2)),
        database: 'shop',
        user: 'app',
        userPassword: Credentials.fromPassword(pw(3)),
      });
    });
    for (const n of [1, 2, 3]) {
      expect(secretLeaks(docs, pw(n))).toEqual([]);
      expect(byKind(docs, 'Secret').some(s => JSON.stringify(s).includes(pw(n)))).toBe(true);
    }
  });

  test('with credentials from an existing Secret no Secret is generated and nothing leaks', () => {
    const docs = synth(c => {
      new StatefulRedis(c, 'redis', { credentials: Credentials.fromSecretName('redis-auth') });
      new StatefulMySql(c, 'mysql');
    });
    expect(byKind(docs, 'Secret')).toHaveLength(0);
  });
});
