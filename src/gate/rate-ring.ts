/**
 * A sliding-window counter of admissions: at most `limit` in any `windowMs`. A ring of the last
 * `limit` admission times (Float64Array, allocated once): a new one is admitted when the ring has
 * room or its oldest entry has left the window. O(1) per call, no allocation. A clock stepped back
 * leaves entries "in the future", which keep counting until the clock passes them (fail closed).
 */
export class RateRing {
  readonly limit: number;
  readonly windowMs: number;
  readonly #times: Float64Array;
  #head = 0;
  #count = 0;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#times = new Float64Array(limit);
  }

  /** Whether one more admission at `now` would stay within the limit. */
  hasRoom(now: number): boolean {
    if (this.#count < this.limit) return true;
    return this.#times[this.#head]! <= now - this.windowMs;
  }

  /** Records an admission at `now` (call only after `hasRoom(now)`). */
  admit(now: number): void {
    if (this.#count < this.limit) {
      this.#times[(this.#head + this.#count) % this.limit] = now;
      this.#count++;
      return;
    }
    this.#times[this.#head] = now;
    this.#head = (this.#head + 1) % this.limit;
  }

  /** Admissions still inside the window at `now` (allocates nothing; O(limit), for inputs only). */
  inWindow(now: number): number {
    let n = 0;
    for (let i = 0; i < this.#count; i++)
      if (this.#times[(this.#head + i) % this.limit]! > now - this.windowMs) n++;
    return n;
  }
}
