/**
 * What a consumer gets from npm: the tarball holds the library, its README, API.md and
 * licence, and nothing test-only; every relative link in the README resolves inside it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function tarballFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  return JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
}

test('package.json names a homepage and the repository', () => {
  expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/cdk8s-stateful\/cdk8s-stateful/);
  expect(pkg.repository.url).toMatch(/cdk8s-stateful\.git$/);
});

test('the npm tarball holds no test-only, example, benchmark or CI files', () => {
  const files = tarballFiles();
  expect(files).toEqual(expect.arrayContaining(['README.md', 'API.md', 'LICENSE', 'package.json']));
  for (const f of files) expect(f).not.toMatch(/^(test|examples|bench|scripts|\.ci|docs|src|projenrc|rosetta)\//);
});

test('every relative link in the README points at a file in the tarball (others are absolute URLs)', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]).filter(l => !/^(https?:|mailto:|#)/.test(l));
  const inTarball = new Set(tarballFiles());
  for (const link of links) expect({ link, inTarball: inTarball.has(link.replace(/^\.\//, '').split('#')[0]) }).toEqual({ link, inTarball: true });
});

test('the package rules ship the scripts the build copies to lib/<product>/scripts/', () => {
  // npm's own packing rules on a copy of package.json and .npmignore with a built-looking lib/.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  try {
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.copyFileSync(path.join(ROOT, '.npmignore'), path.join(dir, '.npmignore'));
    for (const f of ['lib/index.js', 'lib/redis/scripts/redis-init.sh', 'src/redis/scripts/redis-init.sh', 'scripts/ensure-test-servers.sh']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '#!/bin/sh\n');
    }
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/redis/scripts/redis-init.sh']));
    expect(files).not.toContain('src/redis/scripts/redis-init.sh');
    expect(files).not.toContain('scripts/ensure-test-servers.sh');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
