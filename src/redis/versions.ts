/**
 * Which server StatefulRedis runs: Redis or Valkey, and which version, read from the
 * image reference or given explicitly. The version decides the `redis.conf` syntax.
 */

/** The server family: Redis, or Valkey (a Redis 7.2 fork that accepts the same configuration). */
export type RedisFlavor = 'redis' | 'valkey';

/** A server version as far as StatefulRedis needs it. */
export interface RedisServerVersion {
  readonly flavor: RedisFlavor;
  readonly major: number;
  /** Undefined when only the major is known (`redis:7`): the lowest minor of that major is assumed. */
  readonly minor?: number;
  readonly patch?: number;
}

/** What the image reference says. */
export interface ParsedRedisImage {
  /** Undefined when the repository is neither `…/redis` nor `…/valkey` (a private name). */
  readonly flavor?: RedisFlavor;
  /** Undefined when the tag has no version (`latest`, `alpine`, a digest only, no tag). */
  readonly version?: { major: number; minor?: number; patch?: number };
}

/** The supported range, for error messages and the README. */
export const SUPPORTED_RANGE = 'Redis 5.0.3 to 8.x, Valkey 7.2 to 8.x';

/**
 * Reads the server family and version from an image reference: `redis:7.4`,
 * `redis:5-alpine`, `docker.io/library/redis:6.2.14`, `registry.example.com/mirror/redis:7`,
 * `valkey/valkey:8.0`, `ghcr.io/valkey-io/valkey:7.2-alpine`, `redis:7.2@sha256:…`.
 */
export function parseRedisImage(image: string): ParsedRedisImage {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at); // a digest: only the tag before it (if any) can say the version
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : undefined;
  const last = repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
  const flavor: RedisFlavor | undefined = last === 'redis' ? 'redis' : last === 'valkey' ? 'valkey' : undefined;
  const m = tag === undefined ? null : /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-_+].*)?$/.exec(tag);
  if (!m) return { flavor };
  return {
    flavor,
    version: {
      major: Number(m[1]),
      minor: m[2] === undefined ? undefined : Number(m[2]),
      patch: m[3] === undefined ? undefined : Number(m[3]),
    },
  };
}

/** Parses an explicit `version` prop: `6.2`, `5.0.14`, `7`. */
export function parseVersionProp(version: string): { major: number; minor?: number; patch?: number } | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(version.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] === undefined ? undefined : Number(m[2]), patch: m[3] === undefined ? undefined : Number(m[3]) };
}

/** Why a version is not supported, or undefined when it is. */
export function unsupportedReason(v: RedisServerVersion): string | undefined {
  const minor = v.minor ?? 0;
  const patch = v.patch ?? Number.MAX_SAFE_INTEGER; // `5.0` means the latest 5.0.x
  if (v.flavor === 'valkey') {
    if (v.major < 7 || (v.major === 7 && v.minor !== undefined && minor < 2)) return 'Valkey starts at 7.2';
    if (v.major === 7 && v.minor === undefined) return undefined; // valkey:7 is 7.2
    if (v.major > 8) return 'Valkey 9 and later are not known yet';
    return undefined;
  }
  if (v.major < 5) return 'Redis before 5.0 has no `replicaof` and no REDISCLI_AUTH';
  // REDISCLI_AUTH (the probes authenticate with it) exists since redis-cli 5.0.3.
  if (v.major === 5 && minor === 0 && patch < 3) return 'redis-cli before 5.0.3 does not read REDISCLI_AUTH';
  if (v.major > 8) return 'Redis 9 and later are not known yet';
  return undefined;
}

/** Whether the server accepts what Redis 7.0 introduced in redis.conf (Valkey always does). */
export function atLeast(v: RedisServerVersion, major: number, minor = 0): boolean {
  if (v.flavor === 'valkey') return true; // every Valkey release is Redis 7.2-compatible or later
  if (v.major !== major) return v.major > major;
  return (v.minor ?? 0) >= minor;
}

/** A short description: `Redis 7.4`, `Valkey 8.0`, `Redis 7`. */
export function describeVersion(v: RedisServerVersion): string {
  const name = v.flavor === 'valkey' ? 'Valkey' : 'Redis';
  return `${name} ${v.major}${v.minor === undefined ? '' : `.${v.minor}`}${v.patch === undefined ? '' : `.${v.patch}`}`;
}
