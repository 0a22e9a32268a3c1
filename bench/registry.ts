/**
 * The constructs the benchmark synthesizes: one entry per product. Each entry builds ONE
 * instance in a scope; the worker repeats it N times (in one chart, or one chart each).
 *
 * The library is loaded lazily and per entry, so that a product that is missing or does
 * not load (work in progress) only makes its own rows unavailable.
 */
import * as path from 'path';
import { JsonPatch, Size, ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface ConstructBuilder {
  /** Row label in the report. */
  readonly key: string;
  /** One line on what is built. */
  readonly description: string;
  /** Throws (with the reason) when the construct cannot be loaded. */
  readonly load: () => (scope: Construct, index: number) => void;
}

/** The compiled library next to the compiled bench (bench/out/src), or ../src under ts-node. */
const SRC = path.join(__dirname, '..', 'src');

/** `require` of one export of the library: through the index, else the module itself. */
function libraryExport(moduleFile: string, exportName: string): any {
  const errors: string[] = [];
  for (const mod of ['index', moduleFile]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require(path.join(SRC, mod));
      if (typeof m[exportName] === 'function') {
        if (mod !== 'index') errors.push(`not exported from src/index.ts (loaded from src/${moduleFile}.ts)`);
        return m[exportName];
      }
      errors.push(`src/${mod}.ts has no export ${exportName}`);
    } catch (e) {
      errors.push(`src/${mod}.ts: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(errors.join('; '));
}

/** A hand-written cdk8s-plus-27 StatefulSet + headless Service of the PetService shape. */
function plusBaseline(scope: Construct, index: number): void {
  const name = `plain${index}`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  const service = new kplus.Service(scope, `Svc${index}`, {
    metadata: { name, labels },
    clusterIP: 'None',
    ports: [{ name: 'http', port: 80, targetPort: 80 }],
  });
  for (const [k, v] of Object.entries(labels)) service.selectLabel(k, v);
  const sts = new kplus.StatefulSet(scope, `Sts${index}`, {
    metadata: { name, labels },
    service,
    select: false,
    podMetadata: { labels },
    replicas: 1,
    containers: [{
      name: 'main',
      image: 'nginx:1.27',
      ports: [{ name: 'http', number: 80 }],
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
      resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } },
    }],
  });
  sts.select(kplus.LabelSelector.of({ labels }));
  // cdk8s-plus-27 has no claim templates: the usual escape hatch. The quantity must be a
  // `Quantity`: the L1 KubeStatefulSet re-maps the patched JSON, and a plain '1Gi' string
  // would come out as `storage: null`.
  const obj = ApiObject.of(sts);
  obj.addJsonPatch(JsonPatch.add('/spec/volumeClaimTemplates', [{
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: kplus.k8s.Quantity.fromString('1Gi') } } },
  }]));
  obj.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts', [{ name: 'data', mountPath: '/data' }]));
}

export const BUILDERS: ConstructBuilder[] = [
  {
    key: 'PetService',
    description: 'PetService: nginx:1.27, one port (http/80), one 1Gi claim template `data` at /data; other props default',
    load: () => {
      const PetService = libraryExport('pet-service', 'PetService');
      return (scope, i) => new PetService(scope, `Pet${i}`, {
        image: 'nginx:1.27',
        ports: [{ name: 'http', port: 80 }],
        claimTemplates: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data' }],
      });
    },
  },
  {
    key: 'StatefulRedis',
    description: 'StatefulRedis with no props',
    load: () => {
      const StatefulRedis = libraryExport('redis', 'StatefulRedis');
      return (scope, i) => new StatefulRedis(scope, `Redis${i}`);
    },
  },
  {
    key: 'StatefulMySql',
    description: 'StatefulMySql with no props',
    load: () => {
      const StatefulMySql = libraryExport('mysql', 'StatefulMySql');
      return (scope, i) => new StatefulMySql(scope, `Mysql${i}`);
    },
  },
  {
    key: 'cdk8s-plus-27 (hand-written)',
    description: 'cdk8s-plus-27 StatefulSet + headless Service of the same shape (claim template and mount by JSON patch)',
    load: () => plusBaseline,
  },
];

export function builder(key: string): ConstructBuilder {
  const b = BUILDERS.find(x => x.key === key);
  if (!b) throw new Error(`unknown construct "${key}": one of ${BUILDERS.map(x => x.key).join(', ')}`);
  return b;
}
