/**
 * `npm run bench`: synthesis benchmarks. Writes docs/benchmarks.md and docs/benchmarks.svg.
 *
 * 1. compiles bench/ and src/ to bench/out/ (plain JS: no TypeScript compiling in the
 *    measured processes);
 * 2. probes which constructs of bench/registry.ts load (work in progress is reported, not fatal);
 * 3. measures import cost, then every row: N instances in one chart (N up to 10,000), one
 *    chart each in one App, and one chart each with an App per chart (N up to 1,000), each
 *    repetition in a fresh `node` process (bench/worker.ts), and the row's floor
 *    (bench/floor.ts: the same documents written with cdk8s `Yaml`, in a fresh process);
 * 4. profiles PetService with `node --cpu-prof` and writes the report (bench/report.ts).
 *
 * Up to BENCH_JOBS processes run at a time (default 2: the 2-core budget of 10 minutes does
 * not fit otherwise); every measurement is still a single-threaded process of its own.
 *
 * Knobs (environment): BENCH_REPS (default 5, at least 5), BENCH_JOBS (default 2),
 * BENCH_EACH1000 (constructs measured in one chart each in ONE App at N = 1,000: `all`,
 * `none` or comma-separated keys; default PetService and the cdk8s-plus baseline: each run
 * is tens of seconds of cdk8s' quadratic work), BENCH_EACH1000_REPS (their runs, default 1),
 * BENCH_CONSTRUCTS (comma-separated keys),
 * BENCH_QUICK=1 (N <= 100, 2 repetitions: a smoke test that writes to bench/out/ only),
 * BENCH_NO_PROFILE=1, BENCH_REPORT_ONLY=1 (re-render the report from bench/out/results.json).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchReport, ImportCost, ProfileSummary, Row, writeReport } from './report';
import type { Layout, WorkerResult } from './worker';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'bench', 'out');
const JS = path.join(OUT, 'bench');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stateful-bench-'));

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = Math.max(QUICK ? 1 : 5, Number(process.env.BENCH_REPS ?? (QUICK ? 2 : 5)));
const JOBS = Math.max(1, Number(process.env.BENCH_JOBS ?? 2));
const EACH1000_REPS = Math.max(1, Number(process.env.BENCH_EACH1000_REPS ?? 1));
const EACH1000 = process.env.BENCH_EACH1000 ?? 'PetService,cdk8s-plus-27 (hand-written)';
const each1000 = (construct: string) => EACH1000 === 'all' || EACH1000.split(',').map(x => x.trim()).includes(construct);
const ONE_CHART_N = QUICK ? [10, 100] : [10, 100, 1000, 10000];
const CHART_EACH_N = QUICK ? [10, 100] : [10, 100, 1000];
const IMPORT_REPS = QUICK ? 3 : 7;
const PROFILE_N = QUICK ? 100 : 1000;
// The chart-each, one-App layout is quadratic in cdk8s: N = 300 shows the same hot frames
// at a tenth of the cost of N = 1,000 (which the measured rows cover).
const PROFILE_EACH_N = QUICK ? 100 : 300;
// Floors of the 10,000-instance rows: 3 runs (each writes 124-268 MB of YAML; the
// construct rows themselves keep REPS >= 5 runs).
const FLOOR_REPS_10K = Math.min(REPS, 3);
const floorReps = (n: number) => (n >= 10_000 ? FLOOR_REPS_10K : REPS);

function log(msg: string): void {
  process.stderr.write(`[bench ${elapsed()}] ${msg}\n`);
}

const started = Date.now();
function elapsed(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Spawned<T> {
  readonly result: T;
  /** Wall time of the process, less the time it reported spending after its measurement. */
  readonly wallMs: number;
}

function parseOutput<T>(script: string, arg: string, wall: number, status: number | null, stdout: string, stderr: string): Spawned<T> {
  if (status !== 0) {
    const err = (stderr || `exit ${status}`).trim().split('\n');
    throw new Error(`${script} ${arg}: ${err.slice(0, 3).join(' | ')}`);
  }
  const lines = stdout.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]) as T;
  const post = (result as any).postMs ?? 0;
  return { result, wallMs: wall - post };
}

/** Runs `node <script> <json arg>` in a fresh process; returns its one-line JSON output. */
function spawnNodeSync<T>(script: string, arg: string): Spawned<T> {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(JS, script), arg], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: ROOT });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  return parseOutput<T>(script, arg, wall, r.status, r.stdout, r.stderr || r.error?.message || '');
}

/** The same, asynchronously, when a slot of the pool is free. */
function spawnNode<T>(script: string, arg: string, nodeArgs: string[] = []): Promise<Spawned<T>> {
  return pool(() => new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, path.join(JS, script), arg], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    child.on('error', reject);
    child.on('close', status => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      try {
        resolve(parseOutput<T>(script, arg, wall, status, stdout, stderr));
      } catch (e) {
        reject(e);
      }
    });
  }));
}

/** At most JOBS processes at a time, first come first served. */
const queue: Array<() => void> = [];
let running = 0;
function pool<T>(task: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const start = () => {
      running++;
      task().then(resolve, reject).finally(() => {
        running--;
        queue.shift()?.();
      });
    };
    if (running < JOBS) start();
    else queue.push(start);
  });
}

function compile(): void {
  log('compiling bench/ and src/ to bench/out/');
  fs.rmSync(OUT, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'bench', 'tsconfig.json'),
    '--noEmit', 'false', '--outDir', OUT, '--declaration', 'false', '--noEmitOnError', 'false',
    '--inlineSourceMap', 'false', '--inlineSources', 'false', '--incremental', 'false'], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) {
    // Type errors still emit JS; a construct that does not load is reported by the probe.
    const errors = r.stdout.split('\n').filter(l => /error TS/.test(l));
    log(`tsc reported ${errors.length} type error(s) (JS emitted anyway); first: ${errors[0] ?? r.stderr.trim()}`);
  }
  if (!fs.existsSync(path.join(JS, 'worker.js'))) throw new Error('compiling the bench failed: no bench/out/bench/worker.js');
  // The products read their shipped scripts (src/<product>/scripts/*.sh) next to their code,
  // as the package build does for lib/.
  const copyScripts = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {copyScripts(p);} else if (path.basename(dir) === 'scripts' && e.name.endsWith('.sh')) {
        const to = path.join(OUT, 'src', path.relative(path.join(ROOT, 'src'), p));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(p, to);
      }
    }
  };
  copyScripts(path.join(ROOT, 'src'));
}

function probe(): Array<{ key: string; ok: boolean; error?: string; docs?: number }> {
  const r = spawnNodeSync<Array<{ key: string; ok: boolean; error?: string; docs?: number }>>('probe.js', '');
  const only = process.env.BENCH_CONSTRUCTS?.split(',').map(s => s.trim()).filter(Boolean);
  return r.result.filter(p => !only || only.includes(p.key));
}

function importCosts(): ImportCost[] {
  const targets = ['none', 'cdk8s', 'cdk8s-plus-27', 'library', 'library-on-plus'];
  const samples = new Map<string, { ms: number[]; wall: number[]; rss: number[] }>(targets.map(t => [t, { ms: [], wall: [], rss: [] }]));
  // Interleaved, so that drift on the machine hits every target alike.
  for (let i = 0; i < IMPORT_REPS; i++) {
    for (const t of targets) {
      const r = spawnNodeSync<{ ms: number; maxRssKiB: number }>('import-cost.js', t);
      const s = samples.get(t)!;
      s.ms.push(r.result.ms);
      s.wall.push(r.wallMs);
      s.rss.push(r.result.maxRssKiB);
    }
  }
  return targets.map(t => {
    const s = samples.get(t)!;
    return { target: t, ms: median(s.ms), wallMs: median(s.wall), rssKiB: median(s.rss), runs: s.ms.length };
  });
}

let rowSeq = 0;

interface Floor {
  readonly ms: number;
  readonly wallMs: number;
  readonly docs: number;
  readonly bytes: number;
  readonly files: number;
}

/**
 * Floors by output: the two chart-each layouts write the same files, so they share one floor
 * (measured from the dump of whichever of them finishes its first run first).
 */
const floors = new Map<string, Promise<Floor>>();

function measureFloor(dump: string, reps: number): Promise<Floor> {
  const tag = `${rowSeq++}`;
  return Promise.all(Array.from({ length: reps }, (_, i) =>
    spawnNode<WorkerResult>('floor.js', JSON.stringify({ dump, outdir: path.join(TMP, `floor-${tag}-${i}`), count: i === 0 }))))
    .then(runs => {
      fs.rmSync(dump, { force: true });
      for (const f of runs) {
        if (f.result.bytes !== runs[0].result.bytes || f.result.files !== runs[0].result.files) throw new Error('the floor\'s output differs between runs');
      }
      return {
        ms: median(runs.map(f => f.result.ms)),
        wallMs: median(runs.map(f => f.wallMs)),
        docs: runs[0].result.docs,
        bytes: runs[0].result.bytes,
        files: runs[0].result.files,
      };
    }, e => {
      fs.rmSync(dump, { force: true });
      throw e;
    });
}

async function measureRow(construct: string, layout: Layout, n: number, reps: number): Promise<Row> {
  const tag = `${rowSeq++}`;
  const outdir = (i: number) => path.join(TMP, `out-${tag}-${i}`);
  const dump = path.join(TMP, `dump-${tag}.json`);
  const floorKey = `${construct}|${layout === 'one' ? 'one' : 'each'}|${n}`;
  const base = { construct, layout, n };
  try {
    // The first run also dumps the documents (for the floor) and counts them.
    const first = await spawnNode<WorkerResult>('worker.js', JSON.stringify({ construct, n, layout, outdir: outdir(0), dump, count: true }));
    if (!floors.has(floorKey)) floors.set(floorKey, measureFloor(dump, floorReps(n)));
    else fs.rmSync(dump, { force: true });
    const [runs, floor] = await Promise.all([
      Promise.all(Array.from({ length: reps - 1 }, (_, i) =>
        spawnNode<WorkerResult>('worker.js', JSON.stringify({ construct, n, layout, outdir: outdir(i + 1), count: false })))),
      floors.get(floorKey)!,
    ]);
    const all = [first, ...runs];
    for (const r of all) {
      if (r.result.bytes !== first.result.bytes || r.result.files !== first.result.files) {
        throw new Error(`output differs between runs: ${JSON.stringify(r.result)} vs ${JSON.stringify(first.result)}`);
      }
    }
    if (floor.docs !== first.result.docs || floor.bytes !== first.result.bytes || floor.files !== first.result.files) {
      throw new Error(`the floor wrote ${floor.files} files, ${floor.docs} documents, ${floor.bytes} bytes; the construct ${first.result.files}, ${first.result.docs}, ${first.result.bytes}`);
    }
    const row: Row = {
      ...base,
      runs: all.length,
      ms: median(all.map(r => r.result.ms)),
      msMin: Math.min(...all.map(r => r.result.ms)),
      msMax: Math.max(...all.map(r => r.result.ms)),
      wallMs: median(all.map(r => r.wallMs)),
      floorMs: floor.ms,
      floorWallMs: floor.wallMs,
      rssKiB: median(all.map(r => r.result.maxRssKiB)),
      docs: first.result.docs,
      bytes: first.result.bytes,
      files: first.result.files,
    };
    log(`${construct} ${layout} N=${n}: ${row.ms!.toFixed(0)} ms (floor ${row.floorMs!.toFixed(0)} ms, x${(row.ms! / row.floorMs!).toFixed(2)}), ${row.docs} docs, ${all.length} runs`);
    return row;
  } catch (e) {
    fs.rmSync(dump, { force: true });
    log(`${construct} ${layout} N=${n}: FAILED ${(e as Error).message}`);
    return { ...base, error: (e as Error).message };
  }
}

/** One `node --cpu-prof` run; the top self-time frames within the measured window. */
async function profile(construct: string, layout: Layout, n: number): Promise<ProfileSummary | undefined> {
  const dir = path.join(TMP, `prof-${layout}-${n}`);
  try {
    const arg = JSON.stringify({ construct, n, layout, outdir: path.join(TMP, `out-prof-${layout}`), count: false });
    const r = await spawnNode<WorkerResult>('worker.js', arg, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = path.join(dir, fs.readdirSync(dir).find(f => f.endsWith('.cpuprofile'))!);
    const savedName = `profile-${construct}-${layout}-${n}.cpuprofile`.replace(/[^a-zA-Z0-9.-]+/g, '_');
    fs.copyFileSync(file, path.join(OUT, savedName));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { topSelfFrames, topInclusive } = require(path.join(JS, 'profile-summary.js'));
    const top = topSelfFrames(file, 15, r.result.windowUs);
    log(`profiled ${construct} ${layout} N=${n}: ${r.result.ms.toFixed(0)} ms under the profiler`);
    return {
      construct,
      layout,
      n,
      ms: r.result.ms,
      totalMs: top.totalMs,
      frames: top.frames,
      inclusive: topInclusive(file, INCLUSIVE_PHASES, r.result.windowUs),
      file: path.relative(ROOT, path.join(OUT, savedName)),
    };
  } catch (e) {
    log(`profile ${construct} ${layout} ${n} failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** Phases of a synthesis, by the name of the function that runs them (inclusive time). */
const INCLUSIVE_PHASES = [
  'main (bench/worker.js',
  'synth (cdk8s/app.js',
  'validate (cdk8s/app.js',
  'resolveDependencies (cdk8s/app.js',
  'get charts (cdk8s/app.js',
  '_synthChart (cdk8s/app.js',
  'toJson (cdk8s/api-object.js',
  'save (cdk8s/yaml.js',
];

function versions(): { [pkg: string]: string } {
  const v: { [pkg: string]: string } = {};
  for (const pkg of ['cdk8s', 'cdk8s-plus-27', 'constructs', 'yaml', 'typescript', 'vega', 'vega-lite']) {
    try {
      v[pkg] = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      v[pkg] = '?';
    }
  }
  return v;
}

function gitCommit(): string {
  const r = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

async function main(): Promise<void> {
  if (process.env.BENCH_REPORT_ONLY === '1') {
    // Re-render docs/ from the last run's bench/out/results.json (after editing bench/report.ts).
    const last: BenchReport = JSON.parse(fs.readFileSync(path.join(OUT, 'results.json'), 'utf8'));
    const dir = last.quick ? OUT : path.join(ROOT, 'docs');
    await writeReport(last, path.join(dir, 'benchmarks.md'), path.join(dir, 'benchmarks.svg'));
    fs.rmSync(TMP, { recursive: true, force: true });
    log(`re-rendered ${path.relative(ROOT, dir)}/benchmarks.md and .svg from bench/out/results.json`);
    return;
  }
  log(`repetitions per row: ${REPS}${QUICK ? ' (BENCH_QUICK: smoke test, report goes to bench/out/)' : ''}`);
  const loadStart = os.loadavg();
  compile();
  const probed = probe();
  for (const p of probed) log(`${p.key}: ${p.ok ? `available (${p.docs} documents per instance)` : `UNAVAILABLE: ${p.error}`}`);
  const available = probed.filter(p => p.ok).map(p => p.key);

  log('import cost');
  const imports = importCosts();

  log(`measuring with ${JOBS} process(es) at a time, ${REPS} runs per row`);
  const specs: Array<{ construct: string; layout: Layout; n: number; reps: number }> = [];
  for (const construct of available) {
    for (const n of ONE_CHART_N) specs.push({ construct, layout: 'one', n, reps: REPS });
    for (const n of CHART_EACH_N) specs.push({ construct, layout: 'apps', n, reps: REPS });
    for (const n of CHART_EACH_N) {
      if (n < 1000) specs.push({ construct, layout: 'each', n, reps: REPS });
      else if (each1000(construct)) specs.push({ construct, layout: 'each', n, reps: EACH1000_REPS });
    }
  }
  // Longest first (the pool's makespan), reported in the natural order.
  const cost = (x: typeof specs[number]) => x.n * (x.layout === 'each' ? x.n / 100 : 1) * x.reps;
  const jobsBySpec = new Map(specs.map(x => [x, undefined as Promise<Row> | undefined]));
  for (const x of [...specs].sort((a, b) => cost(b) - cost(a))) jobsBySpec.set(x, measureRow(x.construct, x.layout, x.n, x.reps));
  const rowJobs = specs.map(x => jobsBySpec.get(x)!);
  const profileJobs: Array<Promise<ProfileSummary | undefined>> = [];
  if (process.env.BENCH_NO_PROFILE !== '1' && available.includes('PetService')) {
    for (const layout of ['one', 'each'] as Layout[]) profileJobs.push(profile('PetService', layout, layout === 'each' ? PROFILE_EACH_N : PROFILE_N));
  }
  const rows = await Promise.all(rowJobs);
  const profiles = (await Promise.all(profileJobs)).filter((p): p is ProfileSummary => p !== undefined);

  const report: BenchReport = {
    date: new Date().toISOString(),
    totalSeconds: (Date.now() - started) / 1000,
    reps: REPS,
    jobs: JOBS,
    each1000Reps: EACH1000_REPS,
    each1000: EACH1000,
    quick: QUICK,
    machine: {
      cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadBefore: loadStart,
      loadAfter: os.loadavg(),
    },
    versions: versions(),
    commit: gitCommit(),
    constructs: probed,
    imports,
    rows,
    profiles,
  };
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(report, null, 2));
  const docsDir = QUICK ? OUT : path.join(ROOT, 'docs');
  await writeReport(report, path.join(docsDir, 'benchmarks.md'), path.join(docsDir, 'benchmarks.svg'));
  fs.rmSync(TMP, { recursive: true, force: true });
  log(`wrote ${path.relative(ROOT, path.join(docsDir, 'benchmarks.md'))} and benchmarks.svg in ${elapsed()} (m:ss)`);
  const missing = probed.filter(p => !p.ok);
  if (missing.length > 0) log(`unavailable constructs: ${missing.map(p => p.key).join(', ')}`);
}

main().catch(e => {
  fs.rmSync(TMP, { recursive: true, force: true });
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
