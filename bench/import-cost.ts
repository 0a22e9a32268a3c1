/**
 * The cost of loading a module, in a fresh process: `require()` timed inside the process.
 * Prints one JSON line `{ ms, maxRssKiB }`.
 *
 *   node bench/out/bench/import-cost.js cdk8s-plus-27|cdk8s|library|library-on-plus|none
 *
 * `library-on-plus` is the library's own cost, measured in ONE process: cdk8s-plus-27 is
 * loaded first (untimed), then the library's `require()` is timed. (The difference of two
 * separate processes' medians is smaller than their noise, and once came out negative.)
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
  if (!(which in TARGETS) && which !== 'library-on-plus') throw new Error(`unknown target ${which}: one of ${Object.keys(TARGETS).join(', ')}`);
  if (which === 'library-on-plus') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('cdk8s-plus-27');
    const t = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(TARGETS.library!);
    const own = performance.now() - t;
    process.stdout.write(JSON.stringify({ ms: own, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
    return;
  }
  const target = TARGETS[which];
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (target) require(target);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

if (require.main === module) main();
