import {
  checkInt,
  checkRate,
  rateExceeded,
  type TripRule,
  type TripRuleJSON,
  type WindowSnapshot,
} from './trip-rule.js';

/** Options of a time-based window. */
export interface TimeWindowOptions {
  /** The window's length (ms). */
  readonly windowMs: number;
  /** How many buckets the window is cut into: memory and precision. Default 10. */
  readonly buckets?: number;
  /** Trip when failures / calls reaches this (0, 1]. Default 0.5. */
  readonly failureRate?: number;
  /** Trip when slow calls / calls reaches this (0, 1]. Default: never. */
  readonly slowCallRate?: number;
  /** No verdict before this many calls are in the window. Default 10. */
  readonly minimumCalls?: number;
}

/**
 * Failure rate and slow-call rate over the last `windowMs`: a ring of buckets with running
 * totals, O(1) per call (amortised over bucket turnover) whatever the window holds. A call is
 * forgotten once it is older than `windowMs` (up to one bucket early, never late).
 */
export class TimeWindowRule implements TripRule {
  readonly usesTime = true;
  readonly windowMs: number;
  readonly failureRate: number;
  readonly slowCallRate: number;
  readonly minimumCalls: number;
  readonly #bucketMs: number;
  readonly #n: number;
  readonly #calls: Uint32Array;
  readonly #failures: Uint32Array;
  readonly #slow: Uint32Array;
  /** Index (time / bucketMs) of the newest bucket. */
  #head = -Infinity;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlow = 0;

  constructor(options: TimeWindowOptions) {
    const buckets = options.buckets ?? 10;
    checkInt('TimeWindowRule buckets', buckets, 1);
    if (!(Number.isFinite(options.windowMs) && options.windowMs >= buckets))
      throw new RangeError(
        `TimeWindowRule windowMs must be a finite number >= buckets, got ${options.windowMs}`,
      );
    checkRate('TimeWindowRule failureRate', options.failureRate);
    checkRate('TimeWindowRule slowCallRate', options.slowCallRate);
    const minimumCalls = options.minimumCalls ?? 10;
    checkInt('TimeWindowRule minimumCalls', minimumCalls, 1);
    this.windowMs = options.windowMs;
    this.failureRate = options.failureRate ?? 0.5;
    this.slowCallRate = options.slowCallRate ?? Infinity;
    this.minimumCalls = minimumCalls;
    this.#n = buckets;
    this.#bucketMs = options.windowMs / buckets;
    this.#calls = new Uint32Array(buckets);
    this.#failures = new Uint32Array(buckets);
    this.#slow = new Uint32Array(buckets);
  }

  /** Moves the head to the bucket of `now`, emptying the buckets that fell out of the window. */
  #advance(now: number): number {
    const epoch = Math.floor(now / this.#bucketMs);
    if (epoch <= this.#head) return this.#index(this.#head); // same bucket, or the clock stepped back
    const steps = epoch - this.#head >= this.#n ? this.#n : epoch - this.#head;
    for (let k = 1; k <= steps; k++) {
      const i = this.#index(epoch - steps + k);
      this.#totalCalls -= this.#calls[i] as number;
      this.#totalFailures -= this.#failures[i] as number;
      this.#totalSlow -= this.#slow[i] as number;
      this.#calls[i] = 0;
      this.#failures[i] = 0;
      this.#slow[i] = 0;
    }
    this.#head = epoch;
    return this.#index(epoch);
  }

  #index(epoch: number): number {
    const i = epoch % this.#n;
    return i < 0 ? i + this.#n : i;
  }

  record(failed: boolean, slow: boolean, now: number): boolean {
    const i = this.#advance(now);
    this.#calls[i] = (this.#calls[i] as number) + 1;
    this.#totalCalls++;
    if (failed) {
      this.#failures[i] = (this.#failures[i] as number) + 1;
      this.#totalFailures++;
    }
    if (slow) {
      this.#slow[i] = (this.#slow[i] as number) + 1;
      this.#totalSlow++;
    }
    return rateExceeded(
      this.#totalCalls,
      this.#totalFailures,
      this.#totalSlow,
      this.minimumCalls,
      this.failureRate,
      this.slowCallRate,
    );
  }

  reset(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
    this.#head = -Infinity;
    this.#totalCalls = 0;
    this.#totalFailures = 0;
    this.#totalSlow = 0;
  }

  snapshot(now: number): WindowSnapshot {
    if (this.#head !== -Infinity) this.#advance(now);
    return { calls: this.#totalCalls, failures: this.#totalFailures, slowCalls: this.#totalSlow };
  }

  toJSON(): TripRuleJSON {
    return {
      kind: 'time-window',
      bucketMs: this.#bucketMs,
      head: Number.isFinite(this.#head) ? this.#head : null,
      calls: Array.from(this.#calls),
      failures: Array.from(this.#failures),
      slow: Array.from(this.#slow),
    };
  }

  restore(state: TripRuleJSON): void {
    const { head, calls, failures, slow, bucketMs } = state;
    if (state.kind !== 'time-window' || bucketMs !== this.#bucketMs || typeof head !== 'number') return;
    if (!isCounts(calls, this.#n) || !isCounts(failures, this.#n) || !isCounts(slow, this.#n)) return;
    this.reset();
    this.#calls.set(calls);
    this.#failures.set(failures);
    this.#slow.set(slow);
    this.#head = head;
    for (let i = 0; i < this.#n; i++) {
      this.#totalCalls += this.#calls[i] as number;
      this.#totalFailures += this.#failures[i] as number;
      this.#totalSlow += this.#slow[i] as number;
    }
  }
}

function isCounts(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => Number.isInteger(x) && x >= 0);
}
