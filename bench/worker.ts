/**
 * One measurement in a fresh process: build N instances of one construct (in one chart,
 * or one chart each) and `app.synth()` them; print one JSON line with the result.
 *
 *   node bench/out/bench/worker.js '{"construct":"PetService","n":1000,"layout":"one","outdir":"/tmp/x"}'
 *
 * Timed: `new App()` + constructing + `app.synth()` (validation, resolution, YAML, writing).
 * Layouts: see `WorkerArgs.layout`.
 * Not timed: loading modules (see import-cost.ts), counting the output, dumping documents.
 *
 * With `dump`, the documents that `app.synth()` hands to `Yaml.save` are also written as
 * JSON (for the floor worker), and the construct's own loading is checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Chart, Yaml } from 'cdk8s';
import { builder } from './registry';

export type Layout = 'one' | 'each' | 'apps';

export interface WorkerArgs {
  readonly construct: string;
  readonly n: number;
  /**
   * `one`: N instances in one chart of one App; `each`: one chart per instance, all in one
   * App (one `app.synth()`); `apps`: one chart per instance, each chart in its own App (N
   * `synth()`s into the same directory: the same files as `each`).
   */
  readonly layout: Layout;
  readonly outdir: string;
  /** Write the synthesized documents as JSON here. */
  readonly dump?: string;
  /** Count the documents (reads the output back); otherwise only files and bytes. */
  readonly count?: boolean;
}

export interface WorkerResult {
  /** Construct + synth (or, for the floor, writing), measured inside the process. */
  readonly ms: number;
  /** Time the process spent after the measurement (counting, dumping): not part of its wall time. */
  readonly postMs: number;
  readonly maxRssKiB: number;
  readonly files: number;
  readonly docs: number;
  readonly bytes: number;
  /** The measured window on the monotonic clock (µs), to cut a `--cpu-prof` profile to it. */
  readonly windowUs?: [number, number];
}

export interface DumpedFile {
  readonly file: string;
  readonly docs: any[];
}

function main(): void {
  const args: WorkerArgs = JSON.parse(process.argv[2]);
  const build = builder(args.construct).load();
  fs.rmSync(args.outdir, { recursive: true, force: true });

  const captured: DumpedFile[] = [];
  if (args.dump) {
    // Keep a reference to what synth writes (no copy; stringified after the clock stops).
    const save = Yaml.save.bind(Yaml);
    Yaml.save = (filePath: string, docs: any[]) => {
      captured.push({ file: path.basename(filePath), docs });
      save(filePath, docs);
    };
  }

  const w0 = Number(process.hrtime.bigint() / 1000n);
  const t0 = performance.now();
  if (args.layout === 'apps') {
    for (let i = 0; i < args.n; i++) {
      const app = new App({ outdir: args.outdir });
      build(new Chart(app, `bench-${i}`), i);
      app.synth();
    }
  } else {
    const app = new App({ outdir: args.outdir });
    if (args.layout === 'one') {
      const chart = new Chart(app, 'bench');
      for (let i = 0; i < args.n; i++) build(chart, i);
    } else {
      for (let i = 0; i < args.n; i++) build(new Chart(app, `bench-${i}`), i);
    }
    app.synth();
  }
  const ms = performance.now() - t0;
  const w1 = Number(process.hrtime.bigint() / 1000n);
  const maxRssKiB = process.resourceUsage().maxRSS;

  const t1 = performance.now();
  const { files, docs, bytes } = countOutput(args.outdir, args.count ?? true);
  if (args.dump) fs.writeFileSync(args.dump, JSON.stringify(captured));
  fs.rmSync(args.outdir, { recursive: true, force: true });
  const result: WorkerResult = { ms, postMs: performance.now() - t1, maxRssKiB, files, docs, bytes, windowUs: [w0, w1] };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Files, bytes and (with `docs`; -1 otherwise) YAML documents under a directory. */
export function countOutput(dir: string, countDocs: boolean): { files: number; docs: number; bytes: number } {
  let files = 0;
  let docs = countDocs ? 0 : -1;
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) {
    files++;
    if (!countDocs) {
      bytes += fs.statSync(path.join(dir, f)).size;
      continue;
    }
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    bytes += Buffer.byteLength(text);
    // cdk8s separates documents with a `---` line and never starts a file with one.
    docs += text.length === 0 ? 0 : 1 + (text.match(/^---$/gm)?.length ?? 0);
  }
  return { files, docs, bytes };
}

if (require.main === module) main();
