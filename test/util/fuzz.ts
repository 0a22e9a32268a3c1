/**
 * A property-based harness for constructs: fast-check generates props (hostile values
 * included), each case is built in a fresh chart, and is either
 *
 * - **rejected**: the build threw a prop error (see `classifyError`), or
 * - **accepted**: the build returned, synthesis succeeded, and every document passes the
 *   Kubernetes 1.27 validator (`validateManifests`), the cross-reference checks
 *   (`crossReference`), Pod Security Standards "restricted" (`test/util/pss.ts`, unless
 *   the case opted out, then "baseline"), the data-safety rules (no Delete/Recycle unless
 *   asked, a PDB for every StatefulSet with replicas > 1 unless opted out, no secret
 *   value outside a Secret) and the target's own checks.
 *
 * Anything else — another exception type, an error that names no prop, a synthesis error,
 * an invalid document — fails the property, and fast-check shrinks it to a small case.
 *
 * Runs: `FUZZ_RUNS` (default 1000) cases per target; `FUZZ_SEED` replays a seed (default fixed; `random` explores).
 */
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { crossReference, Doc, validateManifests } from './k8s';
import { assertPss } from './pss';

/**
 * The seed: fixed by default so that `npm test` is deterministic; `FUZZ_SEED=<n>` replays a
 * seed, `FUZZ_SEED=random` explores new cases.
 */
export const FUZZ_SEED: number | undefined = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261122);

/** Cases per target: `FUZZ_RUNS`, default 1000. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/**
 * A rejection is accepted when ALL of these hold:
 *
 * 1. the thrown value's class is exactly `Error` (not a TypeError, RangeError, a subclass
 *    or a non-Error value);
 * 2. its message has the form of `propError()` in `src/private/validate.ts`:
 *    `` <Source>: invalid `<prop>` <value>: <what is allowed> ``;
 * 3. `<Source>` is one of the target's `errorSources` (the construct, or a value object
 *    whose factory the target's props go through, e.g. `Credentials.fromPassword`);
 * 4. the root of `<prop>` — the text before the first `[`, `.`, space or `]` — is one of
 *    the target's `propNames` (its props and the methods the case calls);
 * 5. `<what is allowed>` is not empty.
 */
export const PROP_ERROR = /^([A-Za-z][A-Za-z0-9.]*): invalid `([^`]+)` ([\s\S]*): ([\s\S]*\S[\s\S]*)$/;

export interface Rejection {
  readonly source: string;
  readonly prop: string;
  readonly root: string;
}

/** Classifies a thrown value; returns the rejection or a description of why it is not one. */
export function classifyError(e: unknown, errorSources: readonly string[], propNames: readonly string[]): Rejection | string {
  if (!(e instanceof Error) || e.constructor !== Error) {
    return `threw ${e instanceof Error ? e.constructor.name : typeof e} instead of a plain Error: ${e instanceof Error ? e.stack : String(e)}`;
  }
  const m = PROP_ERROR.exec(e.message);
  if (!m) return `error does not name a prop (expected "<Construct>: invalid \`<prop>\` <value>: <allowed>"): ${e.stack}`;
  const [, source, prop] = m;
  const root = prop.split(/[[.\s\]]/)[0];
  if (!errorSources.includes(source)) return `error comes from ${source}, not one of ${errorSources.join(', ')}: ${e.message}`;
  if (!propNames.includes(root)) return `error names \`${prop}\`, whose root ${root} is not a prop: ${e.message}`;
  return { source, prop, root };
}

/** What the harness needs to fuzz one construct. */
export interface FuzzTarget<P> {
  /** The construct's name (the report's label). */
  readonly name: string;
  /** The prefixes its errors may start with (its own name first). */
  readonly errorSources: readonly string[];
  /** The roots an error may name: its props and the methods the case calls. */
  readonly propNames: readonly string[];
  /** The generator of cases. */
  readonly arbitrary: fc.Arbitrary<P>;
  /**
   * Construct-time errors that are known not to name the user's prop (bugs reported to
   * the construct's owner): matched against the classification failure, counted in
   * `known` instead of failing. `FUZZ_STRICT=1` turns them into failures. Never applies
   * to accepted cases.
   */
  readonly knownIssues?: ReadonlyArray<{ readonly pattern: RegExp; readonly issue: string }>;
  /** Builds the case in the chart (construct + method calls). */
  build(chart: Chart, props: P): void;
  /** Whether the case explicitly opted out of PSS "restricted" (then "baseline" must still hold). */
  restrictedOptOut?(props: P): boolean;
  /** Whether the case explicitly asked for claims/volumes to be deleted (`Delete`). */
  deletionOptIn?(props: P): boolean;
  /** Whether the case explicitly turned the PodDisruptionBudget off. */
  pdbOptOut?(props: P): boolean;
  /** Secret values of the case that must appear in no document but a Secret. */
  secrets?(props: P): string[];
  /** The target's own invariants on an accepted case. */
  check?(docs: Doc[], props: P): void;
}

export interface FuzzStats {
  readonly target: string;
  readonly cases: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly failures: number;
  /** Rejections by the prop root they named. */
  readonly rejectedBy: Record<string, number>;
  /** Construct-time errors matching a known issue (see `FuzzTarget.knownIssues`), by issue. */
  readonly known: Record<string, number>;
  readonly millis: number;
}

/** The checks every accepted case must pass. Throws on the first problem. */
export function checkAccepted<P>(target: FuzzTarget<P>, props: P, docs: Doc[]): void {
  validateManifests(docs);
  crossReference(docs);
  const api = apiServerViolations(docs);
  if (api.length > 0) throw new Error(`the API server would reject:\n${api.join('\n')}`);
  if (target.restrictedOptOut?.(props)) assertPss(docs, 'baseline');
  else assertPss(docs, 'restricted');
  assertDataSafety(docs, {
    deletionOptIn: target.deletionOptIn?.(props) ?? false,
    pdbOptOut: target.pdbOptOut?.(props) ?? false,
    secrets: target.secrets?.(props) ?? [],
  });
  target.check?.(docs, props);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `1.5Gi`, `2`) as a number; NaN when it is not one. */
export function parseQuantity(q: unknown): number {
  const m = typeof q === 'string' ? /^([+]?\d+(?:\.\d+)?|[+]?\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q) : null;
  return m ? Number(m[1]) * QUANTITY_SUFFIX[m[2] ?? ''] : typeof q === 'number' && Number.isFinite(q) && q >= 0 ? q : NaN;
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function qualifiedKeyOk(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name)
    && (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
}

/**
 * Rules of the API server's validation (apimachinery/pkg/util/validation and
 * pkg/apis/core/validation) that the schema check cannot see: object names, label keys
 * and values, annotation keys, unique container / volume / port names, unique mount paths.
 */
export function apiServerViolations(docs: Doc[]): string[] {
  const v: string[] = [];
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    const name: string = d.metadata?.name ?? '';
    if (d.kind === 'Service' && (!DNS1035.test(name) || name.length > 63)) v.push(`${where}: a Service name must be an RFC 1035 label (start with a letter)`);
    else if (d.kind === 'StatefulSet' && (!DNS1123_SUBDOMAIN.test(name) || name.length > 52)) v.push(`${where}: name must be a DNS subdomain of at most 52 characters`);
    else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) v.push(`${where}: name must be a DNS subdomain`);
    if (d.metadata?.namespace !== undefined && (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(d.metadata.namespace) || d.metadata.namespace.length > 63)) {
      v.push(`${where}: bad namespace`);
    }
    const metas = [d.metadata, d.spec?.template?.metadata, ...(d.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata)];
    for (const m of metas) {
      for (const [k, x] of Object.entries(m?.labels ?? {})) {
        if (!qualifiedKeyOk(k)) v.push(`${where}: bad label key ${JSON.stringify(k)}`);
        if (typeof x !== 'string' || x.length > 63 || !LABEL_VALUE.test(x)) v.push(`${where}: bad label value ${JSON.stringify(x)}`);
      }
      for (const k of Object.keys(m?.annotations ?? {})) if (!qualifiedKeyOk(k)) v.push(`${where}: bad annotation key ${JSON.stringify(k)}`);
    }
    const pod = d.spec?.template?.spec;
    if (pod) {
      const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])];
      const names = containers.map((c: any) => c.name);
      if (new Set(names).size !== names.length) v.push(`${where}: duplicate container names ${JSON.stringify(names)}`);
      for (const n of names) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63) v.push(`${where}: bad container name ${JSON.stringify(n)}`);
      const vols = (pod.volumes ?? []).map((x: any) => x.name);
      if (new Set(vols).size !== vols.length) v.push(`${where}: duplicate volume names ${JSON.stringify(vols)}`);
      for (const c of containers) {
        const paths = [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])].map((m: any) => m.mountPath ?? m.devicePath);
        if (new Set(paths).size !== paths.length) v.push(`${where}: container ${c.name} mounts twice at one path ${JSON.stringify(paths)}`);
        for (const r of ['cpu', 'memory']) {
          const req = c.resources?.requests?.[r];
          const lim = c.resources?.limits?.[r];
          for (const q of [req, lim]) if (q !== undefined && Number.isNaN(parseQuantity(q))) v.push(`${where}: container ${c.name} ${r} ${q} is not a quantity`);
          if (req !== undefined && lim !== undefined && parseQuantity(req) > parseQuantity(lim)) v.push(`${where}: container ${c.name} ${r} request ${req} exceeds the limit ${lim}`);
        }
        const ports = (c.ports ?? []).map((p: any) => p.name).filter(Boolean);
        if (new Set(ports).size !== ports.length) v.push(`${where}: container ${c.name} has duplicate port names`);
      }
    }
  }
  return v;
}

export interface DataSafetyOptions {
  /** Delete retention / reclaim policies were asked for. */
  readonly deletionOptIn?: boolean;
  /** The PodDisruptionBudget was turned off. */
  readonly pdbOptOut?: boolean;
  /** Values that may appear only in Secrets. */
  readonly secrets?: string[];
}

/**
 * Data safety of a set of documents: claims retained and static PVs Retain unless
 * deletion was asked for; never Recycle; a PDB selecting the pods of every StatefulSet
 * with replicas > 1 unless opted out; no secret value in a ConfigMap, a command, args, a
 * plain env value, a label or an annotation (anywhere but a Secret).
 */
export function dataSafetyViolations(docs: Doc[], options: DataSafetyOptions = {}): string[] {
  const v: string[] = [];
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (d.kind === 'StatefulSet') {
      const r = d.spec.persistentVolumeClaimRetentionPolicy;
      if (!r) {v.push(`${where}: no persistentVolumeClaimRetentionPolicy (the API default is Retain, but it must be explicit)`);} else if (!options.deletionOptIn && (r.whenDeleted !== 'Retain' || r.whenScaled !== 'Retain')) {
        v.push(`${where}: claim retention ${JSON.stringify(r)} without an explicit opt-in`);
      }
      if ((d.spec.replicas ?? 1) > 1 && !options.pdbOptOut) {
        const labels = d.spec.template.metadata?.labels ?? {};
        const pdb = docs.find(p => p.kind === 'PodDisruptionBudget'
          && Object.keys(p.spec.selector?.matchLabels ?? {}).length > 0
          && Object.entries(p.spec.selector.matchLabels).every(([k, x]) => labels[k] === x));
        if (!pdb) v.push(`${where}: ${d.spec.replicas} replicas and no PodDisruptionBudget selects its pods`);
      }
    }
    if (d.kind === 'PersistentVolume') {
      const policy = d.spec.persistentVolumeReclaimPolicy;
      if (policy === 'Recycle') v.push(`${where}: reclaim policy Recycle`);
      else if (policy !== 'Retain' && !options.deletionOptIn) v.push(`${where}: reclaim policy ${policy} without an explicit opt-in`);
    }
  }
  for (const secret of options.secrets ?? []) {
    for (const leak of secretLeaks(docs, secret)) v.push(leak);
  }
  return v;
}

export function assertDataSafety(docs: Doc[], options: DataSafetyOptions = {}): void {
  const v = dataSafetyViolations(docs, options);
  if (v.length > 0) throw new Error(`data-safety violations:\n${v.join('\n')}`);
}

/** Where a secret value appears outside Secrets: ConfigMaps, commands, args, env values, labels, annotations. */
export function secretLeaks(docs: Doc[], secret: string): string[] {
  const out: string[] = [];
  const has = (x: unknown) => typeof x === 'string' && x.includes(secret);
  const meta = (where: string, m: any) => {
    for (const [k, x] of Object.entries({ ...m?.labels, ...m?.annotations })) if (has(x) || has(k)) out.push(`${where}: secret in label/annotation ${k}`);
  };
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (d.kind === 'Secret') continue;
    meta(where, d.metadata);
    if (d.kind === 'ConfigMap') {
      for (const [k, x] of Object.entries({ ...d.data, ...d.binaryData })) if (has(x)) out.push(`${where}: secret in ConfigMap key ${k}`);
    }
    const tpl = d.spec?.template;
    if (tpl) {
      meta(`${where} pod template`, tpl.metadata);
      for (const c of [...(tpl.spec?.containers ?? []), ...(tpl.spec?.initContainers ?? [])]) {
        if ((c.command ?? []).some(has)) out.push(`${where}: secret in the command of ${c.name}`);
        if ((c.args ?? []).some(has)) out.push(`${where}: secret in the args of ${c.name}`);
        for (const e of c.env ?? []) if (has(e.value)) out.push(`${where}: secret in the plain env ${e.name} of ${c.name}`);
        for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
          if ((p?.exec?.command ?? []).some(has)) out.push(`${where}: secret in a probe command of ${c.name}`);
        }
      }
    }
  }
  return out;
}

/**
 * Runs a target for `runs` cases. Returns the statistics; throws (with fast-check's
 * shrunk counterexample and seed) when a case fails.
 */
export function fuzz<P>(target: FuzzTarget<P>, runs = FUZZ_RUNS): FuzzStats {
  let cases = 0;
  let accepted = 0;
  let rejected = 0;
  const rejectedBy: Record<string, number> = {};
  const known: Record<string, number> = {};
  const started = Date.now();
  const property = fc.property(target.arbitrary, (props) => {
    cases++;
    const chart = Testing.chart();
    try {
      target.build(chart, props);
    } catch (e) {
      const r = classifyError(e, target.errorSources, target.propNames);
      if (typeof r === 'string') {
        const k = process.env.FUZZ_STRICT ? undefined : target.knownIssues?.find(x => x.pattern.test(r));
        if (!k) throw new Error(`${target.name}: unclear construct-time failure: ${r}`);
        known[k.issue] = (known[k.issue] ?? 0) + 1;
        rejected++;
        return;
      }
      rejected++;
      rejectedBy[r.root] = (rejectedBy[r.root] ?? 0) + 1;
      return;
    }
    let docs: Doc[];
    try {
      docs = Testing.synth(chart) as Doc[];
    } catch (e: any) {
      throw new Error(`${target.name}: accepted props, but synthesis failed: ${e?.stack ?? e}`);
    }
    checkAccepted(target, props, docs);
    accepted++;
  });
  const details = fc.check(property, { numRuns: runs, seed: FUZZ_SEED, endOnFailure: false });
  const failures = details.failed ? 1 : 0;
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? `${target.name}: property failed`}\n\nCause: ${cause}`);
  }
  return { target: target.name, cases, accepted, rejected, failures, rejectedBy, known, millis: Date.now() - started };
}

/**
 * The other half of the contract: props that are each valid and agree with each other
 * (`validRecord(spec).map(coherent)`) must all be accepted and pass every check: a
 * validation that is too strict fails here. Returns the number of cases.
 */
export function fuzzValid<P>(target: FuzzTarget<P>, arbitrary: fc.Arbitrary<P>, runs = Math.max(100, Math.floor(FUZZ_RUNS / 4))): number {
  let cases = 0;
  const details = fc.check(fc.property(arbitrary, (props) => {
    cases++;
    const chart = Testing.chart();
    try {
      target.build(chart, props);
    } catch (e: any) {
      throw new Error(`${target.name}: valid, coherent props were rejected: ${e?.message ?? e}`);
    }
    checkAccepted(target, props, Testing.synth(chart) as Doc[]);
  }), { numRuns: runs, seed: FUZZ_SEED });
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? `${target.name}: property failed`}\n\nCause: ${cause}`);
  }
  return cases;
}

// ---- hostile value generators ---------------------------------------------------------------

/** Strings a user could plausibly (or maliciously) pass where a name is expected. */
export function hostileString(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    fc.constantFrom('', ' ', '-', 'a-', '-a', 'A', 'UPPER', 'a_b', 'a.b', 'a b', 'ü', 'naïve', '日本', '🙂', 'a\nb', 'a\u0000b', '..', '/', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(253), 'x'.repeat(254)),
    fc.string({ maxLength: 70 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.stringMatching(/^[a-z0-9]([-a-z0-9]{50,70})[a-z0-9]$/),
  );
}

/** DNS labels of 1..maxLength characters. */
export function dnsLabel(maxLength = 20): fc.Arbitrary<string> {
  return fc.stringMatching(new RegExp(`^[a-z]([-a-z0-9]{0,${Math.max(0, maxLength - 2)}}[a-z0-9])?$`));
}

/** Integers around the edges, fractions, huge values, NaN and infinities. */
export function hostileNumber(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max }) },
    fc.constantFrom(min - 1, min, max, max + 1, 0, -1, 0.5, 1.5, 2 ** 31, 2 ** 53, 1e300, NaN, Infinity, -Infinity, -0),
    fc.double({ noNaN: false }),
  );
}

/** One of the enum's values, or a junk string. */
export function enumOrJunk<T>(values: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...values) },
    fc.constantFrom('', 'junk', 'retain', 'RETAIN', 'Recycle') as fc.Arbitrary<unknown> as fc.Arbitrary<T>,
  );
}

/** Optional: undefined half the time. */
export function opt<T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq });
}

/** One prop's space: values a careful user passes, and hostile ones. */
export interface PropSpace<T> {
  readonly valid: fc.Arbitrary<T>;
  readonly hostile: fc.Arbitrary<T>;
  /** Whether the prop may be left out. Default true. */
  readonly optional?: boolean;
}

export type PropsSpec<P> = { [K in keyof P]-?: PropSpace<P[K]> };

function specRecord<P>(spec: PropsSpec<P>, pick: (s: PropSpace<any>) => fc.Arbitrary<any>): fc.Arbitrary<any> {
  const keys = Object.keys(spec);
  const required = keys.filter(k => (spec as any)[k].optional === false);
  return fc.record(Object.fromEntries(keys.map(k => [k, pick((spec as any)[k])])) as any, { requiredKeys: required as any }) as fc.Arbitrary<any>;
}

/** Props with only valid values (optional ones left out about half the time). */
export function validRecord<P>(spec: PropsSpec<P>): fc.Arbitrary<P> {
  return specRecord(spec, s => s.valid);
}

/** A prop space. */
export function space<T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>, optional = true): PropSpace<T> {
  return { valid, hostile, optional };
}

/** Strings that are not what a name, a path or an image should be. */
export function junkString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', ' ', '-', 'a-', '-a', 'A', 'UPPER', 'a_b', 'a.b', 'a b', 'ü', 'naïve', '日本', '🙂', 'a\nb', 'a\u0000b', '..', '/', '/a/../b',
      'x'.repeat(16), 'x'.repeat(53), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(253), 'x'.repeat(254), '0abc', '1', 'a--b'),
    fc.string({ maxLength: 70 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.stringMatching(/^[a-z0-9]([-a-z0-9]{50,70})[a-z0-9]$/),
  );
}

/** Numbers that are out of range, fractional, huge, NaN or infinite (and some in range). */
export function junkNumber(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(min - 1, max + 1, -1, 0.5, 1.5, min + 0.5, 2 ** 31, 2 ** 53, 1e300, NaN, Infinity, -Infinity, -0, Number.MIN_VALUE),
    fc.double({ noNaN: false }),
    fc.integer({ min: Math.max(min - 1000, -(2 ** 31)), max: min - 1 }),
    fc.integer({ min: max + 1, max: Math.min(max + 1_000_000, 2 ** 53) }),
  );
}

/** Junk for an enum-typed prop. */
export function junkEnum<T>(): fc.Arbitrary<T> {
  return fc.constantFrom('', 'junk', 'retain', 'RETAIN', 'Recycle', 'tcp', 'always') as fc.Arbitrary<unknown> as fc.Arbitrary<T>;
}

/**
 * The whole props space of a construct, as a mix of: all-valid props made coherent with
 * each other (`coherent`), such props with one or two hostile props, and props that are
 * hostile anywhere (which also makes valid values conflict). A valid prop is left out about half the time, so defaults are
 * exercised too.
 */
export function propsSpace<P>(spec: PropsSpec<P>, coherent: (props: P) => P = p => p): fc.Arbitrary<P> {
  const keys = Object.keys(spec) as Array<keyof P & string>;
  const record = (pick: (s: PropSpace<any>) => fc.Arbitrary<any>) => specRecord(spec, pick);
  const valid = validRecord(spec).map(coherent);
  const anything = record(s => fc.oneof({ weight: 3, arbitrary: s.valid }, s.hostile));
  const hostileKeys = fc.subarray(keys, { minLength: 1, maxLength: 2 });
  const hostileValues = fc.record(Object.fromEntries(keys.map(k => [k, (spec as any)[k].hostile])) as any) as fc.Arbitrary<any>;
  const oneOrTwoHostile = fc.tuple(valid, hostileKeys, hostileValues).map(([v, ks, h]) => {
    const out = { ...v };
    for (const k of ks) out[k] = h[k];
    return out as P;
  });
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 4, arbitrary: oneOrTwoHostile }, { weight: 1, arbitrary: anything });
}

/**
 * The standard fuzz suite of one construct: `FUZZ_RUNS` hostile cases (each rejected with a
 * prop error, or synthesizing valid, restricted, data-safe manifests; both outcomes must
 * occur), and coherent valid props that must all be accepted (no over-strict validation).
 */
export function fuzzSuite<P>(target: FuzzTarget<{ id: string; props: P }>, ids: string[], spec: PropsSpec<P>, coherent: (props: P) => P): void {
  test(`${target.name}: ${FUZZ_RUNS} generated props cases are each rejected with a prop error or synthesize valid, restricted, data-safe manifests`, () => {
    const stats = fuzz(target);
    if (process.env.FUZZ_REPORT) console.log(JSON.stringify(stats));
    expect(stats.failures).toBe(0);
    expect(stats.cases).toBe(FUZZ_RUNS);
    // The generator must exercise both outcomes, or it tests nothing.
    expect(stats.accepted).toBeGreaterThan(FUZZ_RUNS / 20);
    expect(stats.rejected).toBeGreaterThan(FUZZ_RUNS / 20);
  });

  test(`${target.name}: valid props that agree with each other are all accepted (no over-strict validation)`, () => {
    const arbitrary = fc.record({ id: fc.constantFrom(...ids), props: validRecord(spec).map(coherent) });
    expect(fuzzValid(target, arbitrary)).toBeGreaterThanOrEqual(100);
  });
}
