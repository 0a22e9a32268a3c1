/**
 * Which constructs of the registry load and synthesize (one instance), in a fresh process.
 * Prints one JSON line: `[{ key, ok, error?, docs? }]`.
 */
import { App, Chart } from 'cdk8s';
import { BUILDERS } from './registry';

function main(): void {
  const out = BUILDERS.map(b => {
    try {
      const build = b.load();
      const app = new App({ outdir: '/dev/null' });
      build(new Chart(app, 'probe'), 0);
      const docs = app.charts.reduce((n, c) => n + c.toJson().length, 0);
      return { key: b.key, ok: true, docs };
    } catch (e) {
      return { key: b.key, ok: false, error: (e as Error).message.split('\n')[0] };
    }
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (require.main === module) main();
