import { CircuitOpenError, type RejectingState } from '../errors/circuit-open-error.js';

const noop = (): void => {};

/**
 * Rejections for an open breaker: one rejected promise per (state, retryAfter), made once and
 * handled up front, so a rejection costs no Error, no stack and no unhandled-rejection
 * bookkeeping. Its error is shared by the rejections of one open period; with `captureStack`
 * each rejection gets a fresh error with a stack instead.
 */
export class OpenRejections {
  readonly #breaker: string;
  readonly #captureStack: boolean;
  #error: CircuitOpenError | undefined;
  #promise: Promise<never> | undefined;

  constructor(breaker: string, captureStack: boolean) {
    this.#breaker = breaker;
    this.#captureStack = captureStack;
  }

  get(state: RejectingState, retryAfter: number | null): Promise<never> {
    if (this.#captureStack)
      return Promise.reject(new CircuitOpenError(this.#breaker, state, retryAfter, true));
    const e = this.#error;
    if (e !== undefined && e.state === state && e.retryAfter === retryAfter)
      return this.#promise as Promise<never>;
    const error = new CircuitOpenError(this.#breaker, state, retryAfter);
    const promise = Promise.reject(error);
    promise.catch(noop);
    this.#error = error;
    this.#promise = promise;
    return promise;
  }

  /** Forgets the shared rejection (on a state change). */
  clear(): void {
    this.#error = undefined;
    this.#promise = undefined;
  }
}
