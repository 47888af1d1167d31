import type { Exchange, Order } from '../exchange/index.js';
import { abortableSleep, type Backoff, type Random, type Timers } from '../resilience/index.js';
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

/**
 * Asks the venue for the order by its client id, with backoff between failed asks. Only an
 * answer counts: `absent` is the venue saying it has no such order, never a failed call.
 */
export async function lookupOrder(
  exchange: Exchange,
  symbol: string,
  clientOrderId: string,
  o: LookupOptions,
): Promise<LookupResult> {
  let previous = 0;
  for (let i = 0; i < o.attempts; i++) {
    try {
      const order = await exchange.fetchOrderByClientId(symbol, clientOrderId, { signal: o.signal });
      return order === null ? { kind: 'absent' } : { kind: 'found', order };
    } catch (err) {
      o.errors.push(recordError(err, o.clock.now()));
      if (o.signal.aborted) throw err;
      if (i < o.attempts - 1) {
        previous = o.backoff.delay(i, previous, o.random);
        await abortableSleep(previous, o.signal, o.timers);
      }
    }
  }
  return { kind: 'unknown' };
}
