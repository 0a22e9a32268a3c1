/** Validation of StatefulZooKeeper's own props: every error names StatefulZooKeeper and the prop. */
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { StatefulZooKeeperProps } from './props';
import { Credentials } from '../core';
import { assertSize } from '../core/sizes';
import { assertBoolean, assertInteger, propError } from '../core/validate';

export const C = 'StatefulZooKeeper';

/** The container's resources when the `resources` prop is not set. */
export const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100) },
  memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
};

/** StatefulZooKeeper's own settings, validated. */
export interface ZooKeeperSettings {
  readonly replicas: number;
  readonly auth: boolean;
  readonly clientUser: string;
  readonly tickTimeMs: number;
  readonly initLimit: number;
  readonly syncLimit: number;
  readonly snapRetainCount: number;
  readonly purgeIntervalHours: number;
  readonly maxClientConnections: number;
  readonly resources: kplus.ContainerResources;
  /** Whether the container has a memory limit (the heap is then 75% of it, read at start). */
  readonly memoryLimited: boolean;
  /** The explicit heap in MiB (`heapSize`), else 75% of the limit at start. */
  readonly heapMib?: number;
  /** The PDB's `maxUnavailable` when the user did not set it: the servers the quorum can lose. */
  readonly defaultMaxUnavailable?: number;
}

/** Validates the props StatefulZooKeeper owns (and its constraints on shared ones: replicas, the PDB, the memory limit). */
export function validateZooKeeperProps(props: StatefulZooKeeperProps): ZooKeeperSettings {
  if (props === null || typeof props !== 'object') throw propError(C, 'props', props, 'must be an object');
  const replicas = props.replicas ?? 3;
  if (!([1, 3, 5, 7] as unknown[]).includes(replicas)) {
    throw propError(C, 'replicas', replicas,
      'must be 1, 3, 5 or 7: an ensemble of 2n+1 servers tolerates n failures and an even count tolerates no more than the odd one below it (observers are not supported)');
  }

  // ---- auth -------------------------------------------------------------------------------------
  const auth = assertBoolean(C, 'auth', props.auth) ?? false;
  if (!auth) {
    for (const prop of ['clientUser', 'clientCredentials', 'quorumCredentials'] as const) {
      if (props[prop] !== undefined) throw propError(C, prop, prop === 'clientUser' ? props[prop] : '(set)', 'only applies with `auth: true`');
    }
  }
  const clientUser = props.clientUser ?? 'zookeeper';
  if (typeof clientUser !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(clientUser)) {
    throw propError(C, 'clientUser', clientUser, 'must be 1 to 64 letters, digits and \'_\'');
  }
  for (const prop of ['clientCredentials', 'quorumCredentials'] as const) {
    if (props[prop] !== undefined && !(props[prop] instanceof Credentials)) {
      throw propError(C, prop, props[prop], 'must be Credentials.fromSecret(), fromSecretName() or fromPassword()');
    }
  }

  // ---- tuning -------------------------------------------------------------------------------------
  const tickTimeMs = assertTickTime(props.tickTime);
  const initLimit = assertInteger(C, 'initLimit', props.initLimit ?? 10, 1, 1000);
  const syncLimit = assertInteger(C, 'syncLimit', props.syncLimit ?? 5, 1, 1000);
  const snapRetainCount = assertInteger(C, 'snapshotRetainCount', props.snapshotRetainCount ?? 3, 3, 1000);
  const purgeIntervalHours = assertInteger(C, 'purgeIntervalHours', props.purgeIntervalHours ?? 24, 0, 24 * 365);
  const maxClientConnections = assertInteger(C, 'maxClientConnections', props.maxClientConnections ?? 60, 0, 100_000);

  // ---- resources and heap -------------------------------------------------------------------------
  const resources = props.resources ?? DEFAULT_RESOURCES;
  const limit = resources.memory?.limit === undefined ? undefined : assertSize(C, 'resources.memory.limit', resources.memory.limit);
  let heapMib: number | undefined;
  if (props.heapSize !== undefined) {
    const heap = assertSize(C, 'heapSize', props.heapSize);
    if (heap.kib % 1024 !== 0 || heap.kib < 32 * 1024) throw propError(C, 'heapSize', heap.quantity, 'must be a whole number of MiB, at least 32 MiB');
    if (limit && heap.kib >= limit.kib) {
      throw propError(C, 'heapSize', heap.quantity,
        `must be below the container's memory limit (${limit.quantity}), which also holds the JVM's metaspace, threads and buffers; raise \`resources.memory.limit\` or lower \`heapSize\``);
    }
    heapMib = heap.kib / 1024;
  } else if (limit && Math.floor(limit.kib * 3 / 4 / 1024) < 32) {
    throw propError(C, 'resources.memory.limit', limit.quantity, 'must leave ZooKeeper a heap of at least 32 MiB (75% of the limit): at least 43Mi');
  }

  // ---- the user's containers may not take the names of ZooKeeper's own ----------------------------
  for (const prop of ['initContainers', 'sidecars'] as const) {
    const list: unknown = props[prop];
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, i) => {
      const name = c !== null && typeof c === 'object' ? (c as { name?: unknown }).name : undefined;
      if (name === 'zookeeper-init') throw propError(C, `${prop}[${i}].name`, name, 'is the name of StatefulZooKeeper\'s init container (zookeeper-init): choose another');
    });
  }

  // ---- disruption budget: never more than the quorum can lose -------------------------------------
  const quorumLoss = (replicas - 1) / 2;
  if (props.disruptionBudget === true && replicas === 1) {
    throw propError(C, 'disruptionBudget', true, 'needs at least 3 servers: a single server has no quorum to keep, and a budget of 0 would block every node drain');
  }
  const mu: unknown = props.maxUnavailable;
  if (typeof mu === 'number' && Number.isInteger(mu) && replicas > 1 && mu > quorumLoss) {
    throw propError(C, 'maxUnavailable', mu,
      `must be at most ${quorumLoss} for ${replicas} servers ((replicas - 1) / 2): a budget that lets more servers go loses the quorum`);
  }

  return {
    replicas,
    auth,
    clientUser,
    tickTimeMs,
    initLimit,
    syncLimit,
    snapRetainCount,
    purgeIntervalHours,
    maxClientConnections,
    resources,
    memoryLimited: limit !== undefined,
    heapMib,
    defaultMaxUnavailable: replicas > 1 ? quorumLoss : undefined,
  };
}

function assertTickTime(value: unknown): number {
  if (value === undefined) return 2000;
  const allowed = 'must be a Duration of whole milliseconds from 100 ms to 60 s (e.g. Duration.millis(2000))';
  if (!(value instanceof Duration)) throw propError(C, 'tickTime', value, allowed);
  let ms = NaN;
  try {
    ms = value.toMilliseconds();
  } catch {
    // reported below
  }
  if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) throw propError(C, 'tickTime', Number.isFinite(ms) ? `${ms}ms` : value.toHumanString(), allowed);
  return ms;
}
