/**
 * A sliding-window counter of admissions: at most `limit` in any `windowMs`. It keeps the last
 * `limit` admission times, run-length encoded: a ring of `(time, count)` runs (typed arrays,
 * allocated once), so a burst at one clock reading touches one slot and one cache line instead
 * of streaming through `limit` slots. A new admission is allowed when fewer than `limit` are kept
 * or the oldest kept one has left the window. O(1) per call, no allocation. A clock stepped back
 * leaves entries "in the future", which keep counting until the clock passes them (fail closed).
 */
export class RateRing {
  readonly limit: number;
  readonly windowMs: number;
  /** The time of each run. */
  readonly #times: Float64Array;
  /** How many admissions each run holds (at least 1 while the run is kept). */
  readonly #counts: Float64Array;
  /** The oldest run. */
  #head = 0;
  /** Runs kept. */
  #runs = 0;
  /** Admissions kept (the sum of the runs' counts; at most `limit`). */
  #total = 0;
  /** False once the clock stepped back between two admissions: the runs are then not in time order. */
  #ordered = true;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#times = new Float64Array(limit);
    this.#counts = new Float64Array(limit);
  }

  /** Whether one more admission at `now` would stay within the limit. */
  hasRoom(now: number): boolean {
    if (this.#total < this.limit) return true;
    return this.#times[this.#head]! <= now - this.windowMs;
  }

  /** Records an admission at `now` (call only after `hasRoom(now)`). */
  admit(now: number): void {
    const limit = this.limit;
    if (this.#total === limit) {
      // drop the oldest kept admission: only the last `limit` ever matter
      const h = this.#head;
      this.#total--;
      const left = this.#counts[h]! - 1;
      this.#counts[h] = left;
      if (left === 0) {
        this.#head = h + 1 === limit ? 0 : h + 1;
        this.#runs--;
      }
    }
    this.#total++;
    if (this.#runs > 0) {
      let last = this.#head + this.#runs - 1;
      if (last >= limit) last -= limit;
      const lastAt = this.#times[last]!;
      if (lastAt === now) {
        this.#counts[last] = this.#counts[last]! + 1;
        return;
      }
      if (now < lastAt) this.#ordered = false;
    }
    // wrap by comparison, not `%` (an integer division on every admission)
    let i = this.#head + this.#runs;
    if (i >= limit) i -= limit;
    this.#times[i] = now;
    this.#counts[i] = 1;
    this.#runs++;
  }

  /**
   * Admissions still inside the window at `now` (allocates nothing; for the decision log's inputs).
   * Runs in time order are counted from the newest back to the first that has left the window
   * (O(runs in the window)); after a clock stepped back, every run is looked at.
   */
  inWindow(now: number): number {
    const limit = this.limit;
    const from = now - this.windowMs;
    let n = 0;
    for (let k = this.#runs - 1; k >= 0; k--) {
      let i = this.#head + k;
      if (i >= limit) i -= limit;
      if (this.#times[i]! > from) n += this.#counts[i]!;
      else if (this.#ordered) break;
    }
    return n;
  }
}
