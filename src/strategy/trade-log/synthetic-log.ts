import { seededRandom } from '../../util/seeded-random.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { DAY_MS } from '../evaluate/window-aggregate.js';

/** Options of `writeSyntheticLog`. */
export interface SyntheticLogOptions {
  /** Number of lines to write. */
  readonly lines: number;
  readonly strategies?: number;
  /** Span of the log in days, ending at `end`. */
  readonly days?: number;
  readonly end?: number;
  readonly seed?: number;
  /** Give some strategies losing spells, marked with `degraded: true` on their trades. */
  readonly degradations?: boolean;
}

/**
 * Writes a seeded synthetic trade log in seed 000's schema (for benchmarks, tests and demos):
 * binary prediction-market trades, time-ordered, 5% unresolved. With `degradations`, every
 * third strategy loses for a spell of 20-40 days and those trades carry `degraded: true`.
 */
export function writeSyntheticLog(path: string, o: SyntheticLogOptions): void {
  const rnd = seededRandom(o.seed ?? 42);
  const k = o.strategies ?? 10;
  const days = o.days ?? 30;
  const end = o.end ?? Date.parse('2026-05-05T00:00:00Z');
  const start = end - days * DAY_MS;
  const names = Array.from({ length: k }, (_, i) => `S${String(i).padStart(2, '0')}`);
  const spells = names.map((_, i) => {
    if (!o.degradations || i % 3 !== 0) return null;
    const len = 20 + Math.floor(rnd() * 20);
    const from = Math.floor(rnd() * Math.max(1, days - len));
    return [from, from + len] as const;
  });
  const fd = openSync(path, 'w');
  let buf = '';
  try {
    for (let i = 0; i < o.lines; i++) {
      const ts = start + Math.floor((i / o.lines) * days * DAY_MS);
      const s = i % k;
      const day = Math.floor((ts - start) / DAY_MS);
      const spell = spells[s];
      const bad = spell !== null && spell !== undefined && day >= spell[0] && day < spell[1];
      const entry = 20 + Math.floor(rnd() * 60);
      const pWin = entry / 100 + (bad ? -0.12 : 0.03);
      const win = rnd() < pWin;
      const resolved = rnd() < 0.95 ? (win ? '"YES"' : '"NO"') : 'null';
      const size = 1 + Math.floor(rnd() * 20);
      buf += `{"ts":"${new Date(ts).toISOString()}","sport":"${names[s]}","resolved":${resolved},"pnl_c":${win ? 100 - entry : -entry},"size":${size},"entry_price_c":${entry}${bad ? ',"degraded":true' : ''}}\n`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}
