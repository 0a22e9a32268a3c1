import { Duration, Size } from 'cdk8s';
import { Credentials, StatefulProductProps } from '../core';
import { RedisFailover } from './failover';

/** What Redis does when `maxmemory` is reached (`maxmemory-policy`). */
export enum RedisEvictionPolicy {
  /** Refuse writes that need more memory (errors to the client); never drop data. */
  NO_EVICTION = 'noeviction',
  /** Evict any key, least recently used first. */
  ALLKEYS_LRU = 'allkeys-lru',
  /** Evict any key, least frequently used first. */
  ALLKEYS_LFU = 'allkeys-lfu',
  /** Evict random keys. */
  ALLKEYS_RANDOM = 'allkeys-random',
  /** Evict keys with an expiry, least recently used first. */
  VOLATILE_LRU = 'volatile-lru',
  /** Evict keys with an expiry, least frequently used first. */
  VOLATILE_LFU = 'volatile-lfu',
  /** Evict random keys with an expiry. */
  VOLATILE_RANDOM = 'volatile-random',
  /** Evict keys with an expiry, nearest expiry first. */
  VOLATILE_TTL = 'volatile-ttl',
}

/** How often the append-only file is fsynced (`appendfsync`). */
export enum RedisAppendFsync {
  /** After every write: safest, slowest. */
  ALWAYS = 'always',
  /** Once a second: at most about a second of writes lost on a crash. */
  EVERY_SEC = 'everysec',
  /** Leave it to the operating system. */
  NO = 'no',
}

/** An RDB snapshot rule (`save <seconds> <changes>`): snapshot after `interval` if at least `changes` keys changed. */
export interface RedisSnapshotRule {
  /** How long after the last snapshot (whole seconds, at least 1). */
  readonly interval: Duration;

  /** The minimum number of changed keys (at least 1). */
  readonly changes: number;
}

/**
 * Props of a StatefulRedis: the shared props (`StatefulProductProps`) plus Redis's own.
 *
 * The server image (the shared `image`, default `redis:7.4`): the official `redis` image
 * (Redis 5.0.3 to 8.x), `valkey/valkey` (Valkey 7.2 to 8.x), or a mirror of either
 * (`docker.io/library/redis:6.2.14`, `registry.example.com/mirror/redis:7`,
 * `ghcr.io/valkey-io/valkey:8.0-alpine`); the version is read from the tag (set `version`
 * when the tag does not say it). On SIGTERM Redis waits up to 10 s for lagging replicas
 * (`shutdown-timeout`), fsyncs the append-only file and, when RDB rules are set, saves a
 * snapshot before it exits, within the shared `terminationGracePeriod` (default 60 s).
 */
export interface StatefulRedisProps extends StatefulProductProps {
  /**
   * How the set keeps a master when pods fail.
   *
   * `RedisFailover.none()`: ordinal 0 is always the primary; writes stop while it is down.
   *
   * `RedisFailover.sentinel({ … })`: automatic failover. A Sentinel runs beside every Redis
   * (same image, same pod identity), every pod starts as a read-only HOLDING replica and a
   * watchdog decides its role from the set (the master the Sentinels with the highest
   * config-epoch name; only in a brand-new set is the first ordinal the first master), an
   * empty pod never becomes master over peers that hold data, and a labeler keeps the
   * pod's role label current so `<name>-primary` follows the master. Adds a
   * `<name>-sentinel` Service, a ServiceAccount with a Role that may only get/patch these
   * pods by name, and `podManagementPolicy: Parallel`. Needs `replicas >= 3`, auth, and
   * Redis 6.2+ or Valkey; the password must be printable ASCII without spaces, quotes or
   * backslashes (it is written into sentinel.conf).
   *
   * @default RedisFailover.none()
   */
  readonly failover?: RedisFailover;

  /**
   * The name of the client Service for writes, which selects only the primary pod.
   *
   * @default - `<name>-primary`
   */
  readonly primaryServiceName?: string;

  /**
   * The name of the client Service for reads, over every ready pod (primary and synced replicas).
   *
   * @default - `<name>-read`
   */
  readonly readServiceName?: string;

  /**
   * The server version the image runs, e.g. `'6.2'`, `'5.0.14'` or `'8'`, for images whose
   * tag does not say it (`latest`, a digest, a private name). It decides the `redis.conf`
   * syntax: Redis 5.x and 6.x get no `bind` (all interfaces, their default), one `save`
   * rule per line and no `shutdown-on-sigterm`. An image under a private name is taken
   * as Redis (its binaries `redis-server`/`redis-cli`) unless its name contains `valkey`.
   * A version outside Redis 5.0.3 to 8.x / Valkey 7.2 to 8.x is refused.
   *
   * @default - read from the image tag (an error asks for it when the tag does not say it)
   */
  readonly version?: string;

  /**
   * The port Redis listens on and the Services expose.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * Require a password (`requirepass`, and `masterauth` on replicas). Turning it off is an
   * explicit opt-in to an open server (`protected-mode no`).
   *
   * @default true
   */
  readonly auth?: boolean;

  /**
   * Where the password comes from. It is read from the Secret at pod start and never
   * appears in a ConfigMap, a command line or an annotation.
   *
   * The password is the Secret's `password` key unless the Credentials name another
   * (`Credentials.fromSecret(secret)` and `Credentials.fromSecretName(name)` read `password`).
   *
   * @default - `Credentials.fromSecretName('<name>-auth', 'password')`: a Secret you create,
   * e.g. `kubectl create secret generic <name>-auth --from-literal=password=$(openssl rand -hex 24)`;
   * the pods wait for it
   */
  readonly credentials?: Credentials;

  /**
   * Persist every write to the append-only file (`appendonly`).
   *
   * @default true
   */
  readonly appendOnly?: boolean;

  /**
   * How often the append-only file is fsynced.
   *
   * @default RedisAppendFsync.EVERY_SEC
   */
  readonly appendFsync?: RedisAppendFsync;

  /**
   * RDB snapshot rules (`save`); an empty list turns RDB snapshots off (`save ""`).
   *
   * @default - Redis's defaults: after 1 hour with 1 change, 5 minutes with 100, 1 minute with 10000
   */
  readonly rdbSnapshots?: RedisSnapshotRule[];

  /**
   * The memory Redis may use for data (`maxmemory`), at least 1 MiB and below the
   * container's memory limit.
   *
   * @default - 75% of the container's memory limit (384 MiB with the default 512Mi limit);
   * no limit when the container has no memory limit
   */
  readonly maxmemory?: Size;

  /**
   * What Redis does when `maxmemory` is reached.
   *
   * @default RedisEvictionPolicy.NO_EVICTION
   */
  readonly maxmemoryPolicy?: RedisEvictionPolicy;

  /**
   * Extra `redis.conf` directives (name → value, written as `name value`), e.g.
   * `{ 'hz': '20', 'latency-tracking': 'no' }`. Directives this construct manages
   * (port, dir, auth, replication, persistence, memory) are refused: use their props.
   *
   * @default - none
   */
  readonly extraConfig?: { [directive: string]: string };
}
