/**
 * Construct-time validation helpers. Every error names the prop, the bad value and what
 * is allowed, in the user's terms.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Formats a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The error thrown for invalid props. */
export function propError(construct: string, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${construct}: invalid \`${prop}\` ${show(value)}: ${allowed}`);
}

export function assertDnsLabel(construct: string, prop: string, value: unknown, maxLength = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !DNS_LABEL.test(value)) {
    throw propError(construct, prop, value,
      `must be a DNS label of at most ${maxLength} characters: lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
  return value;
}

export function assertDnsSubdomain(construct: string, prop: string, value: unknown, maxLength = 253): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !DNS_SUBDOMAIN.test(value)) {
    throw propError(construct, prop, value,
      `must be a DNS subdomain of at most ${maxLength} characters: dot-separated DNS labels (lowercase letters, digits, '-')`);
  }
  return value;
}

export function assertPortName(construct: string, prop: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    throw propError(construct, prop, value,
      'must be an IANA service name: at most 15 lowercase letters, digits and single \'-\', with at least one letter');
  }
  return value;
}

export function assertEnvName(construct: string, prop: string, value: unknown): string {
  if (typeof value !== 'string' || !C_IDENTIFIER.test(value)) {
    throw propError(construct, prop, value, 'must be an environment variable name: letters, digits and \'_\', not starting with a digit');
  }
  return value;
}

export function assertInteger(construct: string, prop: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw propError(construct, prop, value, `must be ${range}`);
  }
  return value;
}

export function assertPort(construct: string, prop: string, value: unknown): number {
  return assertInteger(construct, prop, value, 1, 65535);
}

export function assertAbsolutePath(construct: string, prop: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0') || /[\n\r]/.test(value) || value.split('/').includes('..')) {
    throw propError(construct, prop, value, 'must be an absolute path (starting with \'/\', without \'..\' or line breaks)');
  }
  return value;
}

export function assertNonEmptyString(construct: string, prop: string, value: unknown, maxLength = 4096): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > maxLength) {
    throw propError(construct, prop, value, `must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function assertOneOf<T>(construct: string, prop: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw propError(construct, prop, value, `must be one of ${allowed.map(show).join(', ')}`);
  }
  return value as T;
}

/** Label keys and values as the API server accepts them. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function assertLabels(construct: string, prop: string, labels: unknown): Record<string, string> {
  if (labels === undefined) return {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw propError(construct, prop, labels, 'must be a map of label keys to values');
  }
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const keyOk = name.length > 0 && name.length <= 63 && LABEL_NAME.test(name)
      && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    if (!keyOk) {
      throw propError(construct, `${prop} key`, key, 'must be a label key: an optional DNS-subdomain prefix and \'/\', then at most 63 letters, digits, \'-\', \'_\' or \'.\'');
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw propError(construct, `${prop}[${key}]`, value, 'must be a label value: at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit');
    }
  }
  return { ...(labels as Record<string, string>) };
}

/** Throws when `values` has duplicates, naming the first. */
export function assertUnique(construct: string, prop: string, values: readonly string[]): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) {
      throw propError(construct, prop, v, 'must be unique; it is used more than once');
    }
    seen.add(v);
  }
}

export function assertBoolean(construct: string, prop: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw propError(construct, prop, value, 'must be true or false');
  return value as boolean | undefined;
}

export function assertStringArray(construct: string, prop: string, value: unknown): string[] | undefined {
  if (value !== undefined && (!Array.isArray(value) || value.some(x => typeof x !== 'string'))) {
    throw propError(construct, prop, value, 'must be a list of strings');
  }
  return value as string[] | undefined;
}

/** A Service name: an RFC 1035 label (starts with a letter), at most 63 characters. */
export function assertServiceName(construct: string, prop: string, value: unknown, why = ''): string {
  assertDnsLabel(construct, prop, value, 63);
  if (!/^[a-z]/.test(value as string)) {
    throw propError(construct, prop, value, `must start with a letter: a Service name is an RFC 1035 label${why}`);
  }
  return value as string;
}
