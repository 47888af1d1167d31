/** A source of time in milliseconds since the epoch; injected so tests never sleep. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start = 0) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#t += ms;
  }
  /** Sets the time to `t`. */
  set(t: number): void {
    this.#t = t;
  }
}
