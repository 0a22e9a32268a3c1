/**
 * Seed 002 (Redis as a StatefulSet): `redis` with 2 pods of the seed's image
 * `redis:5-alpine`, each with its own 100Mi ReadWriteMany claim of class `nfs-client`
 * mounted at `/data`, Redis's data directory. The seed only says "ordinal 0 is the
 * primary, later pods are replicas"; StatefulRedis wires it: `redis-1` replicates
 * `redis-0.redis` — plus our defaults: password auth from the Secret `redis-auth`, AOF
 * persistence, claims retained, non-root, probes, PDB. The version (5) is read from the
 * tag: the configuration is the one Redis 5 loads (no `bind`, one `save` rule per line,
 * no `shutdown-on-sigterm`).
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { StatefulRedis } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'redis');
  new StatefulRedis(chart, 'redis', {
    image: 'redis:5-alpine',
    replicas: 2,
    storageClaimName: 'redis-100m-pvc',
    storageClassName: 'nfs-client',
    storageAccessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
    storageSize: Size.mebibytes(100),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
