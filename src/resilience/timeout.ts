import { abortReason } from './sleep.js';
import { TimeoutError } from './errors/timeout-error.js';
import { systemTimers, type Timers } from './timers.js';
import { neverAbortedSignal, toContext, type ExecuteOptions, type Policy, type Protected } from './policy.js';

/**
 * - `cooperative`: at the limit the signal aborts and the policy waits for `fn` to stop (it must honour the signal);
 * - `abandon`: at the limit the signal aborts and the policy stops waiting at once, rejecting with a
 *   TimeoutError whose `abandoned` is true: the action may still be running and may still take effect.
 */
export type TimeoutMode = 'cooperative' | 'abandon';

/** Options of a timeout policy. */
export interface TimeoutOptions {
  /** The limit (ms). */
  readonly ms: number;
  /** Default `cooperative`. */
  readonly mode?: TimeoutMode;
  readonly timers?: Timers;
}

const swallow = (): void => {};

/** Bounds a call's duration; `fn` gets a signal that aborts at the limit or when the caller's does. */
export class TimeoutPolicy implements Policy {
  readonly ms: number;
  readonly mode: TimeoutMode;
  readonly #timers: Timers;

  constructor(options: TimeoutOptions) {
    if (!(Number.isFinite(options.ms) && options.ms > 0))
      throw new RangeError(`TimeoutPolicy ms must be a finite number > 0, got ${options.ms}`);
    const mode = options.mode ?? 'cooperative';
    if (mode !== 'cooperative' && mode !== 'abandon')
      throw new RangeError(`TimeoutPolicy mode must be 'cooperative' or 'abandon', got ${String(mode)}`);
    this.ms = options.ms;
    this.mode = mode;
    this.#timers = options.timers ?? systemTimers;
    Object.freeze(this);
  }

  execute<T>(fn: Protected<T>, options?: ExecuteOptions): Promise<T> {
    const parent = toContext(options);
    if (parent.signal.aborted) return Promise.reject(abortReason(parent.signal));
    const controller = new AbortController();
    const onParentAbort = (): void => controller.abort(abortReason(parent.signal));
    const listens = parent.signal !== neverAbortedSignal; // the shared default signal gets no listeners
    if (listens) parent.signal.addEventListener('abort', onParentAbort, { once: true });
    const abandon = this.mode === 'abandon';
    let timedOut = false;
    let pending: Promise<T>;
    try {
      const r = fn({ signal: controller.signal, attempt: parent.attempt });
      pending = r instanceof Promise ? (r as Promise<T>) : Promise.resolve(r);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        timedOut = true;
        const error = new TimeoutError(this.ms, abandon, abandon ? pending : undefined);
        controller.abort(error);
        if (abandon) {
          pending.catch(swallow); // its outcome is the caller's to read from error.pending
          if (listens) parent.signal.removeEventListener('abort', onParentAbort);
          reject(error);
        }
      }, this.ms);
      const done = (): void => {
        this.#timers.clearTimeout(timer);
        if (listens) parent.signal.removeEventListener('abort', onParentAbort);
      };
      pending.then(
        (value) => {
          done();
          resolve(value); // no-op once an abandon timeout has rejected
        },
        (error: unknown) => {
          done();
          reject(
            timedOut && !abandon && !parent.signal.aborted
              ? new TimeoutError(this.ms, false, undefined, { cause: error })
              : error,
          );
        },
      );
    });
  }
}
