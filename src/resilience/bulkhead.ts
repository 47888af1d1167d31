import { BulkheadFullError } from './errors/bulkhead-full-error.js';
import { abortReason } from './sleep.js';
import {
  neverAbortedSignal,
  toContext,
  type ExecuteContext,
  type ExecuteOptions,
  type Policy,
  type Protected,
} from './policy.js';

/** Options of a bulkhead. */
export interface BulkheadOptions {
  /** Calls allowed to run at once. */
  readonly limit: number;
  /** Calls allowed to wait for a slot; beyond that a call is refused (E_BULKHEAD_FULL). Default 0. */
  readonly queue?: number;
}

interface Waiter {
  readonly start: () => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/** Limits concurrency, with a bounded queue; a queued call leaves the queue when its signal aborts. */
export class Bulkhead implements Policy {
  readonly limit: number;
  readonly queueLimit: number;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(options: BulkheadOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`Bulkhead limit must be an integer >= 1, got ${options.limit}`);
    const queue = options.queue ?? 0;
    if (!Number.isInteger(queue) || queue < 0)
      throw new RangeError(`Bulkhead queue must be an integer >= 0, got ${queue}`);
    this.limit = options.limit;
    this.queueLimit = queue;
  }

  /** Calls running now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  execute<T>(fn: Protected<T>, options?: ExecuteOptions): Promise<T> {
    const ctx = toContext(options);
    if (ctx.signal.aborted) return Promise.reject(abortReason(ctx.signal));
    if (this.#active < this.limit) return this.#run(fn, ctx);
    if (this.#queue.length >= this.queueLimit)
      return Promise.reject(new BulkheadFullError(this.limit, this.queueLimit));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        signal: ctx.signal,
        start: () => {
          ctx.signal.removeEventListener('abort', waiter.onAbort);
          this.#run(fn, ctx).then(resolve, reject);
        },
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(abortReason(ctx.signal));
        },
      };
      if (ctx.signal !== neverAbortedSignal)
        ctx.signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  async #run<T>(fn: Protected<T>, ctx: ExecuteContext): Promise<T> {
    this.#active++;
    try {
      return await fn(ctx);
    } finally {
      this.#active--;
      this.#queue.shift()?.start();
    }
  }
}
