/**
 * A consumer's cdk8s app: it uses cdk8s-stateful only through the package's entry point
 * (the npm tarball the build makes, unpacked into ./node_modules by run.sh), the way an app
 * made by `cdk8s init typescript-app` and `npm install cdk8s-stateful cdk8s-plus-27` does.
 *
 * - A Chart with a namespace: every object lands in `shop`, every host name is an FQDN there.
 * - One existing Secret (`shop-secrets`, created out of band) holds every password.
 * - A cdk8s-plus-27 Deployment is the only client network isolation lets in, to a
 *   StatefulRedis and a StatefulMySql.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Credentials, MySqlFlavor, StatefulMySql, StatefulRedis, StatefulZooKeeper } from 'cdk8s-stateful';

const app = new App({ outdir: process.argv[2] ?? 'dist' });
const chart = new Chart(app, 'shop', { namespace: 'shop' });

const cache = new StatefulRedis(chart, 'cache', {
  credentials: Credentials.fromSecretName('shop-secrets', 'redis-password'),
});
const db = new StatefulMySql(chart, 'db', {
  flavor: MySqlFlavor.MARIADB,
  rootPassword: Credentials.fromSecretName('shop-secrets', 'mysql-root-password'),
  database: 'shop',
  user: 'shop',
  userPassword: Credentials.fromSecretName('shop-secrets', 'mysql-password'),
});
const zk = new StatefulZooKeeper(chart, 'zk');

const web = new kplus.Deployment(chart, 'web', {
  metadata: { name: 'web' },
  replicas: 2,
  containers: [{
    image: 'registry.example.com/shop/web:1.0',
    portNumber: 8080,
    securityContext: { user: 1000 },
    envVariables: {
      CACHE_HOST: kplus.EnvValue.fromValue(cache.primaryHost),
      CACHE_READ_HOST: kplus.EnvValue.fromValue(cache.readHost),
      CACHE_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: cache.passwordSecret!, key: cache.passwordSecretKey! }),
      DB_HOST: kplus.EnvValue.fromValue(db.primaryHost),
      DB_READ_HOST: kplus.EnvValue.fromValue(db.readHost),
      ZK_CONNECT: kplus.EnvValue.fromValue(zk.connectString),
    },
  }],
});

cache.isolateNetwork({ clients: [web] });
db.isolateNetwork({ clients: [web] });
zk.isolateNetwork({ clients: [web] });

app.synth();
