/**
 * The server versions StatefulMySql supports, and how it finds the version of an image.
 */
import { propError } from '../core/validate';

/** The two server flavours (mirrors the public `MySqlFlavor` enum's wire values). */
type Flavor = 'MySQL' | 'MariaDB';

/** A version as written in a tag or the `version` prop: missing parts mean "the latest of that line". */
export interface ServerVersion {
  readonly major: number;
  readonly minor?: number;
  readonly patch?: number;
}

/** The parts of an image reference this module needs. */
export interface ImageRef {
  /** The last path component of the repository: `mysql` for `docker.io/library/mysql:8.4`. */
  readonly name: string;
  /** The tag, if any. */
  readonly tag?: string;
  /** The digest, if any (`sha256:…`). */
  readonly digest?: string;
}

const C = 'StatefulMySql';

/** The supported range per flavour, as users read it. */
export const SUPPORTED_RANGE: Record<Flavor, string> = {
  MySQL: 'MySQL 8.0.26 to 8.4 (CLONE, CHANGE REPLICATION SOURCE TO, --skip-replica-start)',
  MariaDB: 'MariaDB 10.11 and 11.x (mariadb-backup, GTID strict mode, read_only that binds root: SUPER without READ_ONLY ADMIN)',
};

/** Splits `[registry[:port]/]path[:tag][@digest]`. */
export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : undefined;
  const repo = colon > slash ? ref.slice(0, colon) : ref;
  return { name: repo.slice(slash + 1).toLowerCase(), tag, digest };
}

/** `8`, `8.4`, `8.0.36`, `11.4.2-noble`, `8.0.36-debian`, `8-oracle` → the numbers; anything else → undefined. */
export function parseVersion(text: string): ServerVersion | undefined {
  const m = /^v?(\d{1,3})(?:\.(\d{1,3}))?(?:\.(\d{1,4}))?(?:[-_+][A-Za-z0-9._-]*)?$/.exec(text);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: m[2] === undefined ? undefined : Number(m[2]),
    patch: m[3] === undefined ? undefined : Number(m[3]),
  };
}

/** The flavour an image's repository name says, if it says one. */
export function flavorOfImage(ref: ImageRef): Flavor | undefined {
  if (ref.name === 'mariadb') return 'MariaDB';
  if (ref.name === 'mysql' || ref.name === 'mysql-server') return 'MySQL';
  return undefined;
}

/** Whether the version (a line when parts are missing: its latest release) is supported. */
export function isSupported(flavor: Flavor, v: ServerVersion): boolean {
  if (flavor === 'MySQL') {
    if (v.major !== 8) return false;
    if (v.minor === undefined) return true; // mysql:8 is the latest 8.x
    if (v.minor === 0) return v.patch === undefined || v.patch >= 26;
    return v.minor <= 4;
  }
  if (v.major === 11) return true;
  if (v.major !== 10) return false;
  return v.minor === undefined || v.minor === 11; // mariadb:10 is 10.11
}

export function formatVersion(v: ServerVersion): string {
  return [v.major, v.minor, v.patch].filter(x => x !== undefined).join('.');
}

/**
 * The server version of `image`: from its tag, else from `version`; refuses what it cannot
 * read, a flavour/image mismatch, a `version` that contradicts the tag, and versions
 * outside the supported range.
 */
export function resolveServerVersion(flavor: Flavor, image: string, version: string | undefined): ServerVersion {
  const ref = parseImage(image);
  const imageFlavor = flavorOfImage(ref);
  if (imageFlavor !== undefined && imageFlavor !== flavor) {
    throw propError(C, 'image', image, `is a ${imageFlavor} image but \`flavor\` is MySqlFlavor.${flavor === 'MySQL' ? 'MYSQL' : 'MARIADB'}: `
      + `set flavor: MySqlFlavor.${imageFlavor === 'MySQL' ? 'MYSQL' : 'MARIADB'} or use a ${flavor} image`);
  }
  let explicit: ServerVersion | undefined;
  if (version !== undefined) {
    explicit = typeof version === 'string' ? parseVersion(version) : undefined;
    if (explicit === undefined || /[-_+]/.test(String(version))) {
      throw propError(C, 'version', version, 'must be a server version such as "8.4", "8.0.36", "10.11" or "11.4"');
    }
  }
  const fromTag = ref.tag !== undefined && ref.digest === undefined ? parseVersion(ref.tag) : undefined;
  if (fromTag && explicit) {
    const parts = ['major', 'minor', 'patch'] as const;
    if (parts.some(p => fromTag[p] !== undefined && explicit![p] !== undefined && fromTag[p] !== explicit![p])) {
      throw propError(C, 'version', version, `contradicts the tag of image "${image}" (${formatVersion(fromTag)}); leave \`version\` out or make them agree`);
    }
  }
  const v = explicit ?? fromTag;
  if (v === undefined) {
    throw propError(C, 'image', image, `has no tag StatefulMySql can read a ${flavor} version from (a digest, "latest", a private tag): `
      + `set \`version\` to the server version it runs; supported: ${SUPPORTED_RANGE[flavor]}`);
  }
  if (!isSupported(flavor, v)) {
    throw propError(C, explicit ? 'version' : 'image', explicit ? version : image,
      `runs ${flavor} ${formatVersion(v)}, which StatefulMySql does not support; supported: ${SUPPORTED_RANGE[flavor]}`);
  }
  return v;
}
