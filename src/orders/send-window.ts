import type { Exchange } from '../exchange/index.js';
import { abortableSleep } from '../resilience/index.js';
import { lookupOrder, type LookupOptions, type LookupResult } from './order-lookup.js';

/** Binance's default `recvWindow`: a signed request older than this is refused by the venue. */
export const DEFAULT_RECEIVE_WINDOW_MS = 5_000;
/** Default allowance for the offset between this host's clock and the venue's. */
export const DEFAULT_CLOCK_MARGIN_MS = 1_000;

/** How long after its send time a request can still be accepted by the venue. */
export interface SendWindow {
  /** The venue refuses a request whose `timestamp` is older than this (Binance's `recvWindow`). */
  readonly receiveWindowMs: number;
  /** Added for the offset between this host's clock and the venue's. */
  readonly clockMarginMs: number;
}

/** The time after which a request sent at `sentAt` can no longer be accepted. */
export function acceptDeadline(sentAt: number, w: SendWindow): number {
  return sentAt + w.receiveWindowMs + w.clockMarginMs;
}

/** Validates a window; a bad value throws a RangeError naming it. */
export function checkSendWindow(w: SendWindow): SendWindow {
  for (const name of ['receiveWindowMs', 'clockMarginMs'] as const) {
    const v = w[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 600_000)
      throw new RangeError(`${name} must be an integer in [0, 600000], got ${String(v)}`);
  }
  return Object.freeze({ receiveWindowMs: w.receiveWindowMs, clockMarginMs: w.clockMarginMs });
}

/** The window of `exchange` (its declared receive window, else Binance's default) with `clockMarginMs`. */
export function sendWindowOf(exchange: Exchange, clockMarginMs = DEFAULT_CLOCK_MARGIN_MS): SendWindow {
  return checkSendWindow({
    receiveWindowMs: exchange.receiveWindowMs ?? DEFAULT_RECEIVE_WINDOW_MS,
    clockMarginMs,
  });
}

/**
 * The one rule every resend decision goes through (the executor after its own timeout, the
 * takeover of a stale claim, reconciliation). Asks the venue for the order by client id; an
 * answer of "absent" is confirmed only once the latest request, sent at `sentAt`, can no longer
 * be accepted (`sentAt + receive window + clock margin`). Until then "absent" means "not landed
 * yet": this waits for the deadline (ending early with the signal) and asks again. So `absent`
 * returned from here is the venue's word after the window closed; `unknown` means it could not
 * be asked. `onWait` runs before a wait (the caller renews its claim there).
 */
export async function lookupAfterWindow(
  exchange: Exchange,
  symbol: string,
  clientOrderId: string,
  sentAt: number,
  window: SendWindow,
  o: LookupOptions & { readonly onWait?: (untilMs: number) => Promise<void> },
): Promise<LookupResult> {
  const first = await lookupOrder(exchange, symbol, clientOrderId, o);
  if (first.kind !== 'absent') return first;
  const now = o.clock.now();
  const deadline = acceptDeadline(sentAt, window);
  if (now > deadline) return first;
  // A send time in the future (the clock stepped back) waits at most one whole window.
  const wait = Math.min(deadline - now, window.receiveWindowMs + window.clockMarginMs) + 1;
  await o.onWait?.(now + wait);
  await abortableSleep(wait, o.signal, o.timers);
  return lookupOrder(exchange, symbol, clientOrderId, o);
}
