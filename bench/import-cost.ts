/**
 * The cost of loading a module, in a fresh process: `require()` timed inside the process.
 * Prints one JSON line `{ ms, maxRssKiB }`.
 *
 *   node bench/out/bench/import-cost.js cdk8s-plus-27|cdk8s|library|none
 */
import * as path from 'path';
import { performance } from 'perf_hooks';

const TARGETS: { [key: string]: string | undefined } = {
  'none': undefined,
  'cdk8s': 'cdk8s',
  'cdk8s-plus-27': 'cdk8s-plus-27',
  // The library's index as the package ships it (compiled), which loads cdk8s-plus-27 too.
  'library': path.join(__dirname, '..', 'src', 'index'),
};

function main(): void {
  const which = process.argv[2];
  if (!(which in TARGETS)) throw new Error(`unknown target ${which}: one of ${Object.keys(TARGETS).join(', ')}`);
  const target = TARGETS[which];
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (target) require(target);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

if (require.main === module) main();
