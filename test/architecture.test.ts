/**
 * The layout's rules, checked on every build: `src/core/` is the shared core and imports no
 * product; a product (`src/<product>/`) imports only the core and itself, never another
 * product; there are no import cycles; No source file grows past 600 lines.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of a file (import / export … from, import type, require), resolved to files. */
export function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']*)'|require\('(\.[^']*)'\)|import\('(\.[^']*)'\)/g)]
    .map(m => m[1] ?? m[2] ?? m[3]);
  return specs.map(spec => {
    const base = path.resolve(path.dirname(file), spec);
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find(f => fs.existsSync(f));
    if (!found) throw new Error(`${path.relative(SRC, file)}: cannot resolve '${spec}'`);
    return found;
  });
}

/** `core`, a product's name, or `index` (src/index.ts re-exports everything). */
export function areaOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel.length === 1) return rel[0] === 'index.ts' ? 'index' : rel[0].replace(/\.ts$/, '');
  return rel[0];
}

const files = sources();

test('the source tree has a core and the product entry points', () => {
  expect(files.map(f => path.relative(SRC, f))).toEqual(expect.arrayContaining([path.join('core', 'pet-service.ts'), 'index.ts']));
});

test('the core imports no product; a product imports only the core and itself', () => {
  const violations: string[] = [];
  for (const file of files) {
    const from = areaOf(file);
    if (from === 'index') continue;
    for (const dep of importsOf(file)) {
      const to = areaOf(dep);
      if (to === from || to === 'core') continue;
      violations.push(`${path.relative(SRC, file)} (${from}) imports ${path.relative(SRC, dep)} (${to})`);
    }
  }
  expect(violations).toEqual([]);
});

test('no import cycles', () => {
  const graph = new Map(files.map(f => [f, importsOf(f)]));
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: string, stack: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(f)), f].map(x => path.relative(SRC, x)).join(' → '));
      return;
    }
    state.set(f, 'visiting');
    for (const d of graph.get(f) ?? []) visit(d, [...stack, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  expect(cycles).toEqual([]);
});

test('no source file over 600 lines', () => {
  const long = files.map(f => ({ file: path.relative(SRC, f), lines: fs.readFileSync(f, 'utf8').split('\n').length })).filter(x => x.lines > 600);
  expect(long).toEqual([]);
});

describe('the checks themselves', () => {
  test('areas: core, products, the index', () => {
    expect(areaOf(path.join(SRC, 'core', 'claims.ts'))).toBe('core');
    expect(areaOf(path.join(SRC, 'redis', 'scripts.ts'))).toBe('redis');
    expect(areaOf(path.join(SRC, 'index.ts'))).toBe('index');
  });
  test('imports of every form are found', () => {
    const file = path.join(SRC, 'core', 'pet-service.ts');
    const text = "import { a } from './claims';\nimport type { B } from './network';\nexport * from './storage';\nconst x = require('./shell');\n";
    expect(importsOf(file, text).map(f => path.basename(f))).toEqual(['claims.ts', 'network.ts', 'storage.ts', 'shell.ts']);
  });
});

describe('shipped script files', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readScriptFile } = require('../src/core/script-files');
  test('a missing script is an error that says the package is incomplete', () => {
    expect(() => readScriptFile(path.join(SRC, 'core'), 'nope.sh')).toThrow(/shipped script .*nope\.sh cannot be read.*the package is incomplete/);
  });
});
