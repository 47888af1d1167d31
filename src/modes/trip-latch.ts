import type { HaltState, TripResult } from '../killswitch/index.js';
import type { KillSwitchPort } from './kill-switch-port.js';

/** Where a latch stands: free, tripping (the trip is being written), or held until a resume clears its trip. */
export type TripLatchState =
  | { readonly state: 'free' }
  | { readonly state: 'tripping'; readonly baseline: number | null }
  | { readonly state: 'held'; readonly trippedAt: number | null; readonly after: number | null }
  | { readonly state: 'failed'; readonly error: string };

/**
 * Trips the kill switch with flatten and holds until the kill switch reports a resume that came
 * after that very trip: running, with a newest event id above the trip's (or, for a trip the store
 * could not take, above the newest event before it). A resume of an older halt never releases it.
 */
export class TripLatch {
  readonly #ks: KillSwitchPort;
  readonly #onRelease: (state: HaltState) => void;
  readonly #sub: { dispose(): void };
  #s: TripLatchState = { state: 'free' };
  #gen = 0;

  constructor(ks: KillSwitchPort, onRelease: (state: HaltState) => void) {
    this.#ks = ks;
    this.#onRelease = onRelease;
    this.#sub = ks.onChange((s) => this.#check(s));
  }

  /** The latch's state. */
  get state(): TripLatchState {
    return this.#s;
  }

  /** True from the trip until a resume after it (also while the trip is being written, or when it threw). */
  get holding(): boolean {
    return this.#s.state !== 'free';
  }

  /**
   * Trips (flatten: true) unless a trip is already held or being written. Resolves with the
   * result, or null when nothing was sent; a trip that throws leaves the latch `failed`, so the
   * caller may trip again.
   */
  async trip(reason: string, by: string): Promise<TripResult | null> {
    if (this.#s.state === 'tripping' || this.#s.state === 'held') return null;
    const baseline = this.#ks.state().eventId;
    const gen = ++this.#gen;
    this.#s = { state: 'tripping', baseline };
    let r: TripResult;
    try {
      r = await this.#ks.trip({ reason, by, flatten: true });
    } catch (err) {
      if (gen === this.#gen) this.#s = { state: 'failed', error: (err as Error).message };
      throw err;
    }
    if (gen !== this.#gen) return r; // abandoned while it was written
    this.#s = r.recorded
      ? { state: 'held', trippedAt: r.event.id, after: r.event.id }
      : { state: 'held', trippedAt: null, after: baseline };
    this.#check(this.#ks.state());
    return r;
  }

  #check(s: HaltState): void {
    const l = this.#s;
    if (l.state !== 'held' || s.halted || s.eventId === null) return;
    if (l.after !== null && s.eventId <= l.after) return;
    this.#s = { state: 'free' };
    this.#onRelease(s);
  }

  /**
   * Holds a trip made earlier (by a process before a restart), known by its event id: released by
   * a resume newer than it, at once if the kill switch already shows one.
   */
  restore(tripEventId: number | null): void {
    this.#gen++;
    this.#s = { state: 'held', trippedAt: tripEventId, after: tripEventId };
    this.#check(this.#ks.state());
  }

  /** Lets go without a resume (a new session began): a later resume of that trip no longer releases anything. */
  abandon(): void {
    this.#gen++;
    this.#s = { state: 'free' };
  }

  /** Stops listening to the kill switch. */
  dispose(): void {
    this.#sub.dispose();
  }
}
