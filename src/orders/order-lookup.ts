import type { Exchange, Order } from '../exchange/index.js';
import {
  failureClass,
  RetryPolicy,
  type Backoff,
  type FailureClass,
  type Random,
  type Timers,
} from '../resilience/index.js';
import type { Clock } from '../util/clock.js';
import { recordError, type RecordedError } from './types.js';

/** What the venue says about a client order id. `unknown`: it could not be asked (every lookup failed). */
export type LookupResult =
  | { readonly kind: 'found'; readonly order: Order }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown' };

/** How hard to ask. */
export interface LookupOptions {
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly random: Random;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Each failed lookup is appended here. */
  readonly errors: RecordedError[];
}

/** A lookup is a read: whatever failed, asking again is safe, so every failure is retried. */
const askAgain: FailureClass = Object.freeze(failureClass('unknown', 'retryable', 'lookup'));
const alwaysRetry = (): FailureClass => askAgain;

/**
 * The retry policy of `lookupOrder` and of reconciliation's reads: `attempts` asks with `backoff`
 * between them, every failure retried (a read cannot take effect twice), time and randomness injected.
 */
export function readRetryPolicy(o: Omit<LookupOptions, 'signal' | 'errors'>): RetryPolicy {
  return new RetryPolicy({
    maxAttempts: o.attempts,
    backoff: o.backoff,
    classify: alwaysRetry,
    random: o.random,
    timers: o.timers,
    clock: o.clock,
  });
}

/**
 * Asks the venue for the order by its client id, with backoff between failed asks (a
 * `RetryPolicy`). Only an answer counts: `absent` is the venue saying it has no such order,
 * never a failed call. An abort of `signal` is thrown, not turned into `unknown`.
 */
export async function lookupOrder(
  exchange: Exchange,
  symbol: string,
  clientOrderId: string,
  o: LookupOptions,
): Promise<LookupResult> {
  try {
    const order = await readRetryPolicy(o).execute(
      async ({ signal }) => {
        try {
          return await exchange.fetchOrderByClientId(symbol, clientOrderId, { signal });
        } catch (err) {
          o.errors.push(recordError(err, o.clock.now()));
          throw err;
        }
      },
      { signal: o.signal },
    );
    return order === null ? { kind: 'absent' } : { kind: 'found', order };
  } catch (err) {
    if (o.signal.aborted) throw err;
    return { kind: 'unknown' };
  }
}
