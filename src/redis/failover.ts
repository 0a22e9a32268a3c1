import { Duration } from 'cdk8s';

/**
 * Options of Sentinel failover (`RedisFailover.sentinel()`).
 *
 * Every pod runs a Sentinel beside its Redis (same image, same pod identity), a watchdog
 * that decides the pod's role at start and heals what Sentinel alone does not, and a
 * labeler that keeps the pod's role label current so `<name>-primary` follows the master.
 */
export interface RedisSentinelOptions {
  /**
   * How many Sentinels must agree that the master is down before a failover starts
   * (Sentinel's `quorum`), from 1 to `replicas`. The failover itself always needs a
   * majority of the Sentinels to elect a leader, whatever the quorum.
   *
   * @default - a majority of `replicas` (2 of 3, 3 of 5)
   */
  readonly quorum?: number;

  /**
   * How long a master must be unreachable before a Sentinel sees it as down
   * (`down-after-milliseconds`), at least 1 second.
   *
   * @default Duration.seconds(5)
   */
  readonly downAfter?: Duration;

  /**
   * Sentinel's `failover-timeout`: how long a failover may take before another Sentinel
   * may try again; longer than `downAfter`.
   *
   * @default Duration.minutes(1)
   */
  readonly failoverTimeout?: Duration;

  /**
   * The master refuses writes (`-NOREPLICAS`) unless at least this many replicas are
   * connected with a lag below `minReplicasMaxLag` (`min-replicas-to-write`). This bounds
   * what a master cut off from its replicas can accept (and lose when it rejoins as a
   * replica) to about `minReplicasMaxLag`. `0` turns it off: writes stay possible with
   * every replica down, and a partitioned master accepts writes that are later discarded.
   * Must be below `replicas`.
   *
   * @default 1
   */
  readonly minReplicasToWrite?: number;

  /**
   * The largest replica lag that still counts for `minReplicasToWrite`
   * (`min-replicas-max-lag`), whole seconds, at least 1 second.
   *
   * @default Duration.seconds(10)
   */
  readonly minReplicasMaxLag?: Duration;

  /**
   * The name Sentinel knows the master by: what Sentinel-aware clients ask for
   * (`SENTINEL GET-MASTER-ADDR-BY-NAME <masterName>`). Letters, digits, `.`, `_` and `-`.
   *
   * @default 'mymaster'
   */
  readonly masterName?: string;

  /**
   * The port the Sentinels listen on and the `<name>-sentinel` Service exposes.
   *
   * @default 26379
   */
  readonly sentinelPort?: number;

  /**
   * The name of the Service over the Sentinels.
   *
   * @default - `<name>-sentinel`
   */
  readonly sentinelServiceName?: string;

  /**
   * The image of the labeler container, which patches the pod's role label through the
   * Kubernetes API with `curl` (the Redis images have no HTTP client). Any image with a
   * POSIX `sh` and `curl` works; pin it, or mirror it for an air-gapped cluster.
   *
   * @default 'curlimages/curl:8.11.1'
   */
  readonly labelerImage?: string;
}

/**
 * How StatefulRedis keeps a master when pods fail: `RedisFailover.none()` (the first pod
 * is the primary, nothing fails over) or `RedisFailover.sentinel()` (automatic failover).
 */
export class RedisFailover {
  /**
   * No automatic failover: the first pod (ordinal 0, or `ordinalsStart`) is always the
   * primary and every other pod its replica. Writes stop while the primary pod is down.
   */
  public static none(): RedisFailover {
    return new RedisFailover('none');
  }

  /**
   * Automatic failover with Redis Sentinel: a Sentinel beside every Redis, the role of
   * each pod decided from the set (never from the ordinal alone), a watchdog that heals
   * what Sentinel cannot, and a `<name>-primary` Service that follows the master through
   * a role label. Needs at least 3 pods, auth, and Redis 6.2+ or Valkey (announced host
   * names).
   *
   * @param options quorum, timings, write safety, names and the labeler image
   */
  public static sentinel(options: RedisSentinelOptions = {}): RedisFailover {
    return new RedisFailover('sentinel', options);
  }

  /** `none` or `sentinel`. */
  public readonly mode: string;

  /** The options of Sentinel mode (undefined for `none`). */
  public readonly sentinelOptions?: RedisSentinelOptions;

  private constructor(mode: string, options?: RedisSentinelOptions) {
    this.mode = mode;
    this.sentinelOptions = options;
  }
}
