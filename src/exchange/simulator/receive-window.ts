import { InvalidNonce } from '../exchange-error.js';

/** Binance's default `recvWindow` (ms), used when a signed request sends none. */
export const BINANCE_DEFAULT_RECV_WINDOW_MS = 5_000;
/** How far ahead of the venue's clock a request's timestamp may be (Binance: 1000 ms). */
export const BINANCE_AHEAD_MS = 1_000;
/** Binance's message for error -1021. */
export const RECV_WINDOW_MESSAGE = 'Timestamp for this request is outside of the recvWindow.';

/**
 * Binance's receive-window rule, as the venue applies it when a request arrives and again when
 * it is accepted: a request is processed only if `timestamp < serverTime + 1000` and
 * `serverTime - timestamp <= recvWindow`; else it is refused (-1021) and never acted on.
 * Throws `InvalidNonce` with Binance's message.
 */
export function checkReceiveWindow(serverTime: number, timestamp: number, recvWindowMs: number): void {
  if (timestamp < serverTime + BINANCE_AHEAD_MS && serverTime - timestamp <= recvWindowMs) return;
  throw new InvalidNonce(RECV_WINDOW_MESSAGE);
}
