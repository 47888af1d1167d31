import { appendFileSync, readFileSync } from 'node:fs';
import { parseIsoMs } from '../trade-log/iso-time.js';
import type { GroupFigures } from '../types.js';

/** A rejected signal, logged with what it would have traded. */
export interface ShadowRecord {
  /** The signal's id; the outcome is reported later against it. */
  readonly id: string;
  /** The group (strategy, sport, pair). */
  readonly key: string;
  /** When the signal was rejected (ISO-8601); it places the trade in the window. */
  readonly ts: string;
  /** Entry price in cents, as `entry_price_c` in the trade log. */
  readonly entryPriceC: number;
  readonly size: number;
}

/** Shadow figures per group over a window, and what could not be used. */
export interface ShadowFigures {
  readonly figures: Map<string, GroupFigures>;
  /** Records with no outcome yet. */
  readonly pending: number;
  /** Bad lines (line numbers of the first few). */
  readonly bad: number;
  readonly badLines: number[];
}

/**
 * The shadow-trade ledger: a JSON-lines file in the data dir (`shadow.jsonl`) with one
 * `record` line per rejected signal and one `resolve` line per outcome. Append-only lines
 * need no store and no lock (each line is one `write` with O_APPEND), a bot in any language
 * can append them, and the evaluator joins them by id at each run.
 */
export class ShadowLedger {
  readonly #path: string;

  constructor(path: string) {
    if (typeof path !== 'string' || path === '')
      throw new RangeError(`path must be a file path (got ${JSON.stringify(path)})`);
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** Logs a rejected signal. */
  record(r: ShadowRecord): void {
    if (typeof r.id !== 'string' || r.id === '')
      throw new RangeError(`id must be a non-empty string (got ${JSON.stringify(r.id)})`);
    if (typeof r.key !== 'string' || r.key === '')
      throw new RangeError(`key must be a non-empty string (got ${JSON.stringify(r.key)})`);
    // Positive, as in the trade log: a sign in either would flip the shadow ROI.
    if (!Number.isFinite(r.entryPriceC) || r.entryPriceC <= 0)
      throw new RangeError(`entryPriceC must be a number > 0 (got ${r.entryPriceC})`);
    if (!Number.isFinite(r.size) || r.size <= 0)
      throw new RangeError(`size must be a number > 0 (got ${r.size})`);
    if (Number.isNaN(parseIsoMs(r.ts)))
      throw new RangeError(`ts must be an ISO-8601 time (got ${JSON.stringify(r.ts)})`);
    this.#append({
      op: 'record',
      id: r.id,
      key: r.key,
      ts: r.ts,
      entry_price_c: r.entryPriceC,
      size: r.size,
    });
  }

  /** Reports the outcome of a rejected signal: its P&L in cents per unit, as `pnl_c`. */
  resolve(id: string, pnlC: number, at = new Date().toISOString()): void {
    if (!Number.isFinite(pnlC)) throw new RangeError(`pnlC must be a finite number (got ${pnlC})`);
    this.#append({ op: 'resolve', id, pnl_c: pnlC, at });
  }

  #append(line: object): void {
    appendFileSync(this.#path, `${JSON.stringify(line)}\n`);
  }
}

/** Joins a ledger's records with their outcomes and sums them per group for trades at or after `cutoff`. */
export function readShadowFigures(path: string, cutoff: number): ShadowFigures {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const records = new Map<string, { key: string; ts: number; entry: number; size: number }>();
  const outcomes = new Map<string, number>();
  let bad = 0;
  const badLines: number[] = [];
  const lines = text.split('\n');
  // A last line without its newline may be a bot's append in progress: it counts next run.
  if (!text.endsWith('\n')) lines.pop();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      o = {};
    }
    const id = o['id'];
    if (
      o['op'] === 'record' &&
      typeof id === 'string' &&
      typeof o['key'] === 'string' &&
      typeof o['ts'] === 'string'
    ) {
      const ts = parseIsoMs(o['ts']);
      const entry = o['entry_price_c'];
      const size = o['size'];
      if (
        !Number.isNaN(ts) &&
        typeof entry === 'number' &&
        typeof size === 'number' &&
        entry > 0 &&
        size > 0
      ) {
        records.set(id, { key: o['key'], ts, entry, size });
        return;
      }
    } else if (o['op'] === 'resolve' && typeof id === 'string' && typeof o['pnl_c'] === 'number') {
      outcomes.set(id, o['pnl_c']);
      return;
    }
    bad++;
    if (badLines.length < 5) badLines.push(i + 1);
  });
  const figures = new Map<string, GroupFigures>();
  let pending = 0;
  for (const [id, r] of records) {
    const pnl = outcomes.get(id);
    if (pnl === undefined) {
      pending++;
      continue;
    }
    if (!(r.ts >= cutoff)) continue;
    let f = figures.get(r.key);
    if (f === undefined) {
      f = { n: 0, pnl: 0, cost: 0 };
      figures.set(r.key, f);
    }
    f.n++;
    f.pnl += pnl * r.size;
    f.cost += r.entry * r.size;
  }
  return { figures, pending, bad, badLines };
}
