/**
 * Every shell script the package ships (`src/<product>/scripts/*.sh`) passes shellcheck as
 * POSIX sh, with no blanket disables: a `# shellcheck disable=` names the codes it silences.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');
const HAVE = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;

function shippedScripts(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return shippedScripts(p);
    return path.basename(dir) === 'scripts' && e.name.endsWith('.sh') ? [p] : [];
  });
}

function shellcheck(file: string): { status: number | null; out: string } {
  const r = spawnSync('shellcheck', ['--shell=sh', '--severity=style', '--format=gcc', file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

if (!HAVE && process.env.CI) {
  test('shellcheck is installed (CI)', () => {
    throw new Error('shellcheck missing: apt-get install -y shellcheck (scripts/ensure-test-servers.sh does it under npm test)');
  });
}

(HAVE ? describe : describe.skip)('shellcheck', () => {
  const scripts = shippedScripts();

  const each = scripts.length > 0 ? test.each(scripts.map(s => [path.relative(SRC, s), s])) : test.skip.each([['(no scripts)', '']]);
  each('%s passes shellcheck (POSIX sh)', (_name, file) => {
    expect(shellcheck(file)).toEqual({ status: 0, out: '' });
  });

  each('%s has no blanket shellcheck disables', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n').filter(l => /shellcheck\s+disable=/.test(l) && !/disable=SC\d{4}(,SC\d{4})*(\s|$)/.test(l.replace(/^.*shellcheck\s+/, '')))).toEqual([]);
    expect(text).not.toMatch(/shellcheck\s+disable=all/);
  });

  test('the check catches what it is for (a script with an unquoted expansion and a bashism fails)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shellcheck-'));
    try {
      const bad = path.join(dir, 'bad.sh');
      fs.writeFileSync(bad, '#!/bin/sh\nrm -rf $DIR/data\nif [[ -n "$X" ]]; then echo "${ARR[@]}"; fi\n');
      const r = shellcheck(bad);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/SC2086/);
      expect(r.out).toMatch(/SC3010/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
