import type {
  Balance,
  CallOptions,
  CreateOrderRequest,
  DeadMansSwitchResult,
  Order,
  Position,
  Ticker,
} from './types.js';

/**
 * What the executor and reconciliation need from a venue.
 *
 * Implementations throw Warden's exchange errors (see `exchange-error.ts`), whose `name`
 * matches ccxt's class names, and `BadExchangeDataError` when an answer lacks a field.
 * A `RequestTimeout`, `NetworkError` or `ExchangeNotAvailable` from `createOrder` is
 * ambiguous: the order may have been placed; ask `fetchOrderByClientId` before resending.
 */
export interface Exchange {
  /** A short name for logs, e.g. `simulator` or `binance`. */
  readonly id: string;
  /**
   * The venue refuses a request whose `sentAt` is older than this (ms; Binance's `recvWindow`).
   * An order lookup that answers "absent" is confirmed only once this window (plus a clock
   * margin) has passed since the send. Absent: Binance's default, 5000.
   */
  readonly receiveWindowMs?: number;
  /** Places an order under the caller's client order id. */
  createOrder(request: CreateOrderRequest, options?: CallOptions): Promise<Order>;
  /** The order with this client id, or `null` when the venue confirms it does not exist. */
  fetchOrderByClientId(symbol: string, clientOrderId: string, options?: CallOptions): Promise<Order | null>;
  /** Cancels one order by venue id; throws `OrderNotFound` when the venue does not know it. */
  cancelOrder(id: string, symbol: string, options?: CallOptions): Promise<Order>;
  /** Cancels every open order (of one symbol when given); returns what was canceled. */
  cancelAllOrders(symbol?: string, options?: CallOptions): Promise<Order[]>;
  /** Open orders (of one symbol when given). */
  fetchOpenOrders(symbol?: string, options?: CallOptions): Promise<Order[]>;
  /** Net positions; an empty list on a spot venue configured without positions. */
  fetchPositions(options?: CallOptions): Promise<Position[]>;
  /** Balances of every currency the account holds. */
  fetchBalances(options?: CallOptions): Promise<Balance[]>;
  /** Top of book of one symbol. */
  fetchTicker(symbol: string, options?: CallOptions): Promise<Ticker>;
  /** The venue's clock (ms since epoch). */
  fetchServerTime(options?: CallOptions): Promise<number>;
  /**
   * Arms (or refreshes) the venue's dead man's switch: every open order is canceled when no
   * refresh arrives within `timeoutMs`; `0` disarms it. `unsupported` when the venue has none.
   */
  armDeadMansSwitch(timeoutMs: number, options?: CallOptions): Promise<DeadMansSwitchResult>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}
