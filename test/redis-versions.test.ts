/**
 * StatefulRedis and server versions: the version is read from the image tag (or the
 * `version` prop), an unsupported one is refused at construction, and the rendered
 * configuration uses no directive (or syntax) newer than the version.
 *
 * The table of first versions below is written from the servers' own documentation,
 * independently of src/: redis.conf of the 5.0, 6.0 and 6.2 branches, and the 7.0
 * release notes (`bind *` and the `-` prefix for optional addresses, several
 * `<seconds> <changes>` pairs on one `save` line, `shutdown-on-sigterm`). Every
 * rendering is also loaded by the real redis-server we have (7.0) in the kubelet sandbox.
 */
import { Testing } from 'cdk8s';
import { Credentials, RedisFailover, StatefulRedis, StatefulRedisProps } from '../src';
import { Doc, hasCommand, one } from './util/k8s';
import { FakeCluster, kubeletMissing } from './util/kubelet';

/** The first Redis version that accepts each directive StatefulRedis may write. */
const FIRST_VERSION: Record<string, [number, number]> = {
  'port': [1, 0],
  'bind': [1, 0],
  'protected-mode': [3, 2],
  'daemonize': [1, 0],
  'logfile': [1, 0],
  'dir': [1, 0],
  'include': [2, 2],
  'requirepass': [1, 0],
  'masterauth': [1, 0],
  'appendonly': [1, 1],
  'appendfsync': [1, 1],
  'save': [1, 0],
  'maxmemory': [1, 0],
  'maxmemory-policy': [2, 0],
  'replicaof': [5, 0], // before 5.0 only `slaveof`
  'replica-read-only': [5, 0],
  'replica-serve-stale-data': [5, 0],
  'shutdown-on-sigterm': [7, 0],
  'unixsocket': [2, 2],
  'unixsocketperm': [2, 4],
  // Sentinel mode (holding.conf, redis-conf.sh): the replica-* names are Redis 5.0's.
  'replica-announce-ip': [5, 0],
  'replica-announce-port': [5, 0],
  'min-replicas-to-write': [5, 0],
  'min-replicas-max-lag': [5, 0],
};
/** Syntax newer than its directive (Redis 7.0). */
const SYNTAX_7: Array<[string, RegExp]> = [
  ['bind * / -<address>', /^bind\s+.*(\*|(^|\s)-)/],
  ['several save pairs on one line', /^save\s+\d+\s+\d+\s+\d+/],
];

const IMAGES: Array<[string, string, [number, number]]> = [
  ['redis:5-alpine', 'Redis 5', [5, 0]],
  ['redis:5.0.14', 'Redis 5.0.14', [5, 0]],
  ['docker.io/library/redis:6.0', 'Redis 6.0', [6, 0]],
  ['docker.io/library/redis:6.2.14', 'Redis 6.2.14', [6, 2]],
  ['registry.example.com/mirror/redis:7', 'Redis 7', [7, 0]],
  ['redis:7.2.4-bookworm', 'Redis 7.2.4', [7, 2]],
  ['redis:7.4', 'Redis 7.4', [7, 4]],
  ['localhost:5000/redis:8.0-alpine', 'Redis 8.0', [8, 0]],
  ['redis:8.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'Redis 8.2', [8, 2]],
  ['valkey/valkey:8.0', 'Valkey 8.0', [7, 2]],
  ['ghcr.io/valkey-io/valkey:7.2', 'Valkey 7.2', [7, 2]],
  ['valkey/valkey:8.1-alpine', 'Valkey 8.1', [7, 2]],
];

function synth(props: StatefulRedisProps): { redis: StatefulRedis; docs: Doc[] } {
  const chart = Testing.chart();
  const redis = new StatefulRedis(chart, 'cache', props);
  return { redis, docs: Testing.synth(chart) as Doc[] };
}

/** Every directive line a pod's server reads: the ConfigMap's files and the lines the scripts write. */
function renderedLines(docs: Doc[]): string[] {
  const config = one(docs, 'ConfigMap', 'cache-config').data as Record<string, string>;
  const scripts = one(docs, 'ConfigMap', 'cache-scripts').data as Record<string, string>;
  const lines = Object.values(config).flatMap(t => t.split('\n'));
  // printf/echo lines of the init and seed steps that write configuration directives.
  for (const script of [scripts['redis-conf.sh'], scripts['redis-seed.sh']].filter(x => x !== undefined)) {
    for (const m of script.matchAll(/^\s*(?:printf '|echo ")([a-z][a-z-]+) ([^\\'"]*)/gm)) lines.push(`${m[1]} ${m[2]}`);
  }
  return lines.map(l => l.trim()).filter(l => l && !l.startsWith('#'));
}

const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

describe('the version is read from the image tag', () => {
  test.each(IMAGES)('%s is %s', (image, described) => {
    expect(synth({ image }).redis.serverVersion).toBe(described);
  });

  test('the default image redis:7.4 is Redis 7.4', () => {
    const { redis, docs } = synth({});
    expect(redis.image).toBe('redis:7.4');
    expect(redis.serverVersion).toBe('Redis 7.4');
    expect(one(docs, 'StatefulSet').spec.template.spec.containers[0].args).toEqual(['redis-server', '/etc/redis/redis.conf']);
  });

  test('Valkey runs valkey-server, its probes valkey-cli; VALKEYCLI_AUTH and REDISCLI_AUTH carry the password', () => {
    const { docs } = synth({ image: 'valkey/valkey:8.0' });
    const spec = one(docs, 'StatefulSet').spec.template.spec;
    expect(spec.containers[0].args).toEqual(['valkey-server', '/etc/redis/redis.conf']);
    expect(spec.containers[0].env.map((e: any) => e.name)).toEqual(['REDISCLI_AUTH', 'VALKEYCLI_AUTH']);
    expect(spec.containers[0].readinessProbe.exec.command.slice(2)).toEqual(['readiness', '6379', '/etc/redis', 'valkey-cli']);
    expect(spec.containers[0].livenessProbe.exec.command.slice(2)).toEqual(['liveness', '6379', '/etc/redis', 'valkey-cli']);
    const seed = spec.initContainers.find((c: any) => c.name === 'redis-seed');
    expect(seed.env).toContainEqual({ name: 'REDIS_SERVER_BIN', value: 'valkey-server' });
    expect(seed.env).toContainEqual({ name: 'REDIS_CLI_BIN', value: 'valkey-cli' });
    // Valkey is configured as Redis 7.2.
    const conf = (image: string) => one(synth({ image }).docs, 'ConfigMap', 'cache-config').data['redis.conf'];
    expect(conf('valkey/valkey:8.0')).toBe(conf('redis:7.2'));
  });

  test('an explicit version for tags that do not say it', () => {
    expect(synth({ image: 'redis:latest', version: '6.2' }).redis.serverVersion).toBe('Redis 6.2');
    expect(synth({ image: 'redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', version: '7.2' }).redis.serverVersion).toBe('Redis 7.2');
    expect(synth({ image: 'registry.example.com/team/kv:2024.1', version: '5.0' }).redis.serverVersion).toBe('Redis 5.0');
    expect(synth({ image: 'registry.example.com/team/valkey-kv:1', version: '8.0' }).redis.serverVersion).toBe('Valkey 8.0');
    // The prop wins over the tag.
    expect(synth({ image: 'redis:7.4', version: '6.0' }).redis.serverVersion).toBe('Redis 6.0');
  });

  test.each([
    ['redis:latest', { image: 'redis:latest' }, /StatefulRedis: invalid `image` "redis:latest": does not say its server version \(no version in the tag\); set `version` \(e\.g\. version: '7\.4'\); supported: Redis 5\.0\.3 to 8\.x, Valkey 7\.2 to 8\.x/],
    ['redis (no tag)', { image: 'redis' }, /invalid `image` "redis": does not say its server version/],
    ['a digest only', { image: 'redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }, /invalid `image` "redis@sha256:.*": does not say its server version/],
    ['a private name', { image: 'registry.example.com/team/kv:1.2' }, /invalid `image` "registry\.example\.com\/team\/kv:1\.2": does not say its server version \(not an official redis or valkey image name\)/],
    ['Redis 4.0', { image: 'redis:4.0' }, /StatefulRedis: invalid `image` "redis:4\.0": is Redis 4\.0, which StatefulRedis does not support .*; supported: Redis 5\.0\.3 to 8\.x, Valkey 7\.2 to 8\.x/],
    ['Redis 5.0.2 (no REDISCLI_AUTH)', { image: 'redis:5.0.2-alpine' }, /invalid `image` "redis:5\.0\.2-alpine": is Redis 5\.0\.2, .*REDISCLI_AUTH/],
    ['Redis 9', { image: 'redis:9.0' }, /is Redis 9\.0, which StatefulRedis does not support/],
    ['Valkey 9', { image: 'valkey/valkey:9' }, /is Valkey 9, which StatefulRedis does not support/],
    ['an unsupported version prop', { image: 'redis:latest', version: '4.0' }, /StatefulRedis: invalid `version` "4\.0": is Redis 4\.0 \(image redis:latest\), which StatefulRedis does not support/],
    ['a version prop that is not a version', { version: 'seven' }, /StatefulRedis: invalid `version` "seven": must be a server version such as '7\.4'/],
  ] as Array<[string, StatefulRedisProps, RegExp]>)('refuses %s', (_what, props, error) => {
    expect(() => synth(props)).toThrow(error);
  });
});

describe('per-version directive table: no rendered config uses a directive newer than its version', () => {
  test.each(IMAGES)('%s (%s)', (image, _described, version) => {
    const sentinel = older(version, [6, 2]) ? [] : [{ failover: RedisFailover.sentinel() }];
    for (const props of [{}, { rdbSnapshots: [] }, { auth: false }, ...sentinel] as StatefulRedisProps[]) {
      const lines = renderedLines(synth({ image, ...props }).docs);
      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) {
        const directive = line.split(/\s+/)[0];
        expect({ line, known: directive in FIRST_VERSION }).toEqual({ line, known: true });
        expect({ line, tooNew: older(version, FIRST_VERSION[directive]) }).toEqual({ line, tooNew: false });
        if (older(version, [7, 0])) {
          for (const [what, re] of SYNTAX_7) expect({ line, what, matches: re.test(line) }).toEqual({ line, what, matches: false });
        }
      }
    }
  });

  test('Redis 5/6: no bind (every interface), one save rule per line, no shutdown-on-sigterm; 7+: bind * -::*', () => {
    const conf = (image: string) => one(synth({ image }).docs, 'ConfigMap', 'cache-config').data['redis.conf'].split('\n').filter((l: string) => l && !l.startsWith('#'));
    expect(conf('redis:5-alpine')).toEqual([
      'port 6379', 'protected-mode yes', 'daemonize no', 'logfile ""', 'appendonly yes', 'appendfsync everysec',
      'save 3600 1', 'save 300 100', 'save 60 10000', 'maxmemory 384mb', 'maxmemory-policy noeviction',
    ]);
    expect(conf('redis:6.2')).toEqual(conf('redis:5-alpine'));
    expect(conf('redis:7.0')).toEqual([
      'port 6379', 'bind * -::*', 'protected-mode yes', 'daemonize no', 'logfile ""', 'appendonly yes', 'appendfsync everysec',
      'save 3600 1 300 100 60 10000', 'maxmemory 384mb', 'maxmemory-policy noeviction', 'shutdown-on-sigterm default',
    ]);
  });
});

const missing = [...(hasCommand('redis-server') && hasCommand('redis-cli') ? [] : ['redis-server']), ...kubeletMissing()];
if (missing.length && process.env.CI) {
  test('redis-server and the kubelet sandbox are available (CI)', () => { throw new Error(`missing: ${missing.join(', ')}`); });
}

(missing.length ? describe.skip : describe)('the real redis-server (7.0) loads every rendering, primary and replica', () => {
  // One run per distinct rendering (valkey-server is not installed; Valkey renders as redis:7.2, above).
  const renderings = new Map<string, string>();
  for (const [image] of IMAGES.filter(([i]) => !i.includes('valkey'))) {
    const key = renderedLines(synth({ image }).docs).join('\n');
    if (!renderings.has(key)) renderings.set(key, image);
  }
  test('Redis 5/6 and Redis 7/8 are the two renderings', () => {
    expect([...renderings.values()]).toEqual(['redis:5-alpine', 'registry.example.com/mirror/redis:7']);
  });
  test.each([...renderings.values()])('%s', async (image) => {
    const chart = Testing.chart();
    new StatefulRedis(chart, 'cache', { image, replicas: 2, credentials: Credentials.fromPassword('pw') });
    const cluster = new FakeCluster(Testing.synth(chart) as Doc[]);
    try {
      const primary = cluster.pod('cache', 0);
      await primary.create();
      const ping = (p: typeof primary) => p.exec('redis', ['redis-cli', 'ping']).stdout.trim();
      const deadline = Date.now() + 20_000;
      while (ping(primary) !== 'PONG' && Date.now() < deadline) await new Promise(r => setTimeout(r, 200));
      expect({ ping: ping(primary), log: primary.isRunning('redis') ? '' : primary.logs('redis') }).toEqual({ ping: 'PONG', log: '' });
      const replica = cluster.pod('cache', 1);
      await replica.create();
      while (replica.probe('redis', 'readiness').status !== 0 && Date.now() < deadline + 20_000) await new Promise(r => setTimeout(r, 200));
      expect(replica.probe('redis', 'readiness')).toMatchObject({ status: 0, stderr: '' });
      expect(primary.logs('redis')).not.toMatch(/Bad directive|FATAL CONFIG/);
    } finally {
      await cluster.destroy();
    }
  }, 60_000);
});
