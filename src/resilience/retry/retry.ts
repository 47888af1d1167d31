import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { AmbiguousOutcomeError } from '../errors/ambiguous-outcome-error.js';
import { fullJitterBackoff, type Backoff, type Random } from './backoff.js';
import { classifyError } from '../taxonomy/classify-error.js';
import { EventSource, type Subscribe } from '../../util/event.js';
import { fusedCall, fusedFailure, fusedSuccess, isFusable } from '../fused-call.js';
import type { ClassifyOptions, FailureClass } from '../taxonomy/failure-class.js';
import {
  defaultContext,
  toContext,
  type ExecuteContext,
  type ExecuteOptions,
  type Policy,
  type Protected,
} from '../policy.js';
import { abortableSleep } from '../sleep.js';
import { systemTimers, type Timers } from '../timers.js';

/** What a resolver found out about an ambiguous attempt. */
export type AmbiguousResolution<T> =
  /** It took effect: here is its result (e.g. the order found by its client order id). */
  | { readonly outcome: 'applied'; readonly value: T }
  /** It did not take effect: it is safe to try again. */
  | { readonly outcome: 'not-applied' }
  /** Still unknown: give up with an AmbiguousOutcomeError. */
  | { readonly outcome: 'unknown' };

/** Finds out whether an ambiguous attempt took effect (asks the exchange). */
export type AmbiguityResolver<T> = (
  error: unknown,
  context: ExecuteContext,
) => Promise<AmbiguousResolution<T>>;

/** Per-call options of `RetryPolicy.execute`. */
export interface RetryExecuteOptions<T> extends ExecuteOptions {
  /** Resolves an ambiguous failure of this call; overrides the policy's resolver. */
  readonly resolveAmbiguous?: AmbiguityResolver<T>;
}

/** Options of a retry policy. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** No retry starts (and no wait is begun) past this many ms since the first attempt. Default: no limit. */
  readonly maxElapsedMs?: number;
  /** Wait between attempts. Default full jitter from 100 ms, capped at 10 s. */
  readonly backoff?: Backoff;
  /** The call has side effects: failures that may have taken effect are ambiguous. Default false. */
  readonly sideEffect?: boolean;
  /** How failures are judged. Default `classifyError`. */
  readonly classify?: (error: unknown, options: ClassifyOptions) => FailureClass;
  /** Resolves ambiguous failures; without one they are never retried (E_AMBIGUOUS). */
  readonly resolveAmbiguous?: AmbiguityResolver<unknown>;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly timers?: Timers;
}

/** Emitted before each wait. */
export interface RetryEvent {
  /** The attempt that failed (0-based). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
  readonly failure: FailureClass;
}

/** Emitted when the policy stops and the failure reaches the caller. */
export interface GiveUpEvent {
  readonly attempts: number;
  readonly error: unknown;
  readonly reason: 'not-retryable' | 'max-attempts' | 'max-elapsed' | 'aborted' | 'ambiguous';
}

/**
 * Retries by failure class: retryable failures with backoff, conditional ones only after the wait
 * they state, never the rest; an ambiguous failure goes to the resolver, never blindly round again.
 * The wait ends the moment the signal aborts.
 */
export class RetryPolicy implements Policy {
  readonly maxAttempts: number;
  readonly maxElapsedMs: number;
  readonly #timesElapsed: boolean;
  readonly #backoff: Backoff;
  readonly #sideEffect: boolean;
  readonly #classify: (error: unknown, options: ClassifyOptions) => FailureClass;
  readonly #resolve: AmbiguityResolver<unknown> | undefined;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #timers: Timers;
  readonly #retry = new EventSource<RetryEvent>();
  readonly #giveUp = new EventSource<GiveUpEvent>();
  /** Listens to retries (before each wait). */
  readonly onRetry: Subscribe<RetryEvent> = this.#retry.subscribe;
  /** Listens to the policy giving up. */
  readonly onGiveUp: Subscribe<GiveUpEvent> = this.#giveUp.subscribe;

  constructor(options: RetryOptions = {}) {
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new RangeError(`RetryPolicy maxAttempts must be an integer >= 1, got ${maxAttempts}`);
    const maxElapsedMs = options.maxElapsedMs ?? Infinity;
    if (!(maxElapsedMs >= 0))
      throw new RangeError(`RetryPolicy maxElapsedMs must be >= 0, got ${maxElapsedMs}`);
    this.maxAttempts = maxAttempts;
    this.maxElapsedMs = maxElapsedMs;
    this.#timesElapsed = Number.isFinite(maxElapsedMs);
    this.#backoff = options.backoff ?? fullJitterBackoff({ initialMs: 100, maxMs: 10_000 });
    this.#sideEffect = options.sideEffect ?? false;
    this.#classify = options.classify ?? classifyError;
    this.#resolve = options.resolveAmbiguous;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? systemTimers;
    Object.freeze(this);
  }

  /**
   * Runs `fn`, retrying as the failure allows. The first attempt's success costs one promise
   * reaction; the retry loop is only entered on a failure.
   */
  execute<T>(fn: Protected<T>, options?: RetryExecuteOptions<T>): Promise<T> {
    return this.#exec(undefined, fn, options);
  }

  /** `execute((ctx) => inner.execute(fn, ctx))` without that closure; used by `wrap()`. */
  executeThrough<T>(inner: Policy, fn: Protected<T>, options?: RetryExecuteOptions<T>): Promise<T> {
    return this.#exec(inner, fn, options);
  }

  #exec<T>(
    inner: Policy | undefined,
    fn: Protected<T>,
    options: RetryExecuteOptions<T> | undefined,
  ): Promise<T> {
    const ctx = options === undefined ? defaultContext : toContext(options);
    const start = this.#timesElapsed ? this.#clock.now() : 0; // the clock is read only when maxElapsedMs is set
    if (inner !== undefined && isFusable(inner)) {
      const fused = inner[fusedCall](fn, ctx);
      if (fused !== undefined)
        return fused.then(inner[fusedSuccess], (error: unknown) => {
          inner[fusedFailure](error);
          return this.#afterFailure(error, inner, fn, ctx, start, options);
        });
    }
    let first: PromiseLike<T> | T;
    try {
      first = inner === undefined ? fn(ctx) : inner.execute(fn, ctx);
    } catch (error) {
      return this.#afterFailure(error, inner, fn, ctx, start, options);
    }
    const p = first instanceof Promise ? (first as Promise<T>) : Promise.resolve(first);
    // The one allocation of the success path besides the promise: this handler, run only on a failure.
    return p.then(undefined, (error: unknown) => this.#afterFailure(error, inner, fn, ctx, start, options));
  }

  async #afterFailure<T>(
    firstError: unknown,
    inner: Policy | undefined,
    fn: Protected<T>,
    first: ExecuteContext,
    start: number,
    options: RetryExecuteOptions<T> | undefined,
  ): Promise<T> {
    const { signal } = first;
    const perCall = options?.resolveAmbiguous;
    let error = firstError;
    let ctx = first;
    let previousMs = 0;
    for (let n = 0; ; n++) {
      const decision = await this.#decide(error, ctx, n, start, previousMs, perCall);
      if (decision.kind === 'done') return decision.value;
      previousMs = decision.delayMs;
      try {
        await abortableSleep(decision.delayMs, signal, this.#timers);
      } catch (reason) {
        this.#stop(n + 1, reason, 'aborted'); // the wait ended the moment the signal aborted
      }
      ctx = { signal, attempt: first.attempt + n + 1 };
      try {
        return await (inner === undefined ? fn(ctx) : inner.execute(fn, ctx));
      } catch (e) {
        error = e;
      }
    }
  }

  /** After failed attempt `n` (0-based): throws to give up, returns a value, or says how long to wait. */
  async #decide<T>(
    error: unknown,
    ctx: ExecuteContext,
    n: number,
    start: number,
    previousMs: number,
    perCall: AmbiguityResolver<T> | undefined,
  ): Promise<{ kind: 'done'; value: T } | { kind: 'wait'; delayMs: number }> {
    const now = this.#clock.now();
    const attempts = n + 1;
    if (ctx.signal.aborted) this.#stop(attempts, error, 'aborted');
    const failure = this.#classify(error, { sideEffect: this.#sideEffect, now });
    let retry = failure.retry;
    if (retry === 'ambiguous') {
      const resolve = (perCall ?? this.#resolve) as AmbiguityResolver<T> | undefined;
      const unknown = (why: string): never =>
        this.#stop(attempts, new AmbiguousOutcomeError(why, ctx.attempt, { cause: error }), 'ambiguous');
      if (resolve === undefined)
        unknown(`attempt ${ctx.attempt} may have taken effect and no resolver can tell`);
      const found = await (resolve as AmbiguityResolver<T>)(error, ctx);
      switch (found.outcome) {
        case 'applied':
          return { kind: 'done', value: found.value };
        case 'not-applied':
          retry = 'retryable';
          break;
        case 'unknown':
          unknown(`attempt ${ctx.attempt} may have taken effect; the resolver could not tell`);
          break;
        default:
          found satisfies never;
      }
    }
    if (retry === 'never') this.#stop(attempts, error, 'not-retryable');
    if (retry === 'conditional' && failure.retryAfterMs === undefined)
      this.#stop(attempts, error, 'not-retryable');
    if (attempts >= this.maxAttempts) this.#stop(attempts, error, 'max-attempts');
    const delayMs = Math.max(this.#backoff.delay(n, previousMs, this.#random), failure.retryAfterMs ?? 0);
    if (this.#clock.now() + delayMs - start > this.maxElapsedMs) this.#stop(attempts, error, 'max-elapsed');
    if (this.#retry.size > 0) this.#retry.emit({ attempt: ctx.attempt, delayMs, error, failure });
    return { kind: 'wait', delayMs };
  }

  #stop(attempts: number, error: unknown, reason: GiveUpEvent['reason']): never {
    if (this.#giveUp.size > 0) this.#giveUp.emit({ attempts, error, reason });
    throw error;
  }
}
