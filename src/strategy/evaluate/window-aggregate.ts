import type { GroupFigures } from '../types.js';

/** Milliseconds in a UTC day. */
export const DAY_MS = 86_400_000;
/** Milliseconds in an hour. */
export const HOUR_MS = 3_600_000;

/**
 * Bucket size for a window: an hour up to 45 days (a rerun then re-adds at most an hour of raw
 * trades), a day beyond (so buckets stay at groups × days for long windows).
 */
export function bucketSizeFor(windowDays: number): number {
  return windowDays > 45 ? DAY_MS : HOUR_MS;
}

/** Sums of one group in one bucket (hour). */
export interface WindowBucket {
  pnl: number;
  cost: number;
  n: number;
}

/** A placeholder that no sum is ever added to (addRecords looks a bucket up first). */
const NO_BUCKET: WindowBucket = { pnl: 0, cost: 0, n: 0 };

/**
 * Per-group, per-bucket (hour or day) sums of the resolved trades with `ts >= cutoff`. Each bucket is
 * summed in file order, and a group's total is the sum of its buckets in time order; the
 * incremental path builds the very same buckets, so a rerun gives the same figures to the bit.
 */
export class WindowAggregate {
  readonly cutoff: number;
  readonly bucketMs: number;
  readonly #groups = new Map<string, Map<number, WindowBucket>>();
  #lastGroup = '';
  #lastDays: Map<number, WindowBucket> | undefined;
  #lastDay = NaN;
  #lastBucket: WindowBucket | undefined;
  /** Trades older than the cutoff, not counted. */
  beforeWindow = 0;

  constructor(cutoff: number, bucketMs = HOUR_MS) {
    this.cutoff = cutoff;
    this.bucketMs = bucketMs;
  }

  /** Adds one resolved trade; returns false when it lies before the window. */
  add(group: string, ts: number, pnl: number, cost: number): boolean {
    if (!(ts >= this.cutoff)) {
      this.beforeWindow++;
      return false;
    }
    const day = Math.floor(ts / this.bucketMs);
    let bucket: WindowBucket | undefined;
    if (group === this.#lastGroup && this.#lastDays !== undefined && day === this.#lastDay) {
      bucket = this.#lastBucket as WindowBucket;
    } else {
      let days = group === this.#lastGroup ? this.#lastDays : this.#groups.get(group);
      if (days === undefined) {
        days = new Map();
        this.#groups.set(group, days);
      }
      bucket = days.get(day);
      if (bucket === undefined) {
        bucket = { pnl: 0, cost: 0, n: 0 };
        days.set(day, bucket);
      }
      this.#lastGroup = group;
      this.#lastDays = days;
      this.#lastDay = day;
      this.#lastBucket = bucket;
    }
    bucket.pnl += pnl;
    bucket.cost += cost;
    bucket.n++;
    return true;
  }

  /**
   * Adds the records `[group id, ts, pnl, cost]` number `from` to `to - 1` of `t` (group ids
   * index `names`), exactly as `add` would one by one. One lookup per run of a group and bucket
   * instead of one per trade.
   */
  addRecords(t: Float64Array, from: number, to: number, names: readonly string[]): void {
    const cutoff = this.cutoff;
    const bucketMs = this.bucketMs;
    // per group of `names`, by index: its buckets (found at its first record), its last bucket
    const n = names.length;
    const daysOf = new Array<Map<number, WindowBucket> | null>(n).fill(null);
    const lastDay = new Float64Array(n).fill(NaN);
    const last = new Array<WindowBucket>(n).fill(NO_BUCKET);
    for (let i = from; i < to; i++) {
      const j = i * 4;
      const id = t[j] as number;
      const ts = t[j + 1] as number;
      if (!(ts >= cutoff)) {
        this.beforeWindow++;
        continue;
      }
      const day = Math.floor(ts / bucketMs);
      let bucket = last[id] as WindowBucket;
      if (day !== lastDay[id]) {
        const days = daysOf[id] ?? (daysOf[id] = this.#daysOf(names[id] as string));
        const b = days.get(day);
        if (b === undefined) {
          bucket = { pnl: 0, cost: 0, n: 0 };
          days.set(day, bucket);
        } else bucket = b;
        last[id] = bucket;
        lastDay[id] = day;
      }
      bucket.pnl += t[j + 2] as number;
      bucket.cost += t[j + 3] as number;
      bucket.n++;
    }
    this.#lastGroup = '';
    this.#lastDays = undefined;
  }

  /** The buckets of a group (made for a group not seen yet). */
  #daysOf(g: string): Map<number, WindowBucket> {
    let days = this.#groups.get(g);
    if (days === undefined) {
      days = new Map();
      this.#groups.set(g, days);
    }
    return days;
  }

  /** Sets a bucket directly (restoring a cursor). */
  setBucket(group: string, day: number, b: WindowBucket): void {
    let days = this.#groups.get(group);
    if (days === undefined) {
      days = new Map();
      this.#groups.set(group, days);
    }
    days.set(day, { pnl: b.pnl, cost: b.cost, n: b.n });
    this.#lastGroup = '';
    this.#lastDays = undefined;
  }

  /** Groups with at least one trade in the window. */
  groups(): IterableIterator<string> {
    return this.#groups.keys();
  }

  /** The buckets of a group, for a cursor. */
  buckets(group: string): ReadonlyMap<number, WindowBucket> | undefined {
    return this.#groups.get(group);
  }

  /** Totals per group, summing buckets in ascending time order. */
  figures(): Map<string, GroupFigures> {
    const out = new Map<string, GroupFigures>();
    for (const [g, days] of this.#groups) {
      const keys = [...days.keys()].sort((x, y) => x - y);
      const f = { n: 0, pnl: 0, cost: 0 };
      for (const d of keys) {
        const b = days.get(d) as WindowBucket;
        f.n += b.n;
        f.pnl += b.pnl;
        f.cost += b.cost;
      }
      out.set(g, f);
    }
    return out;
  }
}
