import type { Exchange } from '../exchange/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ReferenceClockError } from './reference-clock-error.js';

/** One reading of a reference clock: its time and this host's at the same instant, and how long it took. */
export interface ReferenceReading {
  /** The reference's time (ms since the epoch). */
  readonly time: number;
  /** This host's clock at the instant `time` refers to (ms since the epoch). */
  readonly localTime: number;
  /** Round trip of the reading (ms); the reading is uncertain by about half of it. */
  readonly rttMs: number;
}

/**
 * A clock that is not this host's, to measure this host's drift against. `now()` rejects with
 * a `ReferenceClockError` when the reference cannot be read; that is never "no drift".
 */
export interface ReferenceClock {
  /** A short name for reports and alerts, e.g. `sntp:time.example:123`, `venue:binance`, `postgres`. */
  readonly name: string;
  /** Reads the reference once; aborts with the signal. */
  now(signal?: AbortSignal): Promise<ReferenceReading>;
  /** Releases sockets or connections. */
  close?(): Promise<void>;
}

/** Times one request whose answer is the reference's time at some instant of the round trip. */
export async function timeRequest(clock: Clock, ask: () => Promise<number>): Promise<ReferenceReading> {
  const t0 = clock.now();
  const time = await ask();
  const t1 = clock.now();
  return { time, localTime: (t0 + t1) / 2, rttMs: t1 - t0 };
}

/** The venue's server time (`Exchange.fetchServerTime`) as a reference clock. */
export class ExchangeReferenceClock implements ReferenceClock {
  readonly name: string;
  readonly #exchange: Exchange;
  readonly #clock: Clock;

  constructor(exchange: Exchange, opts: { readonly clock?: Clock } = {}) {
    this.#exchange = exchange;
    this.#clock = opts.clock ?? systemClock;
    this.name = `venue:${exchange.id}`;
  }

  async now(signal?: AbortSignal): Promise<ReferenceReading> {
    try {
      const r = await timeRequest(this.#clock, () => this.#exchange.fetchServerTime({ signal }));
      if (!Number.isFinite(r.time) || r.time <= 0)
        throw new ReferenceClockError(this.name, `server time is not a time (got ${r.time})`);
      return r;
    } catch (err) {
      if (err instanceof ReferenceClockError) throw err;
      throw new ReferenceClockError(this.name, `server time unavailable: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
