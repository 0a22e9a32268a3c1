/**
 * Pod Security Standards "restricted" by default: the checker itself (each rule must
 * catch its violation), every example, every product and PetService configuration, a
 * property over generated props, and explicit opt-outs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { Credentials, RedisFailover, OrdinalStep, PetService, PetServiceProps, StaticVolumeSource, StatefulMySql, StatefulRedis, StatefulZooKeeper, MySqlFlavor } from '../src';
import { propsSpace, validRecord } from './util/fuzz';
import { coherentPet, petPropsSpec } from './util/fuzz-targets';
import { Doc, one } from './util/k8s';
import { assertPss, podViolations, pssViolations } from './util/pss';

const BASE: PetServiceProps = { image: 'nginx:1.27', ports: [{ name: 'http', port: 8080 }] };

function synth(build: (chart: Chart) => void): Doc[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Doc[];
}

// ---- the checker --------------------------------------------------------------------------------

/** A pod that meets "restricted". */
function goodPod(): { metadata: any; spec: any } {
  const sc = { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return {
    metadata: { labels: { app: 'x' } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'main', image: 'x', securityContext: { ...sc }, ports: [{ containerPort: 8080 }] }],
      initContainers: [{ name: 'init', image: 'x', securityContext: { ...sc } }],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'tmp', emptyDir: {} }, { name: 's', secret: { secretName: 's' } }],
    },
  };
}

type Mutation = [string, 'baseline' | 'restricted', (p: { metadata: any; spec: any }) => void, RegExp];
const MUTATIONS: Mutation[] = [
  ['hostProcess (pod)', 'baseline', p => { p.spec.securityContext.windowsOptions = { hostProcess: true }; }, /hostProcess/],
  ['hostProcess (container)', 'baseline', p => { p.spec.containers[0].securityContext.windowsOptions = { hostProcess: true }; }, /hostProcess/],
  ['hostNetwork', 'baseline', p => { p.spec.hostNetwork = true; }, /hostNetwork/],
  ['hostPID', 'baseline', p => { p.spec.hostPID = true; }, /hostPID/],
  ['hostIPC', 'baseline', p => { p.spec.hostIPC = true; }, /hostIPC/],
  ['privileged init container', 'baseline', p => { p.spec.initContainers[0].securityContext.privileged = true; }, /init.*privileged/],
  ['capability SYS_ADMIN added', 'baseline', p => { p.spec.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; }, /SYS_ADMIN/],
  ['hostPath volume', 'baseline', p => { p.spec.volumes.push({ name: 'h', hostPath: { path: '/var/run' } }); }, /hostPath/],
  ['hostPort', 'baseline', p => { p.spec.containers[0].ports[0].hostPort = 80; }, /hostPort/],
  ['unconfined AppArmor annotation', 'baseline', p => { p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/main': 'unconfined' }; }, /AppArmor/],
  ['SELinux type spc_t', 'baseline', p => { p.spec.securityContext.seLinuxOptions = { type: 'spc_t' }; }, /seLinuxOptions.type/],
  ['SELinux user', 'baseline', p => { p.spec.containers[0].securityContext.seLinuxOptions = { user: 'root' }; }, /seLinuxOptions.user/],
  ['procMount Unmasked', 'baseline', p => { p.spec.containers[0].securityContext.procMount = 'Unmasked'; }, /procMount/],
  ['seccomp Unconfined (container)', 'baseline', p => { p.spec.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }; }, /Unconfined/],
  ['unsafe sysctl', 'baseline', p => { p.spec.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]; }, /sysctl kernel.msgmax/],
  ['volume type nfs in the pod', 'restricted', p => { p.spec.volumes.push({ name: 'n', nfs: { server: 's', path: '/' } }); }, /type nfs/],
  ['allowPrivilegeEscalation unset', 'restricted', p => { delete p.spec.initContainers[0].securityContext.allowPrivilegeEscalation; }, /init.*allowPrivilegeEscalation/],
  ['runAsNonRoot false on a container', 'restricted', p => { p.spec.containers[0].securityContext.runAsNonRoot = false; }, /runAsNonRoot/],
  ['runAsNonRoot nowhere', 'restricted', p => {
    delete p.spec.securityContext.runAsNonRoot;
    for (const c of [...p.spec.containers, ...p.spec.initContainers]) delete c.securityContext.runAsNonRoot;
  }, /runAsNonRoot/],
  ['runAsUser 0 (pod)', 'restricted', p => { p.spec.securityContext.runAsUser = 0; }, /runAsUser must not be 0/],
  ['runAsUser 0 (container)', 'restricted', p => { p.spec.containers[0].securityContext.runAsUser = 0; }, /runAsUser must not be 0/],
  ['no seccomp profile', 'restricted', p => { delete p.spec.securityContext.seccompProfile; }, /seccompProfile.type must be RuntimeDefault/],
  ['capabilities not dropped', 'restricted', p => { delete p.spec.containers[0].securityContext.capabilities; }, /drop ALL/],
  ['capability CHOWN added (baseline ok)', 'restricted', p => { p.spec.containers[0].securityContext.capabilities.add = ['CHOWN']; }, /CHOWN may not be added/],
  ['no numeric uid (runAsNonRoot only)', 'restricted', p => {
    delete p.spec.securityContext.runAsUser;
    for (const c of [...p.spec.containers, ...p.spec.initContainers]) delete c.securityContext.runAsUser;
  }, /numeric non-root runAsUser/],
];

describe('the PSS checker', () => {
  test('a compliant pod has no violations at either level', () => {
    const p = goodPod();
    expect(podViolations(p.metadata, p.spec, 'restricted')).toEqual([]);
    expect(podViolations(p.metadata, p.spec, 'baseline')).toEqual([]);
  });

  test('NET_BIND_SERVICE may be added; Localhost seccomp and runtime/default AppArmor are allowed', () => {
    const p = goodPod();
    p.spec.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    p.spec.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'x.json' };
    p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/main': 'runtime/default' };
    p.spec.securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }];
    expect(podViolations(p.metadata, p.spec, 'restricted')).toEqual([]);
  });

  test.each(MUTATIONS)('catches %s (%s)', (_name, level, mutate, expected) => {
    const p = goodPod();
    mutate(p);
    const found = podViolations(p.metadata, p.spec, level);
    expect(found.join('\n')).toMatch(expected);
    // A baseline violation is also a restricted one; a restricted-only one is not baseline.
    if (level === 'baseline') expect(podViolations(p.metadata, p.spec, 'restricted').join('\n')).toMatch(expected);
    else expect(podViolations(p.metadata, p.spec, 'baseline')).toEqual([]);
  });

  test('assertPss names the workload and every violation', () => {
    const p = goodPod();
    p.spec.hostNetwork = true;
    const docs: Doc[] = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'bad' }, spec: { template: { metadata: p.metadata, spec: p.spec } } }];
    expect(() => assertPss(docs, 'restricted')).toThrow(/StatefulSet\/bad: hostNetwork must not be true/);
  });
});

// ---- everything we ship is restricted by default --------------------------------------------

const EXAMPLES = path.join(__dirname, '..', 'examples');
const examples = fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.ts') && f !== 'synth-all.ts').map(f => f.replace(/\.ts$/, '')).sort();

describe.each(examples)('example %s', (name) => {
  test('every pod meets Pod Security Standards "restricted" with a numeric non-root uid', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chart: Chart = require(path.join(EXAMPLES, name)).build(Testing.app());
    const docs = Testing.synth(chart) as Doc[];
    expect(docs.some(d => d.kind === 'StatefulSet')).toBe(true);
    assertPss(docs, 'restricted');
  });
});

describe('restricted by default', () => {
  const configurations: Array<[string, (chart: Chart) => void]> = [
    ['PetService with defaults', c => { new PetService(c, 'web', BASE); }],
    ['PetService with init containers, sidecars, scripts and an ordinal init', c => {
      const pet = new PetService(c, 'web', {
        ...BASE,
        replicas: 3,
        readOnlyRootFilesystem: true,
        initContainers: [{ name: 'prep', image: 'busybox:1.36', command: ['true'] }],
        sidecars: [{ name: 'exporter', image: 'nginx/nginx-prometheus-exporter:1.3', portNumber: 9113 }],
        claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data' }],
      });
      pet.addOrdinalInit({ steps: [OrdinalStep.writeId({ path: '/etc/x/id' })], outputPath: '/etc/x', image: 'busybox:1.36' });
      pet.addSidecar({ name: 'backup', image: 'busybox:1.36' });
      pet.addInitContainer({ name: 'late-init', image: 'busybox:1.36' });
      pet.mountClaim(pet.addSidecar({ name: 'reader', image: 'busybox:1.36' }), 'data', '/data', { readOnly: true });
    }],
    ['PetService with hostPath static PVs (the hostPath is in the PV, not the pod)', c => {
      new PetService(c, 'web', {
        ...BASE,
        namespace: 'default',
        replicas: 2,
        claimTemplates: [{ name: 'www', size: Size.gibibytes(1), mountPath: '/www', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/data/web{ordinal}' }) } }],
      });
    }],
    ['PetService with a block-mode claim', c => {
      new PetService(c, 'web', { ...BASE, claimTemplates: [{ name: 'disk', size: Size.gibibytes(1), mountPath: '/dev/xvda', volumeMode: kplus.PersistentVolumeMode.BLOCK }] });
    }],
    ['StatefulRedis with defaults', c => { new StatefulRedis(c, 'redis'); }],
    ['StatefulRedis with a password and no auth variants', c => {
      new StatefulRedis(c, 'a', { credentials: Credentials.fromPassword('pw-123456') });
      new StatefulRedis(c, 'b', { auth: false, replicas: 1 });
    }],
    ['StatefulRedis with Sentinel failover (four containers, RBAC, a projected token)', c => { new StatefulRedis(c, 'redis', { failover: RedisFailover.sentinel() }); }],
    ['StatefulMySql with defaults', c => { new StatefulMySql(c, 'mysql'); }],
    ['StatefulMySql MariaDB', c => { new StatefulMySql(c, 'maria', { flavor: MySqlFlavor.MARIADB }); }],
    ['StatefulZooKeeper with defaults', c => { new StatefulZooKeeper(c, 'zk'); }],
    ['StatefulZooKeeper with a transaction-log claim, 5 servers, ordinals from 1', c => {
      new StatefulZooKeeper(c, 'zk', { replicas: 5, ordinalsStart: 1, dataLogStorageSize: Size.gibibytes(2), readOnlyRootFilesystem: false });
    }],
  ];

  test.each(configurations)('%s', (_name, build) => {
    const docs = synth(build);
    assertPss(docs, 'restricted');
    for (const sts of docs.filter(d => d.kind === 'StatefulSet')) {
      const pod = sts.spec.template.spec;
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect((pod.volumes ?? []).some((v: any) => v.hostPath)).toBe(false);
    }
  });

  test('the official redis, mysql and zookeeper images get a numeric non-root uid (they start as root otherwise)', () => {
    const docs = synth(c => { new StatefulRedis(c, 'redis'); new StatefulMySql(c, 'mysql'); new StatefulZooKeeper(c, 'zk'); });
    expect(one(docs, 'StatefulSet', 'zk').spec.template.spec.securityContext.runAsUser).toBe(1000);
    for (const name of ['redis', 'mysql', 'zk']) {
      const pod = one(docs, 'StatefulSet', name).spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toEqual(expect.any(Number));
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    }
  });

  test(`property: any valid PetService props give restricted pods unless allowRunAsRoot (${Math.min(300, Number(process.env.FUZZ_RUNS ?? 300))} cases)`, () => {
    let accepted = 0;
    fc.assert(fc.property(validRecord(petPropsSpec).map(coherentPet), (props) => {
      let docs: Doc[];
      try {
        docs = synth(c => { new PetService(c, 'web', props); });
      } catch (e) {
        // A conflict between valid values is rejected (the fuzz suite checks how); not our concern here.
        if ((e as Error).message.startsWith('PetService: invalid')) return;
        throw e;
      }
      accepted++;
      if (props.allowRunAsRoot) {
        assertPss(docs, 'baseline');
        expect(pssViolations(docs, 'restricted').length).toBeGreaterThan(0);
      } else {
        assertPss(docs, 'restricted');
      }
    }), { numRuns: Math.min(300, Number(process.env.FUZZ_RUNS ?? 300)) });
    expect(accepted).toBeGreaterThan(50);
  });

  test('property: fuzzed props never produce a privileged, host-namespace or hostPath pod, even when they opt out of restricted', () => {
    fc.assert(fc.property(propsSpace(petPropsSpec, coherentPet), (props) => {
      let docs: Doc[];
      try {
        docs = synth(c => { new PetService(c, 'web', props); });
      } catch {
        return; // rejections are the fuzz suite's business
      }
      assertPss(docs, 'baseline');
    }), { numRuns: 200 });
  });
});

// ---- opting out is explicit -----------------------------------------------------------------

describe('opting out of restricted is explicit', () => {
  test('allowRunAsRoot: true is the only way to root; the pod is then baseline, not restricted', () => {
    const docs = synth(c => { new PetService(c, 'web', { ...BASE, allowRunAsRoot: true, runAsUser: 0 }); });
    assertPss(docs, 'baseline');
    const v = pssViolations(docs, 'restricted').join('\n');
    expect(v).toMatch(/runAsNonRoot must be true/);
    expect(v).toMatch(/runAsUser must not be 0/);
    expect(v).toMatch(/seccompProfile/);
    expect(v).toMatch(/drop ALL/);
  });

  test('runAsUser: 0 without allowRunAsRoot is rejected, naming the prop', () => {
    expect(() => synth(c => { new PetService(c, 'web', { ...BASE, runAsUser: 0 }); })).toThrow(/PetService: invalid `runAsUser` 0: must be a whole number from 1/);
  });

  test('a container\'s own securityContext is the user\'s explicit choice and is reported per container', () => {
    const docs = synth(c => {
      const pet = new PetService(c, 'web', BASE);
      pet.addSidecar({ name: 'debug', image: 'busybox:1.36', securityContext: { ensureNonRoot: false, user: 0, allowPrivilegeEscalation: true } });
    });
    const v = pssViolations(docs, 'restricted');
    expect(v.length).toBeGreaterThan(0);
    expect(v.every(x => x.includes('containers[debug]'))).toBe(true);
  });
});
