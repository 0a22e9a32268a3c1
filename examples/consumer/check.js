// Checks the consumer app's output: the objects a user expects, in the chart's namespace,
// passwords only from the one existing Secret, and network isolation admitting the app.
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter(f => f.endsWith('.k8s.yaml'));
const docs = files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map(d => d.toJSON())).filter(Boolean);
const fail = msg => { console.error(`consumer: ${msg}`); process.exit(1); };
const find = (kind, name) => docs.find(d => d.kind === kind && d.metadata.name === name) || fail(`no ${kind} ${name}`);

for (const name of ['cache', 'db', 'zk']) {
  const sts = find('StatefulSet', name);
  if (sts.metadata.namespace !== 'shop') fail(`StatefulSet ${name} is in ${sts.metadata.namespace}, not shop`);
  const np = find('NetworkPolicy', name);
  const peers = JSON.stringify(np.spec.ingress);
  if (!peers.includes('"cdk8s.io/metadata.addr"')) fail(`NetworkPolicy ${name} does not admit the web Deployment: ${peers}`);
}
for (const d of docs) {
  if (d.kind !== 'PersistentVolume' && d.metadata.namespace !== 'shop') fail(`${d.kind} ${d.metadata.name} is not in shop`);
}
const secretNames = new Set();
JSON.stringify(docs, (k, v) => { if (k === 'secretKeyRef') secretNames.add(v.name); return v; });
if ([...secretNames].join(',') !== 'shop-secrets') fail(`passwords come from ${[...secretNames].join(', ')}, not only shop-secrets`);
if (docs.some(d => d.kind === 'Secret')) fail('the app synthesized a Secret; every password comes from the existing shop-secrets');
const web = find('Deployment', 'web');
const env = Object.fromEntries(web.spec.template.spec.containers[0].env.map(e => [e.name, e.value]));
if (env.CACHE_HOST !== 'cache-primary.shop.svc.cluster.local') fail(`CACHE_HOST is ${env.CACHE_HOST}`);
if (env.DB_HOST !== 'db-primary.shop.svc.cluster.local') fail(`DB_HOST is ${env.DB_HOST}`);
console.log(`consumer: ${docs.length} documents in ${files.join(', ')}: namespace shop, one Secret, isolation admits the app`);
