import type { Exchange } from '../exchange.js';
import {
  ExchangeError,
  ExchangeNotAvailable,
  NetworkError,
  NotSupported,
  RateLimitExceeded,
  RequestTimeout,
} from '../exchange-error.js';
import type {
  Balance,
  CallOptions,
  CreateOrderRequest,
  DeadMansSwitchResult,
  Order,
  Position,
  Ticker,
} from '../types.js';
import type { BadDataKind, SimOperation } from './fault-injector.js';
import { BINANCE_DEFAULT_RECV_WINDOW_MS, checkReceiveWindow } from './receive-window.js';
import type { ExchangeSimulator } from './simulator.js';

/** Waits `ms` or until `signal` aborts; injected so tests can advance a manual clock instead. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of `InProcessExchange`. */
export interface InProcessExchangeOptions {
  /** How injected latency is waited out. Default: an unref'd timer that ends on abort. */
  readonly sleep?: Sleep;
  /** The venue's receive window (ms): an order whose `sentAt` is older when it is accepted is refused (`InvalidNonce`). Default 5000. */
  readonly recvWindowMs?: number;
}

/**
 * `Exchange` straight over an `ExchangeSimulator`, with its faults applied as the errors a
 * ccxt client would raise: timeouts throw `RequestTimeout` (after acting, for
 * `timeout_after_accept`), 5xx `ExchangeNotAvailable`, 429 `RateLimitExceeded` with
 * `retryAfterMs`, a disconnect `NetworkError` after acting, a delayed acceptance `RequestTimeout`
 * now and the venue acting `acceptDelayMs` later. An order request carrying `sentAt` is refused
 * with `InvalidNonce` when it is accepted after `sentAt + recvWindowMs` (Binance's rule).
 */
export class InProcessExchange implements Exchange {
  readonly id = 'simulator';
  readonly #sim: ExchangeSimulator;
  readonly #sleep: Sleep;
  #closed = false;
  /** See `InProcessExchangeOptions.recvWindowMs`. */
  readonly receiveWindowMs: number;

  constructor(simulator: ExchangeSimulator, options: InProcessExchangeOptions = {}) {
    if (options.sleep !== undefined && typeof options.sleep !== 'function') {
      throw new RangeError(`sleep must be a function, got ${typeof options.sleep}`);
    }
    this.#sim = simulator;
    this.#sleep = options.sleep ?? realSleep;
    const rw = options.recvWindowMs ?? BINANCE_DEFAULT_RECV_WINDOW_MS;
    if (!Number.isInteger(rw) || rw < 1 || rw > 60_000)
      throw new RangeError(`recvWindowMs must be an integer in [1, 60000], got ${String(rw)}`);
    this.receiveWindowMs = rw;
  }

  createOrder(request: CreateOrderRequest, options?: CallOptions): Promise<Order> {
    return this.#call('createOrder', options, () => {
      if (request.sentAt !== undefined)
        checkReceiveWindow(this.#sim.serverTime(), request.sentAt, this.receiveWindowMs);
      return this.#sim.placeOrder(request);
    });
  }

  fetchOrderByClientId(symbol: string, clientOrderId: string, options?: CallOptions): Promise<Order | null> {
    return this.#call('fetchOrder', options, () => this.#sim.orderByClientId(symbol, clientOrderId));
  }

  cancelOrder(id: string, symbol: string, options?: CallOptions): Promise<Order> {
    return this.#call('cancelOrder', options, () => this.#sim.cancelOrder(id, symbol));
  }

  cancelAllOrders(symbol?: string, options?: CallOptions): Promise<Order[]> {
    return this.#call('cancelAllOrders', options, () => this.#sim.cancelAllOrders(symbol));
  }

  fetchOpenOrders(symbol?: string, options?: CallOptions): Promise<Order[]> {
    return this.#call('fetchOpenOrders', options, () => this.#sim.openOrders(symbol));
  }

  fetchPositions(options?: CallOptions): Promise<Position[]> {
    return this.#call('fetchPositions', options, () => this.#sim.positions());
  }

  fetchBalances(options?: CallOptions): Promise<Balance[]> {
    return this.#call('fetchBalances', options, () => this.#sim.balances());
  }

  fetchTicker(symbol: string, options?: CallOptions): Promise<Ticker> {
    return this.#call('fetchTicker', options, () =>
      corrupt(this.#sim.ticker(symbol), this.#sim.faults.badData(), this.#sim.faults.staleMs),
    );
  }

  fetchServerTime(options?: CallOptions): Promise<number> {
    return this.#call('fetchTime', options, () => this.#sim.serverTime());
  }

  async armDeadMansSwitch(timeoutMs: number, options?: CallOptions): Promise<DeadMansSwitchResult> {
    if (!this.#sim.supportsDeadMansSwitch) {
      return {
        status: 'unsupported',
        reason: "the simulated venue is configured without a dead man's switch",
      };
    }
    return this.#call('deadMansSwitch', options, () => {
      this.#sim.armDeadMansSwitch(timeoutMs);
      return timeoutMs === 0 ? { status: 'disarmed' } : { status: 'armed', timeoutMs };
    });
  }

  /** Marks the adapter closed; the simulator itself is the caller's to close. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #call<T>(operation: SimOperation, options: CallOptions | undefined, act: () => T): Promise<T> {
    if (this.#closed) throw new ExchangeError('the in-process exchange is closed');
    const signal = options?.signal;
    signal?.throwIfAborted();
    const fault = this.#sim.faults.next(operation);
    const latency = this.#sim.faults.latency();
    if (latency > 0) await this.#sleep(latency, signal);
    signal?.throwIfAborted();
    if (fault === null) return act();
    switch (fault) {
      case 'timeout_before_accept':
        throw new RequestTimeout(`simulator: ${operation} timed out before the venue received it (injected)`);
      case 'timeout_after_accept':
        actQuietly(act);
        throw new RequestTimeout(`simulator: ${operation} timed out after the venue accepted it (injected)`);
      case 'http_5xx':
        throw new ExchangeNotAvailable(`simulator: ${operation} got 503 Service Unavailable (injected)`);
      case 'http_429':
        throw new RateLimitExceeded(`simulator: ${operation} got 429 Too Many Requests (injected)`, {
          retryAfterMs: this.#sim.faults.retryAfterMs,
        });
      case 'delayed_accept':
        // the venue holds the request and acts on it later; the caller has given up by then
        void this.#sleep(this.#sim.faults.acceptDelayMs).then(
          () => actQuietly(act),
          () => undefined,
        );
        throw new RequestTimeout(
          `simulator: ${operation} timed out; the venue accepts it ${this.#sim.faults.acceptDelayMs} ms after receipt (injected)`,
        );
      case 'disconnect':
        actQuietly(act);
        throw new NetworkError(
          `simulator: connection dropped after ${operation} reached the venue (injected)`,
        );
      default:
        throw new NotSupported(`simulator: unknown fault ${String(fault satisfies never)}`);
    }
  }
}

/** The venue acts, but its answer (a result or a rejection) never reaches the caller. */
function actQuietly(act: () => unknown): void {
  try {
    act();
  } catch {
    // lost with the connection, as over the wire
  }
}

/** Applies a bad-data fault to a ticker. */
export function corrupt(t: Ticker, kind: BadDataKind | null, staleMs: number): Ticker {
  if (kind === null) return t;
  switch (kind) {
    case 'nan':
      return { ...t, bid: NaN, ask: NaN, last: NaN };
    case 'zero':
      return { ...t, bid: 0, ask: 0, last: 0 };
    case 'stale':
      return { ...t, timestamp: t.timestamp - staleMs };
    default:
      return kind satisfies never;
  }
}

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
