/**
 * The floor of one row, in a fresh process: the very same documents the construct's run
 * wrote, loaded as plain objects (JSON, not timed), written with cdk8s `Yaml.save` to the
 * same file names. Prints one JSON line like the worker.
 *
 *   node bench/out/bench/floor.js '{"dump":"/tmp/x.json","outdir":"/tmp/y"}'
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Yaml } from 'cdk8s';
import { countOutput, DumpedFile, WorkerResult } from './worker';

function main(): void {
  const args: { dump: string; outdir: string; count?: boolean } = JSON.parse(process.argv[2]);
  const files: DumpedFile[] = JSON.parse(fs.readFileSync(args.dump, 'utf8'));
  fs.rmSync(args.outdir, { recursive: true, force: true });
  fs.mkdirSync(args.outdir, { recursive: true });

  const t0 = performance.now();
  for (const f of files) Yaml.save(path.join(args.outdir, f.file), f.docs);
  const ms = performance.now() - t0;
  const maxRssKiB = process.resourceUsage().maxRSS;

  const t1 = performance.now();
  const out = countOutput(args.outdir, args.count ?? true);
  fs.rmSync(args.outdir, { recursive: true, force: true });
  const result: WorkerResult = { ms, postMs: performance.now() - t1, maxRssKiB, ...out };
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) main();
