/**
 * ZooKeeper, the canonical StatefulSet (the Kubernetes tutorial "Running ZooKeeper, a
 * distributed system coordinator"): a 3-server ensemble in the namespace `coordination`,
 * each server with its own `myid` (ordinal + 1) and a retained 10Gi claim, plus a separate
 * 5Gi claim on a fast class for the transaction log. Clients connect with `zk.connectString`.
 */
import { App, Chart, Size } from 'cdk8s';
import { StatefulZooKeeper } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'zookeeper');
  new StatefulZooKeeper(chart, 'zk', {
    namespace: 'coordination',
    storageSize: Size.gibibytes(10),
    dataLogStorageSize: Size.gibibytes(5),
    dataLogStorageClassName: 'fast-ssd',
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
