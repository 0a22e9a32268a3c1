/**
 * Seed 001 (kubia-pet): 3 pets of `luksa/kubia-pet` (a Node.js app on 8080 that stores
 * POSTed data in /var/data/kubia.txt), published on port 80 by the headless Service
 * `kubia`, each with its own 1Mi `data` claim — plus our defaults: claims retained,
 * PodDisruptionBudget, spreading, non-root.
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PetService } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'kubia-pet');
  new PetService(chart, 'kubia', {
    image: 'luksa/kubia-pet',
    containerName: 'kubia-ctr',
    replicas: 3,
    ports: [{ name: 'http', port: 80, containerPort: 8080 }],
    claimTemplates: [{ name: 'data', size: Size.mebibytes(1), mountPath: '/var/data' }],
    readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
