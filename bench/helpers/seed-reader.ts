// Seed 000's runtime kill-switch reader, the anchor the halt check and the gate are measured
// against: one stat of circuit.json per call, re-read and parsed when its mtime changes.
import { readFileSync, statSync } from 'node:fs';

/** A seed-000-style reader of `circuitPath`: true while trading is allowed. */
export function seedStatReader(circuitPath: string): () => boolean {
  let cache: { paused?: boolean } | null = null;
  let mtime = 0;
  return () => {
    const m = statSync(circuitPath).mtimeMs;
    if (cache === null || m !== mtime) {
      cache = JSON.parse(readFileSync(circuitPath, 'utf8')) as { paused?: boolean };
      mtime = m;
    }
    return !cache.paused;
  };
}

let sink = 0;

/** Nanoseconds per call of `fn` over `n` calls (its answers are kept so the loop is not optimised away). */
export function nsPerOp(fn: () => boolean, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (fn()) sink++;
  return Number(process.hrtime.bigint() - t0) / n;
}

/** What the measured calls answered, summed (print it once so no engine drops the work). */
export const benchSink = (): number => sink;
