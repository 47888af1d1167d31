import {
  checkInt,
  checkRate,
  rateExceeded,
  type TripRule,
  type TripRuleJSON,
  type WindowSnapshot,
} from './trip-rule.js';

/** Options of a count-based window. */
export interface CountWindowOptions {
  /** How many of the latest calls the window holds. */
  readonly size: number;
  /** Trip when failures / calls reaches this (0, 1]. Default 0.5. */
  readonly failureRate?: number;
  /** Trip when slow calls / calls reaches this (0, 1]. Default: never. */
  readonly slowCallRate?: number;
  /** No verdict before this many calls are in the window. Default `size`. */
  readonly minimumCalls?: number;
}

const FAILED = 1;
const SLOW = 2;

/** Failure rate and slow-call rate over the last `size` calls: a ring buffer, O(1) per call whatever its size. */
export class CountWindowRule implements TripRule {
  readonly usesTime = false;
  readonly size: number;
  readonly failureRate: number;
  readonly slowCallRate: number;
  readonly minimumCalls: number;
  readonly #ring: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slow = 0;

  constructor(options: CountWindowOptions) {
    checkInt('CountWindowRule size', options.size, 1);
    checkRate('CountWindowRule failureRate', options.failureRate);
    checkRate('CountWindowRule slowCallRate', options.slowCallRate);
    const minimumCalls = options.minimumCalls ?? options.size;
    checkInt('CountWindowRule minimumCalls', minimumCalls, 1);
    this.size = options.size;
    this.failureRate = options.failureRate ?? 0.5;
    this.slowCallRate = options.slowCallRate ?? Infinity;
    this.minimumCalls = minimumCalls;
    this.#ring = new Uint8Array(options.size);
  }

  record(failed: boolean, slow: boolean, _now?: number): boolean {
    const i = this.#next;
    if (this.#calls === this.size) {
      const old = this.#ring[i] as number;
      this.#failures -= old & FAILED;
      this.#slow -= (old & SLOW) >> 1;
    } else this.#calls++;
    const bits = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    this.#ring[i] = bits;
    this.#failures += bits & FAILED;
    this.#slow += bits >> 1;
    this.#next = i + 1 === this.size ? 0 : i + 1;
    return rateExceeded(
      this.#calls,
      this.#failures,
      this.#slow,
      this.minimumCalls,
      this.failureRate,
      this.slowCallRate,
    );
  }

  reset(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
    this.#slow = 0;
  }

  snapshot(): WindowSnapshot {
    return { calls: this.#calls, failures: this.#failures, slowCalls: this.#slow };
  }

  toJSON(): TripRuleJSON {
    // Oldest first, so a restore into a window of another size keeps the most recent calls.
    const out: number[] = [];
    const start = this.#calls === this.size ? this.#next : 0;
    for (let k = 0; k < this.#calls; k++) out.push(this.#ring[(start + k) % this.size] as number);
    return { kind: 'count-window', calls: out };
  }

  restore(state: TripRuleJSON): void {
    const calls = state['calls'];
    if (state.kind !== 'count-window' || !Array.isArray(calls)) return;
    this.reset();
    for (const c of calls.slice(-this.size)) {
      if (typeof c === 'number') this.record((c & FAILED) !== 0, (c & SLOW) !== 0);
    }
  }
}
