import type { Clock } from '../../util/clock.js';
import {
  resolveBreakerOptions,
  type CircuitBreakerOptions,
  type ResolvedBreakerOptions,
} from './breaker-options.js';
import type {
  BreakerJSON,
  BreakerState,
  BreakerStateName,
  BreakerStats,
  StateChangeEvent,
  SuccessEvent,
  FailureEvent,
  RejectEvent,
  TransitionReason,
} from './breaker-types.js';
import type { RejectingState } from '../errors/circuit-open-error.js';
import { OpenRejections } from './open-rejections.js';
import type { Subscribe } from '../../util/event.js';
import { applyFallback, contextOf, type FallbackOptions } from '../fallback.js';
import { isNotACall } from '../errors/not-a-call.js';
import { fusedCall, fusedFailure, fusedSuccess, type Fusable } from '../fused-call.js';
import type { Isolatable, Isolation } from './isolation.js';
import {
  defaultContext,
  toContext,
  type ExecuteContext,
  type ExecuteOptions,
  type Policy,
  type Protected,
} from '../policy.js';
import type { TripRule } from './trip-rule.js';
import { restoreBreaker } from './breaker-restore.js';
import { buildStats } from './breaker-stats.js';
import { BreakerEvents } from './breaker-events.js';
import { BreakerStateMachine } from './breaker-state-machine.js';

/** Options of `CircuitBreaker.execute`: the context, and optionally a fallback. */
export interface BreakerExecuteOptions<T> extends ExecuteOptions, FallbackOptions<T> {}

function observerThrew(err: unknown): void {
  process.emitWarning(`warden: a breaker's trip rule threw: ${String(err)}`, 'WardenRuleWarning');
}

/**
 * A circuit breaker: closed, open, half-open, plus manual forced-open / forced-closed / disabled.
 * The rule decides when to trip, `BreakerStateMachine` holds the states and their transitions,
 * `BreakerEvents` the listeners; this class runs and counts the calls. Transitions out of open
 * happen lazily when a call or a reader looks, so no timer runs and tests drive the clock.
 */
export class CircuitBreaker implements Policy, Isolatable, Fusable {
  readonly name: string;
  readonly #o: ResolvedBreakerOptions;
  readonly #rule: TripRule;
  readonly #clock: Clock;
  readonly #m: BreakerStateMachine;
  /** Hot-path flags: state is 'closed'; and no clock reading is needed around calls. */
  #closed = true;
  #fast = true;
  /** No result predicate and no success listener: a success on the fast path is only counted. */
  #plain = true;
  readonly #rejections: OpenRejections;
  /** Read the clock before and after calls (slow-call bound, or duration listeners). */
  #timed: boolean;
  /** The rule reads the clock when a call is recorded (time window). */
  #ruleTime = false;
  /** Shared breakers: may this process send a half-open probe now? Null: yes (asked only off the closed path). */
  #probeGate: (() => boolean) | null = null;
  #successes = 0;
  #failures = 0;
  #slowCalls = 0;
  #rejected = 0;
  readonly #events = new BreakerEvents(() => this.#retime());

  /** Listens to state changes. */
  readonly onStateChange: Subscribe<StateChangeEvent> = this.#events.stateChange.subscribe;
  /** Listens to calls that did not count as failures (with their duration). */
  readonly onSuccess: Subscribe<SuccessEvent> = this.#events.success.subscribe;
  /** Listens to calls that counted as failures (with their duration). */
  readonly onFailure: Subscribe<FailureEvent> = this.#events.failure.subscribe;
  /** Listens to refused calls. */
  readonly onReject: Subscribe<RejectEvent> = this.#events.reject.subscribe;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#o = resolveBreakerOptions(options);
    this.name = this.#o.name;
    this.#rule = this.#o.rule;
    this.#clock = this.#o.clock;
    this.#rejections = new OpenRejections(this.name, this.#o.captureStack);
    this.#m = new BreakerStateMachine(this.#o, this.#entered);
    this.#timed = false;
    this.#retime();
    if (options.initialState === undefined) return;
    const m = this.#m;
    restoreBreaker(options.initialState, this.#clock.now(), {
      setTrips: (trips, lastOpenMs) => m.setTrips(trips, lastOpenMs),
      restoreRule: (state) => this.#rule.restore(state),
      enter: (state, reason) => m.enter(state, reason),
      refresh: (now) => m.refresh(now),
      hold: (until, reason) => m.hold(until, reason),
      forceClosed: () => m.forceClosed(),
      disable: () => m.disable(),
    });
  }

  /** After every transition: the shared rejection is stale, the hot-path flags follow, listeners hear. */
  readonly #entered = (prev: BreakerState, next: BreakerState, reason: TransitionReason): void => {
    this.#rejections.clear();
    this.#closed = next.state === 'closed';
    this.#fast = this.#closed && !this.#timed;
    const ev = this.#events.stateChange;
    if (ev.size > 0) ev.emit({ breaker: this.name, from: prev.state, to: next, reason });
  };

  /**
   * Runs `fn` through the breaker; rejects with a CircuitOpenError (nothing sent) when it is open.
   * The returned promise is `fn`'s own when the breaker is closed and untimed: the breaker observes
   * it from the side, so the success path allocates one reaction and the failure path throws nothing.
   * With `fallback`, a failure or a refusal returns the fallback's result instead (see `fallback.ts`).
   */
  execute<T>(fn: Protected<T>, options?: BreakerExecuteOptions<T>): Promise<T> {
    if (options !== undefined && options.fallback !== undefined) return this.#withFallback(fn, options);
    if (!this.#fast) return this.#exec(undefined, fn, options);
    let p: PromiseLike<T> | T;
    try {
      p = fn(options === undefined ? defaultContext : toContext(options));
    } catch (error) {
      this.#onError(error);
      return Promise.reject(error);
    }
    const promise = p instanceof Promise ? (p as Promise<T>) : Promise.resolve(p);
    promise.then(this.#onResult, this.#onError);
    return promise;
  }

  #withFallback<T>(fn: Protected<T>, options: BreakerExecuteOptions<T>): Promise<T> {
    const ctx = contextOf(options);
    const p = this.execute(fn, ctx);
    return applyFallback(p, options.fallback!, options.fallbackOnAmbiguous === true, ctx, this.#now);
  }

  readonly #now = (): number => this.#clock.now();

  /** `execute((ctx) => inner.execute(fn, ctx))` without the closure; used by `wrap()`. */
  executeThrough<T>(inner: Policy, fn: Protected<T>, options?: ExecuteOptions): Promise<T> {
    return this.#exec(inner, fn, options);
  }

  #exec<T>(inner: Policy | undefined, fn: Protected<T>, options: ExecuteOptions | undefined): Promise<T> {
    const ctx = options === undefined ? defaultContext : toContext(options);
    if (!this.#closed)
      return this.#executeSlow(inner === undefined ? fn : (c: ExecuteContext) => inner.execute(fn, c), ctx);
    const fast = this.#fast;
    const start = fast ? NaN : this.#clock.now();
    let p: PromiseLike<T> | T;
    try {
      p = inner === undefined ? fn(ctx) : inner.execute(fn, ctx);
    } catch (error) {
      this.#settle(true, error, start, -1, 0);
      return Promise.reject(error);
    }
    const promise = p instanceof Promise ? (p as Promise<T>) : Promise.resolve(p);
    if (fast) promise.then(this.#onResult, this.#onError);
    else
      promise.then(
        (result) => this.#settle(false, result, start, -1, 0),
        (error: unknown) => this.#settle(true, error, start, -1, 0),
      );
    return promise;
  }

  /** See `fused-call.ts`: a retry around this breaker observes the call once for both. */
  [fusedCall]<T>(fn: Protected<T>, ctx: ExecuteContext): Promise<T> | undefined {
    if (!this.#fast) return undefined;
    let p: PromiseLike<T> | T;
    try {
      p = fn(ctx);
    } catch (error) {
      return Promise.reject(error); // the caller's onRejected counts it
    }
    return p instanceof Promise ? (p as Promise<T>) : Promise.resolve(p);
  }

  readonly [fusedSuccess] = <T>(value: T): T => {
    if (!this.#plain || !this.#closed) this.#settle(false, value, NaN, -1, 0);
    else {
      this.#successes++;
      if (this.#rule.record(false, false, this.#ruleTime ? this.#clock.now() : 0))
        this.#m.trip(this.#clock.now(), 'tripped');
    }
    return value;
  };

  readonly [fusedFailure] = (error: unknown): void => this.#onError(error);

  /** The fast path's success: nothing to judge, time or tell, so only count (and let the rule see it). */
  readonly #onResult = (result: unknown): void => {
    try {
      if (!this.#plain || !this.#closed) return this.#settle(false, result, NaN, -1, 0);
      this.#successes++;
      if (this.#rule.record(false, false, this.#ruleTime ? this.#clock.now() : 0))
        this.#m.trip(this.#clock.now(), 'tripped');
    } catch (err) {
      observerThrew(err); // a custom rule that throws must not become an unhandled rejection
    }
  };
  readonly #onError = (error: unknown): void => {
    try {
      this.#settle(true, error, NaN, -1, 0);
    } catch (err) {
      observerThrew(err);
    }
  };

  #executeSlow<T>(fn: Protected<T>, ctx: ExecuteContext): Promise<T> {
    const now = this.#clock.now();
    const m = this.#m;
    m.refresh(now);
    const s = m.state;
    switch (s.state) {
      case 'closed':
      case 'forced-closed':
        return this.#run(fn, ctx, now, -1);
      case 'disabled':
        return this.#passThrough(fn, ctx);
      case 'open':
      case 'forced-open':
        return this.#rejection(s.state, now);
      case 'half-open': {
        if (this.#probeGate !== null && !this.#probeGate()) return this.#rejection('half-open', now);
        const slot = m.admitProbe(now);
        return slot < 0 ? this.#rejection('half-open', now) : this.#run(fn, ctx, now, slot);
      }
      default:
        return s satisfies never;
    }
  }

  async #passThrough<T>(fn: Protected<T>, ctx: ExecuteContext): Promise<T> {
    return fn(ctx);
  }

  async #run<T>(fn: Protected<T>, ctx: ExecuteContext, start: number, slot: number): Promise<T> {
    const generation = this.#m.generation;
    let result: T;
    try {
      result = await fn(ctx);
    } catch (error) {
      this.#settle(true, error, start, slot, generation);
      throw error;
    }
    this.#settle(false, result, start, slot, generation);
    return result;
  }

  /**
   * Counts a finished call; `slot` >= 0 marks a half-open probe of `generation`. An error marked
   * `NOT_A_CALL` (the function never called the dependency) is not counted: a probe's slot is
   * given back.
   */
  #settle(threw: boolean, value: unknown, start: number, slot: number, generation: number): void {
    if (threw && isNotACall(value)) {
      if (slot >= 0) this.#m.cancelProbe(slot, generation);
      return;
    }
    const timed = this.#timed || slot >= 0;
    const now = timed || this.#ruleTime ? this.#clock.now() : 0;
    const durationMs = timed && !Number.isNaN(start) ? now - start : 0;
    const failed = threw
      ? this.#o.isFailure === undefined || this.#o.isFailure(value)
      : this.#o.isResultFailure !== undefined && this.#o.isResultFailure(value);
    const slow = durationMs >= this.#o.slowCallMs;
    if (slow) this.#slowCalls++;
    const ev = this.#events;
    if (failed) {
      this.#failures++;
      if (ev.failure.size > 0)
        ev.failure.emit({ breaker: this.name, durationMs, slow, kind: threw ? 'error' : 'result', value });
    } else {
      this.#successes++;
      if (ev.success.size > 0) ev.success.emit({ breaker: this.name, durationMs, slow });
    }
    if (slot >= 0) return this.#m.settleProbe(slot, generation, !failed && !slow, now);
    const tag = this.#m.state.state;
    if (tag === 'closed') {
      if (this.#rule.record(failed, slow, now))
        this.#m.trip(timed || this.#ruleTime ? now : this.#clock.now(), 'tripped');
    } else if (tag === 'forced-closed') this.#rule.record(failed, slow, now);
  }

  /** A refusal; see OpenRejections for why it costs no Error per call. */
  #rejection<T>(state: RejectingState, now: number): Promise<T> {
    this.#rejected++;
    const retryAfter = this.#m.retryAfter(now);
    const ev = this.#events.reject;
    if (ev.size > 0) ev.emit({ breaker: this.name, state, retryAfter });
    return this.#rejections.get(state, retryAfter);
  }

  #retime(): void {
    const ev = this.#events;
    this.#timed = Number.isFinite(this.#o.slowCallMs) || ev.success.size + ev.failure.size > 0;
    this.#ruleTime = this.#rule.usesTime;
    this.#plain = this.#o.isResultFailure === undefined && ev.success.size === 0;
    this.#closed = this.#m.state.state === 'closed';
    this.#fast = this.#closed && !this.#timed;
  }

  /** The current state's name. */
  get state(): BreakerStateName {
    return this.detail.state;
  }

  /** True when every call goes through: closed, forced closed or disabled (seed 002's `is_closed`). */
  get isClosed(): boolean {
    if (this.#closed) return true;
    const s = this.state;
    return s === 'closed' || s === 'forced-closed' || s === 'disabled';
  }

  /** True when every call is refused: open, or forced open (seed 002's `is_open`). */
  get isOpen(): boolean {
    const s = this.state;
    return s === 'open' || s === 'forced-open';
  }

  /** True when probes are admitted to test recovery (seed 002's `is_half_open`). */
  get isHalfOpen(): boolean {
    return this.state === 'half-open';
  }

  /** The current state with its details. */
  get detail(): BreakerState {
    this.#m.refresh(this.#clock.now());
    return this.#m.state;
  }

  /** When (epoch ms) the breaker will admit a call: now if it does, null when forced open until released. */
  get retryAfter(): number | null {
    const now = this.#clock.now();
    this.#m.refresh(now);
    return this.#m.retryAfter(now);
  }

  /** Whether a call made now would be let through, as a value (for a gate's check); reserves no probe. */
  allows(): boolean {
    if (this.#closed) return true;
    const now = this.#clock.now();
    const m = this.#m;
    m.refresh(now);
    const at = m.retryAfter(now);
    if (at === null || at > now) return false;
    return m.state.state !== 'half-open' || this.#probeGate === null || this.#probeGate();
  }

  /**
   * The shared-state hook (`SharedBreaker`, fleet mode): `gate` is asked before each half-open
   * probe is let in, and a false refuses the call as a full half-open does, so that one process
   * of the fleet probes. It is never asked while the breaker is closed: the hot path is unchanged.
   */
  setProbeGate(gate: (() => boolean) | null): void {
    this.#probeGate = gate;
  }

  /**
   * Applies a trip made by another process (pushed by `SharedBreaker`): open until `until`
   * (epoch ms) from closed or half-open, or an open that ends earlier. Forced states and
   * `disabled` are left alone, and an `until` already past does nothing. True when it opened.
   */
  openFromPeer(until: number): boolean {
    const now = this.#clock.now();
    if (!(until > now)) return false;
    const m = this.#m;
    m.refresh(now);
    const s = m.state;
    if (s.state !== 'closed' && s.state !== 'half-open' && !(s.state === 'open' && s.until < until))
      return false;
    this.#rule.reset();
    m.enter({ state: 'open', since: now, until, trips: m.trips }, 'peer-opened');
    return true;
  }

  /** Applies a close made by another process after its probe succeeded: open or half-open → closed. */
  closeFromPeer(): boolean {
    const now = this.#clock.now();
    const m = this.#m;
    m.refresh(now);
    const s = m.state.state;
    if (s !== 'open' && s !== 'half-open') return false;
    m.close(now, 'peer-closed');
    return true;
  }

  /**
   * Forces the breaker open: until `until` (epoch ms), or until the returned hold is released.
   * It never drifts to half-open while a hold lasts; with no hold left it goes half-open and probes.
   */
  forceOpen(options: { until?: number; reason?: string } = {}): Isolation {
    const until = options.until ?? Infinity;
    if (Number.isNaN(until))
      throw new RangeError(`CircuitBreaker forceOpen until must be a number, got ${until}`);
    return this.#m.forceOpen(until, options.reason ?? 'forced open');
  }

  /** Forces the breaker closed: every call goes through and is counted, nothing trips, until `reset()`. */
  forceClosed(): void {
    this.#m.forceClosed();
  }

  /** Takes the breaker out of the path: calls go straight through, uncounted, until `reset()`. */
  disable(): void {
    this.#m.disable();
  }

  /** Back to closed with an empty window; releases every hold and forgets the trip backoff. */
  reset(): void {
    this.#m.reset();
  }

  /** Counts, rates and time in state, as a plain object. */
  stats(): BreakerStats {
    const now = this.#clock.now();
    const m = this.#m;
    m.refresh(now);
    return buildStats(this.name, m.state, now, {
      retryAfter: m.retryAfter(now),
      successes: this.#successes,
      failures: this.#failures,
      slowCalls: this.#slowCalls,
      rejections: this.#rejected,
      trips: m.totalTrips,
      window: this.#rule.snapshot(now),
      timeIn: m.timeIn,
    });
  }

  /** The state to carry over a restart (see `initialState`). */
  toJSON(): BreakerJSON {
    return {
      v: 1,
      name: this.name,
      state: this.detail,
      trips: this.#m.trips,
      lastOpenMs: this.#m.lastOpenMs,
      rule: this.#rule.toJSON(),
    };
  }
}
