/** The probe calls of one half-open period: how many were let in, which still run, since when. */
export class HalfOpenProbes {
  readonly limit: number;
  readonly #starts: Float64Array;
  #admitted = 0;
  #succeeded = 0;
  /** Slots given back by `cancel`, below `#admitted`'s high mark, to be let in again. */
  readonly #freed: number[] = [];

  constructor(limit: number) {
    this.limit = limit;
    this.#starts = new Float64Array(limit).fill(NaN);
  }

  /** Lets a probe in, returning its slot; -1 once `limit` probes were let in this period. */
  admit(now: number): number {
    if (this.#admitted >= this.limit) return -1;
    const slot = this.#freed.pop() ?? this.#admitted;
    this.#starts[slot] = now;
    this.#admitted++;
    return slot;
  }

  /** Marks the probe in `slot` finished; returns how many probes have succeeded so far. */
  finish(slot: number, succeeded: boolean): number {
    this.#starts[slot] = NaN;
    if (succeeded) this.#succeeded++;
    return this.#succeeded;
  }

  /**
   * Gives back the slot of a probe that never called the dependency (see `NOT_A_CALL`): it is not
   * counted as let in, so the next call is admitted as a probe in its place.
   */
  cancel(slot: number): void {
    if (Number.isNaN(this.#starts[slot] as number)) return; // already finished or given back
    this.#starts[slot] = NaN;
    this.#admitted--;
    this.#freed.push(slot);
  }

  /** True when a probe still running started `boundMs` or more before `now`. */
  hung(now: number, boundMs: number): boolean {
    for (let i = 0; i < this.limit; i++) {
      const started = this.#starts[i] as number;
      if (!Number.isNaN(started) && now - started >= boundMs) return true;
    }
    return false;
  }

  /** When the next probe may be let in: now if a slot is free, else when the oldest running probe counts as hung. */
  nextSlotAt(now: number, boundMs: number): number {
    if (this.#admitted < this.limit) return now;
    let oldest = now;
    for (const started of this.#starts) if (started < oldest) oldest = started;
    return oldest + boundMs;
  }

  /** A new half-open period. */
  reset(): void {
    this.#admitted = 0;
    this.#succeeded = 0;
    this.#freed.length = 0;
    this.#starts.fill(NaN);
  }
}
