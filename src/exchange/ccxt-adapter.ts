import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { BadExchangeDataError } from './bad-exchange-data-error.js';
import { fromCcxtError } from './ccxt-errors.js';
import { parseRetryAfter } from '../resilience/http-failure.js';
import { parseBalances, parseOrder, parseOrders, parsePosition, parseTicker } from './ccxt-parse.js';
import type { Exchange } from './exchange.js';
import { DDoSProtection, NotSupported, OrderNotFound } from './exchange-error.js';
import { validateOrderRequest } from './order-request.js';
import type {
  Balance,
  CallOptions,
  CreateOrderRequest,
  DeadMansSwitchResult,
  Order,
  Position,
  Ticker,
} from './types.js';

type Params = Record<string, unknown>;

/** The part of a ccxt exchange instance Warden uses; typed structurally so ccxt is never imported at runtime. */
export interface CcxtLike {
  readonly id: string;
  readonly has: Readonly<Record<string, unknown>>;
  /** ccxt's per-instance options (Binance's `recvWindow` and `timeDifference` live there). */
  options?: Record<string, unknown>;
  last_response_headers?: unknown;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Params,
  ): Promise<unknown>;
  fetchOrder(id: string | undefined, symbol?: string, params?: Params): Promise<unknown>;
  fetchOpenOrders(symbol?: string, since?: number, limit?: number, params?: Params): Promise<unknown>;
  fetchClosedOrders(symbol?: string, since?: number, limit?: number, params?: Params): Promise<unknown>;
  cancelOrder(id: string, symbol?: string, params?: Params): Promise<unknown>;
  cancelAllOrders(symbol?: string, params?: Params): Promise<unknown>;
  fetchPositions(symbols?: string[], params?: Params): Promise<unknown>;
  fetchBalance(params?: Params): Promise<unknown>;
  fetchTicker(symbol: string, params?: Params): Promise<unknown>;
  fetchTime(params?: Params): Promise<unknown>;
  cancelAllOrdersAfter(timeout: number, params?: Params): Promise<unknown>;
  close?(): Promise<unknown>;
}

/** How a venue takes a client order id on create, and how it finds an order by one. */
export interface ClientIdConvention {
  /** The createOrder param that carries the client order id. */
  readonly createParam: string;
  /** The fetchOrder param that looks an order up by client id, or `null` to scan open and closed orders. */
  readonly fetchParam: string | null;
}

/** The venues whose native conventions Warden knows; any other venue gets ccxt's unified `clientOrderId` and a scan. */
export const clientIdConventions: Readonly<Record<string, ClientIdConvention>> = Object.freeze({
  binance: { createParam: 'newClientOrderId', fetchParam: 'origClientOrderId' },
  binanceus: { createParam: 'newClientOrderId', fetchParam: 'origClientOrderId' },
  binanceusdm: { createParam: 'newClientOrderId', fetchParam: 'origClientOrderId' },
  binancecoinm: { createParam: 'newClientOrderId', fetchParam: 'origClientOrderId' },
  okx: { createParam: 'clOrdId', fetchParam: 'clOrdId' },
  bybit: { createParam: 'orderLinkId', fetchParam: null },
  kucoin: { createParam: 'clientOid', fetchParam: null },
});

const genericConvention: ClientIdConvention = Object.freeze({
  createParam: 'clientOrderId',
  fetchParam: null,
});

/** Options of `CcxtExchange`. */
export interface CcxtExchangeOptions {
  /** `venue` asks `fetchPositions()`; `none` (spot accounts) answers an empty list. Default `venue`. */
  readonly positions?: 'venue' | 'none';
  /** Overrides the client-id convention looked up by the instance's `id`. */
  readonly clientIds?: ClientIdConvention;
  /** For Retry-After dates. */
  readonly clock?: Clock;
  /**
   * The receive window Warden relies on (ms, default 5000, Binance's own): set as ccxt's
   * `recvWindow` on Binance venues, so every signed request carries it and the venue refuses a
   * request older than it. Other venues have no such parameter: there it is the longest time
   * after a send that the venue is assumed to accept the request (docs/orders.md).
   */
  readonly recvWindowMs?: number;
}

/**
 * `Exchange` over any ccxt exchange instance. Errors become Warden's classes of the same
 * name (`fromCcxtError`), answers are validated (`BadExchangeDataError`), and an aborted
 * signal stops the wait, not the request already sent.
 */
export class CcxtExchange implements Exchange {
  readonly id: string;
  readonly #ccxt: CcxtLike;
  readonly #positions: 'venue' | 'none';
  readonly #ids: ClientIdConvention;
  readonly #clock: Clock;
  readonly #binance: boolean;
  #marketsWatched: unknown = undefined;
  /** See `CcxtExchangeOptions.recvWindowMs`. */
  readonly receiveWindowMs: number;

  constructor(exchange: CcxtLike, options: CcxtExchangeOptions = {}) {
    if (typeof exchange !== 'object' || exchange === null || typeof exchange.createOrder !== 'function') {
      throw new RangeError(`exchange must be a ccxt exchange instance, got ${typeof exchange}`);
    }
    const positions = options.positions ?? 'venue';
    if (positions !== 'venue' && positions !== 'none') {
      throw new RangeError(`positions must be 'venue' or 'none', got ${String(positions)}`);
    }
    this.#ccxt = exchange;
    this.id = exchange.id;
    this.#positions = positions;
    this.#ids = Object.freeze({
      ...(options.clientIds ?? clientIdConventions[exchange.id] ?? genericConvention),
    });
    this.#clock = options.clock ?? systemClock;
    const recv = options.recvWindowMs ?? 5_000;
    if (!Number.isInteger(recv) || recv < 1 || recv > 60_000)
      throw new RangeError(`recvWindowMs must be an integer in [1, 60000], got ${String(recv)}`);
    this.receiveWindowMs = recv;
    this.#binance = exchange.id.startsWith('binance');
    // ccxt's binance default is 10 s: Warden sends the window it knows, with every signed request
    if (this.#binance) {
      if (exchange.options === undefined) exchange.options = {};
      exchange.options['recvWindow'] = recv;
    }
  }

  /** The client-id convention in use. */
  get clientIdConvention(): ClientIdConvention {
    return this.#ids;
  }

  /** Validates the request (`InvalidOrder`, nothing sent), then places it under the venue's client-id param. */
  async createOrder(r: CreateOrderRequest, options?: CallOptions): Promise<Order> {
    validateOrderRequest(r);
    const params: Params = { [this.#ids.createParam]: r.clientOrderId };
    if (r.reduceOnly === true) params['reduceOnly'] = true;
    if (this.#binance && r.sentAt !== undefined) {
      // the recorded send time is the request's timestamp (with ccxt's own clock correction), so
      // the venue refuses it once sentAt + recvWindow has passed: the executor relies on that
      const diff = this.#ccxt.options?.['timeDifference'];
      params['timestamp'] = r.sentAt - (typeof diff === 'number' && Number.isFinite(diff) ? diff : 0);
      params['recvWindow'] = this.receiveWindowMs;
    }
    const price = r.type === 'limit' ? r.price : undefined;
    const raw = await this.#call(options, () =>
      this.#ccxt.createOrder(r.symbol, r.type, r.side, r.amount, price, params),
    );
    const order = parseOrder(raw);
    if (order.clientOrderId !== r.clientOrderId) {
      throw new BadExchangeDataError(
        'order.clientOrderId',
        JSON.stringify(r.clientOrderId),
        order.clientOrderId,
      );
    }
    return order;
  }

  async fetchOrderByClientId(
    symbol: string,
    clientOrderId: string,
    options?: CallOptions,
  ): Promise<Order | null> {
    const param = this.#ids.fetchParam;
    if (param !== null) {
      try {
        return parseOrder(
          await this.#call(options, () =>
            this.#ccxt.fetchOrder(undefined, symbol, { [param]: clientOrderId }),
          ),
        );
      } catch (err) {
        if (err instanceof OrderNotFound) return null;
        throw err;
      }
    }
    const open = parseOrders(await this.#call(options, () => this.#ccxt.fetchOpenOrders(symbol)));
    const found = open.find((o) => o.clientOrderId === clientOrderId);
    if (found !== undefined) return found;
    if (this.#ccxt.has['fetchClosedOrders'] !== true && this.#ccxt.has['fetchClosedOrders'] !== 'emulated') {
      throw new NotSupported(
        `${this.id}: cannot look up order ${clientOrderId} by client id (no fetchClosedOrders)`,
      );
    }
    const closed = parseOrders(await this.#call(options, () => this.#ccxt.fetchClosedOrders(symbol)));
    return closed.findLast((o) => o.clientOrderId === clientOrderId) ?? null;
  }

  async cancelOrder(id: string, symbol: string, options?: CallOptions): Promise<Order> {
    return parseOrder(await this.#call(options, () => this.#ccxt.cancelOrder(id, symbol)));
  }

  /** Cancels every open order; with no symbol on a venue that needs one, cancels symbol by symbol. A venue that does not list what it canceled yields `[]`. */
  async cancelAllOrders(symbol?: string, options?: CallOptions): Promise<Order[]> {
    if (symbol === undefined && this.#ccxt.id.startsWith('binance')) {
      const open = await this.fetchOpenOrders(undefined, options);
      const out: Order[] = [];
      for (const s of new Set(open.map((o) => o.symbol)))
        out.push(...(await this.cancelAllOrders(s, options)));
      return out;
    }
    let raw: unknown;
    try {
      raw = await this.#call(options, () => this.#ccxt.cancelAllOrders(symbol));
    } catch (err) {
      // Binance answers -2011 "Unknown order sent." when nothing is open: nothing to cancel.
      if (err instanceof OrderNotFound) return [];
      throw err;
    }
    return Array.isArray(raw) ? parseOrders(raw, 'canceled') : [];
  }

  async fetchOpenOrders(symbol?: string, options?: CallOptions): Promise<Order[]> {
    return parseOrders(await this.#call(options, () => this.#ccxt.fetchOpenOrders(symbol)), 'openOrders');
  }

  async fetchPositions(options?: CallOptions): Promise<Position[]> {
    if (this.#positions === 'none') return [];
    if (this.#ccxt.has['fetchPositions'] !== true) throw new NotSupported(`${this.id} has no fetchPositions`);
    const raw = await this.#call(options, () => this.#ccxt.fetchPositions());
    if (!Array.isArray(raw)) throw new BadExchangeDataError('positions', 'an array', raw);
    return raw.map((p, i) => parsePosition(p, `positions[${i}]`)).filter((p) => p.amount !== 0);
  }

  async fetchBalances(options?: CallOptions): Promise<Balance[]> {
    return parseBalances(await this.#call(options, () => this.#ccxt.fetchBalance()));
  }

  async fetchTicker(symbol: string, options?: CallOptions): Promise<Ticker> {
    return parseTicker(await this.#call(options, () => this.#ccxt.fetchTicker(symbol)));
  }

  async fetchServerTime(options?: CallOptions): Promise<number> {
    const t = await this.#call(options, () => this.#ccxt.fetchTime());
    if (typeof t !== 'number' || !Number.isFinite(t))
      throw new BadExchangeDataError('serverTime', 'a finite number', t);
    return t;
  }

  async armDeadMansSwitch(timeoutMs: number, options?: CallOptions): Promise<DeadMansSwitchResult> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
    }
    if (this.#ccxt.has['cancelAllOrdersAfter'] !== true) {
      return { status: 'unsupported', reason: `${this.id} has no cancelAllOrdersAfter in ccxt` };
    }
    try {
      await this.#call(options, () => this.#ccxt.cancelAllOrdersAfter(timeoutMs));
    } catch (err) {
      if (err instanceof NotSupported) return { status: 'unsupported', reason: err.message };
      throw err;
    }
    return timeoutMs === 0 ? { status: 'disarmed' } : { status: 'armed', timeoutMs };
  }

  /** Closes the ccxt instance (its sockets, if it has any). */
  async close(): Promise<void> {
    await this.#ccxt.close?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #call<T>(options: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    try {
      const p = fn();
      this.#retryFailedMarkets();
      return signal === undefined ? await p : await raceAbort(p, signal);
    } catch (err) {
      // ccxt throws a bare SyntaxError when a venue's number does not parse (e.g. "NaN").
      if (err instanceof SyntaxError)
        throw new BadExchangeDataError('response', 'parseable by ccxt', err.message, { cause: err });
      const mapped = fromCcxtError(err);
      if (mapped instanceof DDoSProtection && mapped.retryAfterMs === undefined) {
        const retryAfterMs = this.#retryAfter();
        if (retryAfterMs !== undefined) throw fromCcxtError(err, retryAfterMs);
      }
      throw mapped;
    }
  }

  /**
   * ccxt keeps the promise of its first `loadMarkets` (which every call awaits), a rejected one
   * too: one market-metadata read that failed (a timeout under load) would fail every later call
   * of the client with that same error, without asking the venue again. A rejected load is
   * forgotten, so the next call (a retry, the next reconciliation) loads the markets afresh.
   */
  #retryFailedMarkets(): void {
    const c = this.#ccxt as { marketsLoading?: unknown };
    const loading = c.marketsLoading;
    if (!(loading instanceof Promise) || this.#marketsWatched === loading) return;
    this.#marketsWatched = loading;
    loading.catch(() => {
      if (c.marketsLoading === loading) c.marketsLoading = undefined;
    });
  }

  #retryAfter(): number | undefined {
    const headers = this.#ccxt.last_response_headers;
    if (typeof headers !== 'object' || headers === null) return undefined;
    return parseRetryAfter((headers as Record<string, unknown>)['Retry-After'], this.#clock.now());
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
