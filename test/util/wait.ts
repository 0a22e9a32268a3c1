/** Bounded waiting for the real-server suites (never a timing assertion: a bound, then a clear error). */

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it returns a truthy value (returned) or `timeoutMs`
 * passes; then throws "timed out waiting for <what>", plus `explain()` when given (the
 * state worth seeing in a failed CI run).
 */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs: number,
  options: { everyMs?: number; explain?: () => string } = {}): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${options.explain ? `\n${options.explain()}` : ''}`);
    }
    await sleep(options.everyMs ?? 500);
  }
}
