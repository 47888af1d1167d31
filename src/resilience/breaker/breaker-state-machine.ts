import type { Clock } from '../../util/clock.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';
import type { BreakerState, BreakerStateName, TransitionReason } from './breaker-types.js';
import { ForcedHolds } from './forced-holds.js';
import { HalfOpenProbes } from './half-open-probes.js';
import type { Isolation } from './isolation.js';
import type { TripRule } from './trip-rule.js';
import { zeroTimeInState } from './breaker-stats.js';

/** Told of every transition, after the new state is in place (the breaker's flags and events). */
export type OnEnter = (prev: BreakerState, next: BreakerState, reason: TransitionReason) => void;

/**
 * A breaker's states and the transitions between them: trip, close, the transitions time alone
 * causes (open period over, forced period over, hung probe), the half-open period's probes and
 * the manual holds. It makes no call and counts no call: `CircuitBreaker` does, and asks it.
 */
export class BreakerStateMachine {
  readonly #o: ResolvedBreakerOptions;
  readonly #rule: TripRule;
  readonly #clock: Clock;
  readonly #onEnter: OnEnter;
  #state: BreakerState;
  /** Bumped on every transition; a probe that settles under another generation is ignored. */
  #generation = 0;
  /** Trips since the breaker last closed (the open period's backoff reads it). */
  #trips = 0;
  #totalTrips = 0;
  #lastOpenMs = 0;
  readonly #probes: HalfOpenProbes;
  readonly #holds = new ForcedHolds();
  readonly #timeIn = zeroTimeInState();

  constructor(o: ResolvedBreakerOptions, onEnter: OnEnter) {
    this.#o = o;
    this.#rule = o.rule;
    this.#clock = o.clock;
    this.#onEnter = onEnter;
    this.#probes = new HalfOpenProbes(o.halfOpenProbes);
    this.#state = { state: 'closed', since: this.#clock.now() };
  }

  /** The state as last applied (call `refresh` first when time may have moved it). */
  get state(): BreakerState {
    return this.#state;
  }

  get generation(): number {
    return this.#generation;
  }

  get trips(): number {
    return this.#trips;
  }

  get totalTrips(): number {
    return this.#totalTrips;
  }

  get lastOpenMs(): number {
    return this.#lastOpenMs;
  }

  /** Time spent in each finished state period. */
  get timeIn(): Readonly<Record<BreakerStateName, number>> {
    return this.#timeIn;
  }

  /** Sets the trip count and last open period (restoring a saved breaker). */
  setTrips(trips: number, lastOpenMs: number): void {
    this.#trips = trips;
    this.#lastOpenMs = lastOpenMs;
  }

  /** Applies the transitions that time alone causes: open period over, forced period over, hung probe. */
  refresh(now: number): void {
    const s = this.#state;
    if (s.state === 'open') {
      if (now >= s.until) this.enter({ state: 'half-open', since: now, trips: this.#trips }, 'open-elapsed');
    } else if (s.state === 'forced-open') {
      if (now >= this.#holds.until()) {
        this.#holds.clear();
        this.enter({ state: 'half-open', since: now, trips: this.#trips }, 'released');
      }
    } else if (s.state === 'half-open' && this.#probes.hung(now, this.#o.probeTimeoutMs)) {
      this.trip(now, 'probe-hung');
    }
  }

  /** Opens for the next open period (fixed, or the backoff's delay after `trips` trips). */
  trip(now: number, reason: TransitionReason): void {
    const openMs = this.#o.openMs;
    const ms =
      typeof openMs === 'number' ? openMs : openMs.delay(this.#trips, this.#lastOpenMs, this.#o.random);
    this.#lastOpenMs = ms;
    this.#trips++;
    this.#totalTrips++;
    this.#rule.reset();
    this.enter({ state: 'open', since: now, until: now + ms, trips: this.#trips }, reason);
  }

  /** Closes with an empty window and forgets the trip backoff. */
  close(now: number, reason: TransitionReason): void {
    this.#trips = 0;
    this.#lastOpenMs = 0;
    this.#rule.reset();
    this.enter({ state: 'closed', since: now }, reason);
  }

  enter(next: BreakerState, reason: TransitionReason): void {
    const prev = this.#state;
    this.#timeIn[prev.state] += Math.max(0, next.since - prev.since);
    this.#state = next;
    this.#generation++;
    this.#probes.reset();
    this.#onEnter(prev, next, reason);
  }

  /** Lets a half-open probe in: its slot, or -1 when every slot of this period is taken. */
  admitProbe(now: number): number {
    return this.#probes.admit(now);
  }

  /**
   * A probe of `generation` finished: a failed or slow one reopens the breaker, enough good ones
   * close it; a probe from an earlier half-open period is too late to count.
   */
  settleProbe(slot: number, generation: number, good: boolean, now: number): void {
    if (generation !== this.#generation) return;
    const succeeded = this.#probes.finish(slot, good);
    if (!good) this.trip(now, 'probe-failed');
    else if (succeeded >= this.#o.halfOpenProbes) this.close(now, 'probe-succeeded');
  }

  /** A probe of `generation` never called the dependency: its slot is given back, nothing is judged. */
  cancelProbe(slot: number, generation: number): void {
    if (generation === this.#generation) this.#probes.cancel(slot);
  }

  /** When (epoch ms) a call would be admitted: now if it would, null when forced open until released. */
  retryAfter(now: number): number | null {
    const s = this.#state;
    switch (s.state) {
      case 'open':
        return s.until;
      case 'forced-open':
        return s.until;
      case 'half-open':
        return this.#probes.nextSlotAt(now, this.#o.probeTimeoutMs);
      case 'closed':
      case 'forced-closed':
      case 'disabled':
        return now;
      default:
        return s satisfies never;
    }
  }

  /** Adds a hold until `until` (Infinity: until released) and returns its release handle. */
  forceOpen(until: number, reason: string): Isolation {
    const token = this.#holds.add(until);
    this.#forceOpenState(this.#clock.now(), reason);
    const release = (): void => {
      if (!this.#holds.delete(token)) return;
      const s = this.#state;
      if (s.state !== 'forced-open') return;
      const t = this.#clock.now();
      if (this.#holds.size > 0) this.#forceOpenState(t, s.reason);
      else this.refresh(t);
    };
    return { release, [Symbol.dispose]: release };
  }

  /** A hold with no handle (a restored forced-open state): only `reset()` or `forceClosed()` clears it. */
  hold(until: number, reason: string): void {
    this.#holds.add(until);
    this.#forceOpenState(this.#clock.now(), reason);
  }

  #forceOpenState(now: number, reason: string): void {
    const forcedUntil = this.#holds.until();
    if (now >= forcedUntil) return this.refresh(now);
    const until = forcedUntil === Infinity ? null : forcedUntil;
    const s = this.#state;
    if (s.state === 'forced-open') this.#state = { ...s, until, reason };
    else this.enter({ state: 'forced-open', since: now, until, reason }, 'forced-open');
  }

  forceClosed(): void {
    this.#holds.clear();
    this.enter({ state: 'forced-closed', since: this.#clock.now() }, 'forced-closed');
  }

  disable(): void {
    this.#holds.clear();
    this.enter({ state: 'disabled', since: this.#clock.now() }, 'disabled');
  }

  reset(): void {
    this.#holds.clear();
    this.close(this.#clock.now(), 'reset');
  }
}
