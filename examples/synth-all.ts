/**
 * The main job: synthesize every example app to examples/dist/<example>.k8s.yaml.
 * Each example module exports `build(app)`, which adds one chart named after the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';

const outdir = path.join(__dirname, 'dist');
fs.rmSync(outdir, { recursive: true, force: true });
const names = fs.readdirSync(__dirname)
  .filter(f => f.endsWith('.ts') && f !== 'synth-all.ts' && !f.endsWith('.d.ts'))
  .map(f => f.replace(/\.ts$/, ''))
  .sort();
for (const name of names) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(path.join(__dirname, name));
  if (typeof example.build !== 'function') throw new Error(`examples/${name}.ts does not export build(app)`);
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.k8s.yaml' });
  const chart = example.build(app);
  if (chart.node.id !== name) throw new Error(`examples/${name}.ts must name its chart "${name}" (got "${chart.node.id}")`);
  app.synth();
  console.log(`examples/dist/${name}.k8s.yaml`);
}
