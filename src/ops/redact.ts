/** Keys whose values are replaced by `[redacted]` in an exported config. */
export const SECRET_KEY = /token|secret|password|url$/i;

/** The placeholder written in place of a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Returns a deep copy of `value` with the value of every key matching SECRET_KEY replaced by
 * REDACTED (at any depth, inside arrays too), and the dotted paths that were redacted.
 */
export function redactSecrets(value: unknown): { value: unknown; redacted: string[] } {
  const redacted: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = path === '' ? k : `${path}.${k}`;
      if (SECRET_KEY.test(k) && x !== null && x !== undefined) {
        out[k] = REDACTED;
        redacted.push(p);
      } else {
        out[k] = walk(x, p);
      }
    }
    return out;
  };
  return { value: walk(value, ''), redacted };
}
