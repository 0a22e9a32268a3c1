import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { OrdinalScript, OrdinalStep, PetService } from '../src';
import { one, runScript, shells, tmpDir } from './util/k8s';

const SHELLS = shells();

test('the machine has sh and bash to execute the scripts with', () => {
  expect(SHELLS).toEqual(expect.arrayContaining(['sh', 'bash']));
  // scripts/ensure-test-servers.sh installs busybox; in CI its sh must be among the shells.
  if (process.env.CI) expect(SHELLS).toContain('busybox');
});

function scriptFor(sts: string, start: number, dir: string): string {
  return new OrdinalScript({
    statefulSetName: sts,
    ordinalsStart: start,
    steps: [
      OrdinalStep.writeId({ path: `${dir}/conf/server-id.cnf`, offset: 100, prefix: '[mysqld]\nserver-id=' }),
      OrdinalStep.selectFile({ firstPodFile: `${dir}/src/primary.conf`, otherPodsFile: `${dir}/src/replica.conf`, destination: `${dir}/conf/role.conf` }),
      OrdinalStep.shell(`printf '%s %s %s %s\\n' "$ORDINAL" "$INDEX" "$IS_FIRST" "$PREVIOUS_POD" > ${dir}/conf/vars`),
    ],
  }).render();
}

function prepare(): string {
  const dir = tmpDir('ordinal-');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'primary.conf'), 'role primary\n');
  fs.writeFileSync(path.join(dir, 'src', 'replica.conf'), 'role replica\n');
  return dir;
}

describe.each(SHELLS)('OrdinalScript executed with %s', (shell) => {
  const cases: Array<[string, string, number, number, boolean]> = [
    // sts, pod name, ordinals.start, expected ordinal, first?
    ['web', 'web-0', 0, 0, true],
    ['web', 'web-1', 0, 1, false],
    ['web', 'web-3', 0, 3, false],
    ['my-web-app', 'my-web-app-12', 0, 12, false],
    ['my-web-app', 'my-web-app-0', 0, 0, true],
    ['db', 'db-5', 5, 5, true],
    ['db', 'db-7', 5, 7, false],
    ['a-1', 'a-1-10', 10, 10, true],
  ];
  test.each(cases)('sts %s pod %s (start %d) → ordinal %d', (sts, pod, start, ordinal, first) => {
    const dir = prepare();
    const run = runScript(scriptFor(sts, start, dir), shell, { POD_NAME: pod });
    expect(run.stderr).toContain(`pod ${pod} has ordinal ${ordinal}`);
    expect(run.status).toBe(0);
    expect(fs.readFileSync(`${dir}/conf/server-id.cnf`, 'utf8')).toBe(`[mysqld]\nserver-id=${100 + ordinal}\n`);
    expect(fs.readFileSync(`${dir}/conf/role.conf`, 'utf8')).toBe(first ? 'role primary\n' : 'role replica\n');
    const previous = first ? '' : `${sts}-${ordinal - 1}`;
    expect(fs.readFileSync(`${dir}/conf/vars`, 'utf8')).toBe(`${ordinal} ${ordinal - start} ${first ? 1 : 0} ${previous}\n`);
  });

  test('without POD_NAME: the host name (uname -n, not the non-POSIX $HOSTNAME), a domain stripped (setHostnameAsFQDN)', () => {
    if (process.getuid?.() !== 0) return; // a host name of its own needs a UTS namespace (root); CI runs as root
    const dir = prepare();
    const file = path.join(dir, 'ordinal.sh');
    fs.writeFileSync(file, scriptFor('web', 0, dir));
    const argv = shell === 'busybox' ? ['busybox', 'sh', file] : [shell, file];
    const r = spawnSync('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', 'web-2.web.default.svc.cluster.local', ...argv], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: 'not-the-pod-0' }, encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('ordinal-init: pod web-2 has ordinal 2');
    expect(fs.readFileSync(`${dir}/conf/server-id.cnf`, 'utf8')).toBe('[mysqld]\nserver-id=102\n');
  });

  test.each([
    ['other-0', 'is not <web>-<ordinal>'],
    ['web-', 'does not end in an ordinal'],
    ['web-x1', 'does not end in an ordinal'],
    ['web-01', 'does not end in an ordinal'],
    ['webby-1', 'is not <web>-<ordinal>'],
  ])('refuses pod name %s', (pod, message) => {
    const dir = prepare();
    const run = runScript(scriptFor('web', 0, dir), shell, { POD_NAME: pod });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(fs.existsSync(`${dir}/conf/server-id.cnf`)).toBe(false);
  });

  test('refuses an ordinal below ordinals.start', () => {
    const dir = prepare();
    const run = runScript(scriptFor('db', 5, dir), shell, { POD_NAME: 'db-4' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('below ordinals.start 5');
  });

  test('stops at the first failing step', () => {
    const dir = prepare();
    const script = new OrdinalScript({
      statefulSetName: 'web',
      steps: [OrdinalStep.shell('false', 'fails'), OrdinalStep.shell(`touch ${dir}/after`)],
    }).render();
    const run = runScript(script, shell, { POD_NAME: 'web-0' });
    expect(run.status).not.toBe(0);
    expect(fs.existsSync(`${dir}/after`)).toBe(false);
  });

  test('quotes text with quotes, dollars and newlines literally', () => {
    const dir = prepare();
    const script = new OrdinalScript({
      statefulSetName: 'web',
      steps: [OrdinalStep.writeId({ path: `${dir}/it's here/id`, prefix: 'a \'$HOME\' `x`\n', suffix: ' "$(rm -rf /)"' })],
    }).render();
    const run = runScript(script, shell, { POD_NAME: 'web-4' });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(`${dir}/it's here/id`, 'utf8')).toBe('a \'$HOME\' `x`\n4 "$(rm -rf /)"\n');
  });
});

test('the script PetService ships in its ConfigMap runs as the pod would', () => {
  const chart = Testing.chart();
  const dir = tmpDir('ordinal-pet-');
  const pet = new PetService(chart, 'my-web-app', {
    image: 'busybox:1.36',
    ports: [{ name: 'http', port: 80 }],
    replicas: 3,
    ordinalsStart: 10,
    claimTemplates: [{ name: 'data', size: Size.mebibytes(10), mountPath: '/data' }],
  });
  pet.addOrdinalInit({ steps: [OrdinalStep.writeId({ path: `${dir}/id`, offset: 1 })], outputPath: dir });
  const docs = Testing.synth(chart);
  const cm = one(docs, 'ConfigMap', 'my-web-app-scripts');
  const sts = one(docs, 'StatefulSet');
  const init = sts.spec.template.spec.initContainers[0];
  expect(init.command).toEqual(['sh', '/opt/cdk8s-stateful/scripts/ordinal-init.sh']);
  expect(init.env).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  for (const ordinal of pet.ordinals) {
    const run = runScript(cm.data['ordinal-init.sh'], 'sh', { POD_NAME: pet.podName(ordinal) });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(`${dir}/id`, 'utf8')).toBe(`${ordinal + 1}\n`);
  }
  expect(pet.ordinals).toEqual([10, 11, 12]);
});

describe('OrdinalStep and OrdinalScript validation', () => {
  test('fails on a relative path', () => {
    expect(() => OrdinalStep.writeId({ path: 'id' })).toThrow(/OrdinalStep.writeId: invalid `path` "id": must be an absolute path/);
  });
  test('fails on a negative offset', () => {
    expect(() => OrdinalStep.writeId({ path: '/id', offset: -1 })).toThrow(/invalid `offset` -1/);
  });
  test('fails on an empty shell step', () => {
    expect(() => OrdinalStep.shell('  ')).toThrow(/OrdinalStep.shell: invalid `script`/);
  });
  test('fails on a StatefulSet name that is not a DNS label', () => {
    expect(() => new OrdinalScript({ statefulSetName: 'Web_1' })).toThrow(/invalid `statefulSetName` "Web_1"/);
  });
  test('fails on a negative ordinals start', () => {
    expect(() => new OrdinalScript({ statefulSetName: 'web', ordinalsStart: -1 })).toThrow(/invalid `ordinalsStart` -1/);
  });
});

test('a chart can hold the ordinal script of several pets', () => {
  const chart = new Chart(Testing.app(), 'two');
  const a = new PetService(chart, 'a', { image: 'x', ports: [{ name: 'p', port: 1 }] });
  const b = new PetService(chart, 'b', { image: 'x', ports: [{ name: 'p', port: 1 }] });
  a.addOrdinalInit({ steps: [OrdinalStep.shell('true')] });
  b.addOrdinalInit({ steps: [OrdinalStep.shell('true')] });
  const docs = Testing.synth(chart);
  expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.name).sort()).toEqual(['a-scripts', 'b-scripts']);
});
