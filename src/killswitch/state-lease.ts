import type { Clock } from '../util/clock.js';
import type { HaltState } from './halt-state.js';

/**
 * Fleet mode's lease on the kill switch state: "running" holds only while a read of the store
 * succeeded within the last `leaseMs`. Past that (a store that hangs, a poll that stopped) the
 * state is engaged, with a reason that says so, until a read succeeds again. Fail closed.
 */
export class StateLease {
  readonly leaseMs: number;
  readonly #clock: Clock;
  /** When the newest read the store answered began (ms). */
  #confirmedAt = -Infinity;
  #lastError: string | null = null;

  constructor(leaseMs: number, clock: Clock) {
    if (!(leaseMs > 0 && Number.isFinite(leaseMs)))
      throw new RangeError(`leaseMs: expected a number > 0, got ${leaseMs}`);
    this.leaseMs = leaseMs;
    this.#clock = clock;
  }

  /** Records the outcome of a read that began at `startedAt`: confirmed, or why not. */
  record(startedAt: number, unconfirmed: string | undefined): void {
    if (unconfirmed === undefined) this.#confirmedAt = Math.max(this.#confirmedAt, startedAt);
    this.#lastError = unconfirmed ?? null;
  }

  /** The state as the lease allows it; `reading` says a read is in flight now. */
  apply(s: HaltState, reading: boolean): HaltState {
    if (s.halted) return s;
    const now = this.#clock.now();
    const age = now - this.#confirmedAt;
    if (age <= this.leaseMs) return s;
    const why =
      this.#lastError ?? (reading ? 'a read of the store has not answered' : 'the store has not been read');
    return {
      halted: true,
      eventId: s.eventId,
      source: 'unreadable',
      reason: `lease expired: the kill switch state was not confirmed for ${Number.isFinite(age) ? `${Math.round(age)} ms` : 'ever'} (lease ${this.leaseMs} ms; ${why}); trading resumes once a read of the store succeeds`,
      since: Number.isFinite(this.#confirmedAt) ? this.#confirmedAt + this.leaseMs : now,
      by: null,
      checkedAt: now,
    };
  }
}
