/**
 * StatefulRedis Sentinel mode: validation of `RedisFailover.sentinel()` and the wiring of
 * the sentinel, watchdog and labeler containers, the role label, RBAC and the Services.
 * Design and measurements: docs/design/redis-sentinel.md.
 */
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PetService } from '../core';
import { RedisFailover, RedisSentinelOptions } from './failover';
import { RedisServerVersion } from './versions';
import { mountApiAccess } from '../core/api-access';
import { readScriptFile } from '../core/script-files';
import { assertInteger, assertNonEmptyString, assertPort, assertServiceName, propError } from '../core/validate';

const C = 'StatefulRedis';

/** The pod label the labeler keeps equal to the pod's role (`master`, `replica` or `none`). */
export const ROLE_LABEL = 'redis.cdk8s-stateful.io/role';
/** The host a HOLDING Redis replicates: `.invalid` never resolves (RFC 2606). */
export const HOLDING_HOST = 'holding.invalid';
/** Where the watchdog publishes the role and the labeler reads it. */
const ROLE_DIR = '/var/run/cdk8s-stateful/role';

/** Directives Sentinel mode writes itself. */
export const SENTINEL_MANAGED: { [directive: string]: string } = {
  'replica-announce-ip': '(Sentinel mode announces the pod\'s DNS name)',
  'replica-announce-port': '(Sentinel mode announces the pod\'s DNS name)',
  'min-replicas-to-write': '`RedisFailover.sentinel({ minReplicasToWrite })`',
  'min-replicas-max-lag': '`RedisFailover.sentinel({ minReplicasMaxLag })`',
  'replica-read-only': '(replicas are read-only in Sentinel mode)',
};

const SCRIPTS = ['sentinel-lib.sh', 'sentinel-start.sh', 'sentinel-decide.sh', 'sentinel-watchdog.sh', 'sentinel-probe.sh', 'sentinel-labeler.sh'];

/** Sentinel mode's settings, validated. */
export interface ResolvedSentinel {
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLagSeconds: number;
  readonly masterName: string;
  readonly port: number;
  readonly serviceName?: string;
  readonly labelerImage: string;
}

function millis(prop: string, value: unknown): number {
  let ms = NaN;
  try {
    ms = value instanceof Duration ? value.toMilliseconds() : NaN;
  } catch {
    // a fraction of a millisecond: reported below
  }
  if (!Number.isInteger(ms) || ms <= 0) throw propError(C, prop, value instanceof Duration ? value.toHumanString() : value, 'must be a Duration of whole milliseconds');
  return ms;
}

/** What the validation needs from StatefulRedis. */
export interface FailoverContext {
  readonly replicas: number;
  readonly auth: boolean;
  readonly version: RedisServerVersion;
  readonly redisPort: number;
  /** The image and server version, for errors. */
  readonly describe: string;
  /** The password when it is known at synthesis (`Credentials.fromPassword()`). */
  readonly literalPassword?: string;
}

/** The password alphabet of Sentinel mode: it is written into sentinel.conf, which Sentinel rewrites. */
export const SENTINEL_PASSWORD = /^[!#-[\]-~]+$/;

/**
 * Validates `failover` (undefined when it is `none`). Errors name StatefulRedis and the
 * option, e.g. `failover.quorum`.
 */
export function resolveFailover(failover: unknown, ctx: FailoverContext): ResolvedSentinel | undefined {
  if (failover === undefined) return undefined;
  if (!(failover instanceof RedisFailover)) throw propError(C, 'failover', failover, 'must be RedisFailover.none() or RedisFailover.sentinel({ … })');
  if (failover.mode === 'none') return undefined;
  const o: RedisSentinelOptions = failover.sentinelOptions ?? {};
  if (o === null || typeof o !== 'object') throw propError(C, 'failover', o, 'RedisFailover.sentinel() takes an options object');
  if (!Number.isInteger(ctx.replicas) || ctx.replicas < 3) {
    throw propError(C, 'replicas', ctx.replicas, 'must be at least 3 with Sentinel failover (a Sentinel majority must survive the loss of a pod)');
  }
  if (!ctx.auth) throw propError(C, 'auth', false, 'must be on with Sentinel failover: Redis and every Sentinel require the password');
  if (ctx.literalPassword !== undefined && !SENTINEL_PASSWORD.test(ctx.literalPassword)) {
    throw propError(C, 'credentials', '(hidden)',
      'with Sentinel failover the password must be printable ASCII without spaces, \'"\' or \'\\\' (it is written into sentinel.conf); e.g. openssl rand -hex 24');
  }
  const v = ctx.version;
  if (v.flavor === 'redis' && (v.major < 6 || (v.major === 6 && (v.minor ?? 0) < 2))) {
    throw propError(C, 'image', ctx.describe, 'is older than Redis 6.2, which Sentinel failover needs (Sentinel announces and resolves host names since 6.2)');
  }
  const majority = Math.floor(ctx.replicas / 2) + 1;
  const quorum = assertInteger(C, 'failover.quorum', o.quorum ?? majority, 1, ctx.replicas);
  const downAfterMs = millis('failover.downAfter', o.downAfter ?? Duration.seconds(5));
  if (downAfterMs < 1000) throw propError(C, 'failover.downAfter', `${downAfterMs}ms`, 'must be at least 1 second');
  const failoverTimeoutMs = millis('failover.failoverTimeout', o.failoverTimeout ?? Duration.minutes(1));
  if (failoverTimeoutMs <= downAfterMs) {
    throw propError(C, 'failover.failoverTimeout', `${failoverTimeoutMs}ms`, `must be longer than failover.downAfter (${downAfterMs}ms)`);
  }
  const minReplicasToWrite = assertInteger(C, 'failover.minReplicasToWrite', o.minReplicasToWrite ?? 1, 0, ctx.replicas - 1);
  const lagMs = millis('failover.minReplicasMaxLag', o.minReplicasMaxLag ?? Duration.seconds(10));
  if (lagMs % 1000 !== 0 || lagMs < 1000) throw propError(C, 'failover.minReplicasMaxLag', `${lagMs}ms`, 'must be whole seconds, at least 1 second');
  const masterName = o.masterName ?? 'mymaster';
  if (typeof masterName !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(masterName)) {
    throw propError(C, 'failover.masterName', masterName, 'must be 1 to 64 letters, digits, \'.\', \'_\' or \'-\'');
  }
  const port = assertPort(C, 'failover.sentinelPort', o.sentinelPort ?? 26379);
  if (port === ctx.redisPort) throw propError(C, 'failover.sentinelPort', port, `must differ from the Redis port (${ctx.redisPort})`);
  const serviceName = o.sentinelServiceName === undefined ? undefined : assertServiceName(C, 'failover.sentinelServiceName', o.sentinelServiceName);
  const labelerImage = assertNonEmptyString(C, 'failover.labelerImage', o.labelerImage ?? 'curlimages/curl:8.11.1', 1024);
  return {
    quorum, downAfterMs, failoverTimeoutMs, minReplicasToWrite, minReplicasMaxLagSeconds: lagMs / 1000, masterName, port, serviceName, labelerImage,
  };
}

/** The `holding.conf` every pod starts from in Sentinel mode. */
export function renderHoldingConf(s: ResolvedSentinel, redisPort: number): string {
  return [
    '# Generated by cdk8s-stateful: Sentinel mode. Every pod starts HOLDING: a read-only replica of',
    '# a host that never resolves, until the watchdog decides its role from the set (never from',
    '# the ordinal alone). The init container appends replica-announce-ip (the pod\'s DNS name).',
    `replicaof ${HOLDING_HOST} ${redisPort}`,
    'replica-read-only yes',
    'replica-serve-stale-data yes',
    `min-replicas-to-write ${s.minReplicasToWrite}`,
    `min-replicas-max-lag ${s.minReplicasMaxLagSeconds}`,
    '',
  ].join('\n');
}

/** What the wiring needs from StatefulRedis. */
export interface SentinelContext {
  readonly pet: PetService;
  readonly settings: ResolvedSentinel;
  readonly image: string;
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  readonly redisPort: number;
  readonly server: string;
  readonly cli: string;
  readonly passwordEnv: kplus.EnvValue;
  readonly dataClaim: string;
  readonly dataDir: string;
  /** The ServiceAccount the pods run as; created here unless the user gave one. */
  readonly serviceAccountName: string;
  readonly createServiceAccount: boolean;
  readonly init: kplus.Container;
}

/** The Sentinel mode parts StatefulRedis exposes. */
export interface SentinelWiring {
  readonly sentinelService: kplus.Service;
  readonly serviceAccountName: string;
}

/**
 * The suffix of the pods' DNS names, `<headless>.<namespace>.svc.<domain>`; without a known
 * namespace, the pod's own through `$(RS_NAMESPACE)` (the container must define it first).
 */
function podDomain(pet: PetService): string {
  return `${pet.serviceName}.${pet.namespace ?? '$(RS_NAMESPACE)'}.svc.${pet.clusterDomain}`;
}

/** The environment every Sentinel-mode script reads (sentinel-lib.sh documents each). */
export function sentinelEnv(ctx: SentinelContext): Array<[string, kplus.EnvValue]> {
  const { pet, settings } = ctx;
  const val = (x: string | number) => kplus.EnvValue.fromValue(String(x));
  return [
    ['RS_POD', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME)],
    ['RS_NAMESPACE', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE)],
    ['RS_SET', val(pet.name)],
    ['RS_DOMAIN', val(podDomain(pet))],
    ['RS_REPLICAS', val(pet.replicas)],
    ['RS_FIRST', val(pet.ordinalsStart)],
    ['RS_MASTER_NAME', val(settings.masterName)],
    ['RS_REDIS_TCP', val(ctx.redisPort)],
    ['RS_SENTINEL_TCP', val(settings.port)],
    ['RS_SENTINEL_DIR', val(`${ctx.dataDir}/sentinel`)],
    ['RS_QUORUM', val(settings.quorum)],
    ['RS_DOWN_AFTER_MS', val(settings.downAfterMs)],
    ['RS_FAILOVER_TIMEOUT_MS', val(settings.failoverTimeoutMs)],
    ['RS_SERVER', val(ctx.server)],
    ['RS_CLI', val(ctx.cli)],
    ['RS_HOLDING_HOST', val(HOLDING_HOST)],
    ['RS_SCRIPTS', val(PetService.SCRIPTS_PATH)],
    ['REDISCLI_AUTH', ctx.passwordEnv],
  ];
}

const SMALL: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(20) },
  memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
};

/** Adds the sentinel, watchdog and labeler containers, RBAC and the Sentinel Service. */
export function wireSentinel(scope: Construct, ctx: SentinelContext): SentinelWiring {
  const { pet, settings } = ctx;
  for (const f of SCRIPTS) pet.addScript(f, readScriptFile(__dirname, f));
  const env = sentinelEnv(ctx);
  const withEnv = (c: kplus.Container, names?: string[]) => {
    for (const [k, v] of env) if (!names || names.includes(k)) c.env.addVariable(k, v);
    pet.mountScripts(c);
    return c;
  };

  // The redis container: the Sentinel-mode readiness reads these.
  withEnv(pet.container, ['RS_REDIS_TCP', 'RS_SENTINEL_TCP', 'RS_CLI', 'RS_HOLDING_HOST', 'RS_SCRIPTS']);

  // The init container writes holding.conf plus the pod's announced DNS name (POD_NAME is
  // the ordinal init's own downward-API variable).
  ctx.init.env.addVariable('REDIS_MODE', kplus.EnvValue.fromValue('sentinel'));
  withEnv(ctx.init, ['RS_NAMESPACE']);
  ctx.init.env.addVariable('REDIS_ANNOUNCE_HOST', kplus.EnvValue.fromValue(`$(POD_NAME).${podDomain(pet)}`));
  ctx.init.env.addVariable('REDIS_ANNOUNCE_TCP', kplus.EnvValue.fromValue(String(ctx.redisPort)));

  // A container of the data server's image running one shipped script with the shared environment.
  const scriptSidecar = (name: string, script: string, readiness?: kplus.Probe) => withEnv(pet.addSidecar({
    name, image: ctx.image, imagePullPolicy: ctx.imagePullPolicy, command: ['sh', PetService.scriptPath(script)], resources: SMALL, readiness,
  }));
  const sentinel = scriptSidecar('sentinel', 'sentinel-start.sh',
    kplus.Probe.fromCommand(['sh', PetService.scriptPath('sentinel-probe.sh'), 'sentinel'], {
      initialDelaySeconds: Duration.seconds(2), periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(5), failureThreshold: 3,
    }));
  pet.mountClaim(sentinel, ctx.dataClaim, ctx.dataDir);

  const roleDir = kplus.Volume.fromEmptyDir(scope, 'RoleDir', 'role', { sizeLimit: Size.mebibytes(1) });
  const watchdog = scriptSidecar('watchdog', 'sentinel-watchdog.sh');
  watchdog.env.addVariable('RS_ROLE_DIR', kplus.EnvValue.fromValue(ROLE_DIR));
  pet.mountClaim(watchdog, ctx.dataClaim, ctx.dataDir, { readOnly: true });
  watchdog.mount(ROLE_DIR, roleDir);

  const labeler = pet.addSidecar({
    name: 'labeler',
    image: settings.labelerImage,
    imagePullPolicy: ctx.imagePullPolicy,
    command: ['sh', PetService.scriptPath('sentinel-labeler.sh')],
    resources: { cpu: { request: kplus.Cpu.millis(10) }, memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) } },
    envVariables: {
      RS_API_URL: kplus.EnvValue.fromValue('https://kubernetes.default.svc'),
      RS_ROLE_FILE: kplus.EnvValue.fromValue(`${ROLE_DIR}/role`),
      RS_ROLE_LABEL: kplus.EnvValue.fromValue(ROLE_LABEL),
    },
  });
  withEnv(labeler, ['RS_POD', 'RS_NAMESPACE']);
  labeler.mount(ROLE_DIR, roleDir, { readOnly: true });
  mountApiAccess(pet, labeler);

  // ---- RBAC: get/patch on these pods by name, nothing else ----------------------------
  const namespace = pet.namespace;
  const serviceAccountName = ctx.serviceAccountName;
  if (ctx.createServiceAccount) {
    new kplus.k8s.KubeServiceAccount(scope, 'ServiceAccount', {
      metadata: { name: serviceAccountName, namespace, labels: pet.labels },
      automountServiceAccountToken: false,
    });
  }
  const roleName = `${pet.name}-labeler`;
  new kplus.k8s.KubeRole(scope, 'LabelerRole', {
    metadata: { name: roleName, namespace, labels: pet.labels },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'], resourceNames: pet.ordinals.map(o => pet.podName(o)) }],
  });
  new kplus.k8s.KubeRoleBinding(scope, 'LabelerRoleBinding', {
    metadata: { name: roleName, namespace, labels: pet.labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
    // Without a namespace, a RoleBinding's ServiceAccount subject is in the binding's namespace.
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace }],
  });

  // Every running Sentinel, Ready or not: during a failover the replicas of the dead master
  // are not Ready (their link is down), and that is when clients need a Sentinel most.
  const sentinelService = pet.addClientService('sentinel', { name: settings.serviceName, portNames: ['sentinel'] });
  ApiObject.of(sentinelService).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
  return { sentinelService, serviceAccountName };
}
