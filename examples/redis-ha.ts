/**
 * StatefulRedis with every default: 3 pods of the official `redis` image (`cache-0` the
 * primary, `cache-1` and `cache-2` its replicas), AOF on a retained 1Gi claim each, auth
 * from the Secret `cache-auth` (create it before or after applying:
 * `kubectl create secret generic cache-auth --from-literal=password=$(openssl rand -hex 24)`),
 * a write Service `cache-primary`, a read Service `cache-read`, a headless `cache`,
 * probes, a PodDisruptionBudget and anti-affinity.
 */
import { App, Chart } from 'cdk8s';
import { StatefulRedis } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'redis-ha');
  new StatefulRedis(chart, 'cache');
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
