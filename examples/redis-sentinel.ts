/**
 * StatefulRedis with automatic failover (Sentinel mode, issue 13): 3 pods of `redis:7.4`,
 * each with a Sentinel, a watchdog and a labeler beside Redis. No pod is the primary by
 * ordinal: every pod starts HOLDING and takes its role from the set; `cache-primary`
 * follows the master through the pod label `redis.cdk8s-stateful.io/role=master`, which
 * the labeler keeps current with a Role that may only get/patch `cache-0..2`.
 * Explicit options: a master is down after 5 s, a failover may take 1 min, and the
 * master refuses writes unless 1 replica lags less than 10 s.
 * Two client Deployments show both ways to reach the master:
 * - `web` is Sentinel-aware: it asks `cache-sentinel:26379` for the master named `mymaster`
 *   (`REDIS_SENTINEL_ADDR`, `REDIS_MASTER_NAME`); Sentinels and Redis share one password.
 * - `worker` is a plain client of `cache-primary:6379` (no Sentinel support needed; the
 *   Service has no endpoint for a few seconds after a failover, until the label moves).
 * Create the password Secret before or after applying:
 * `kubectl create secret generic cache-auth --from-literal=password=$(openssl rand -hex 24)`.
 */
import { ApiObject, App, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RedisFailover, StatefulRedis } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'redis-sentinel');
  const cache = new StatefulRedis(chart, 'cache', {
    failover: RedisFailover.sentinel({
      downAfter: Duration.seconds(5),
      failoverTimeout: Duration.minutes(1),
      minReplicasToWrite: 1,
      minReplicasMaxLag: Duration.seconds(10),
    }),
  });
  const password = kplus.EnvValue.fromSecretValue({ secret: cache.passwordSecret!, key: cache.passwordSecretKey! });
  // The clients meet Pod Security Standards "restricted" too: a numeric non-root uid, no
  // capabilities and the RuntimeDefault seccomp profile (cdk8s-plus-27 has fields for neither
  // `drop: [ALL]` nor seccomp, hence the patches).
  const securityContext: kplus.ContainerSecurityContextProps = { user: 1000 };
  const restricted = (d: kplus.Deployment) => ApiObject.of(d).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }));

  // A Sentinel-aware client (ioredis `sentinels`, redis-py `Sentinel`, go-redis `FailoverClient`…).
  const web = new kplus.Deployment(chart, 'web', {
    metadata: { name: 'web' },
    replicas: 2,
    containers: [{
      image: 'registry.example.com/shop/web:1.0',
      portNumber: 8080,
      securityContext,
      envVariables: {
        REDIS_SENTINEL_ADDR: kplus.EnvValue.fromValue(`${cache.sentinelHost}:${cache.sentinelPort}`),
        REDIS_MASTER_NAME: kplus.EnvValue.fromValue(cache.masterName!),
        REDIS_PASSWORD: password, // for the master and replicas and for the Sentinels
      },
    }],
  });

  // A plain client: the write Service follows the master through the role label.
  const worker = new kplus.Deployment(chart, 'worker', {
    metadata: { name: 'worker' },
    replicas: 1,
    containers: [{
      image: 'registry.example.com/shop/web:1.0',
      securityContext,
      envVariables: {
        REDIS_ADDR: kplus.EnvValue.fromValue(`${cache.primaryHost}:${cache.port}`),
        REDIS_PASSWORD: password,
      },
    }],
  });
  restricted(web);
  restricted(worker);
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
