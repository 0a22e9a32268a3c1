/**
 * Seed 004 (mysql-init-ordinal): the Kubernetes "Run a Replicated Stateful Application"
 * MySQL — StatefulSet `mysql` behind the headless Service `mysql`, 3 servers, a 10Gi
 * `data` claim each, `server-id = 100 + ordinal`, the primary's cnf on pod 0 and the
 * replicas' cnf on the others. Done right: MySQL 8.4 LTS, passwords from the Secret
 * `mysql-credentials`, GTID replication, new replicas cloned from pod `ordinal-1`,
 * `mysql-primary` for writes and `mysql-read` for reads, non-root, claims retained.
 * The seed's `mysql:5.7` is refused by StatefulMySql (it has neither CLONE nor
 * `CHANGE REPLICATION SOURCE TO`; supported: MySQL 8.0.26 to 8.4, MariaDB 10.11 and 11.x).
 */
import { App, Chart, Size } from 'cdk8s';
import { StatefulMySql } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'mysql');
  new StatefulMySql(chart, 'mysql', {
    image: 'mysql:8.4',
    replicas: 3,
    serverIdOffset: 100,
    storageSize: Size.gibibytes(10),
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
