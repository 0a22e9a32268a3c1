/**
 * Self time by function of a V8 `.cpuprofile` (from `node --cpu-prof`).
 *
 *   node bench/out/bench/profile-summary.js file.cpuprofile [top=15]
 */
import * as fs from 'fs';
import * as path from 'path';

export interface Frame {
  /** `function (package/file:line)`. */
  readonly frame: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Reads a profile; with a window (µs, monotonic clock, as `process.hrtime`), keeps only the
 * samples taken inside it (e.g. construct + synth, without start-up and module loading).
 */
function readProfile(file: string, windowUs?: [number, number]): Profile {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  if (!windowUs) return prof;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = prof.startTime;
  prof.samples.forEach((id, i) => {
    t += prof.timeDeltas[i] ?? 0;
    if (t >= windowUs[0] && t <= windowUs[1]) {
      samples.push(id);
      timeDeltas.push(prof.timeDeltas[i] ?? 0);
    }
  });
  // V8 stamps samples with the same monotonic clock as process.hrtime on Linux; if not, keep all.
  return samples.length > 0 ? { ...prof, samples, timeDeltas } : prof;
}

/** The frames with the most self time (ticks attributed to the function itself). */
export function topSelfFrames(file: string, top: number, windowUs?: [number, number]): { frames: Frame[]; totalMs: number } {
  const prof = readProfile(file, windowUs);
  const byId = new Map<number, ProfileNode>(prof.nodes.map(n => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const key = describe(node);
    if (key === '(idle)' || key === '(program)') return;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    totalUs += dt;
  });
  const frames = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, selfPct: (100 * us) / totalUs }));
  return { frames, totalMs: totalUs / 1000 };
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  return `${name} (${shortUrl(url)}:${lineNumber + 1})`;
}

/** `node_modules/<pkg>/…/file.js` → `<pkg>/file.js`; our own files relative to the repo. */
function shortUrl(url: string): string {
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
    return `${pkg}/${rest[rest.length - 1]}`;
  }
  if (p.startsWith('node:')) return p;
  const i = p.indexOf(`${path.sep}bench${path.sep}out${path.sep}`);
  return i >= 0 ? p.slice(i + '/bench/out/'.length) : path.basename(p);
}

if (require.main === module) {
  const { frames, totalMs } = topSelfFrames(process.argv[2], Number(process.argv[3] ?? 15));
  console.log(`total sampled ${totalMs.toFixed(0)} ms`);
  for (const f of frames) console.log(`${f.selfMs.toFixed(0).padStart(7)} ms ${f.selfPct.toFixed(1).padStart(5)}%  ${f.frame}`);
}

/** Inclusive time of the functions whose `function (file` description starts with each prefix. */
export function topInclusive(file: string, prefixes: string[], windowUs?: [number, number]): Array<{ frame: string; ms: number; pct: number }> {
  const prof = readProfile(file, windowUs);
  const byId = new Map<number, ProfileNode>(prof.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const us = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const leaf = describe(byId.get(id)!);
    if (leaf === '(idle)' || leaf === '(program)') return;
    total += dt;
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const d = describe(byId.get(p)!);
      for (const prefix of prefixes) {
        if (d.startsWith(prefix) && !seen.has(prefix)) {
          seen.add(prefix);
          us.set(prefix, (us.get(prefix) ?? 0) + dt);
        }
      }
    }
  });
  return prefixes.map(p => ({ frame: `${p})`, ms: (us.get(p) ?? 0) / 1000, pct: (100 * (us.get(p) ?? 0)) / total }));
}
