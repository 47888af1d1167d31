/** Which way an order trades. */
export type OrderSide = 'buy' | 'sell';

/** How an order is priced: at the touch (`market`) or at a limit price (`limit`). */
export type OrderType = 'market' | 'limit';

/** Where an order stands, normalized across venues. */
export type OrderStatus = 'open' | 'closed' | 'canceled' | 'rejected';

/** An order as Warden sees it, whichever venue holds it. */
export interface Order {
  /** The venue's order id. */
  readonly id: string;
  /** The caller's client order id (the idempotency handle). */
  readonly clientOrderId: string;
  /** Unified symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Requested amount in base units. */
  readonly amount: number;
  /** Limit price; for a market order the average fill price, or `null` before any fill. */
  readonly price: number | null;
  /** Filled amount in base units. */
  readonly filled: number;
  /** Average fill price, or `null` before any fill. */
  readonly average: number | null;
  readonly status: OrderStatus;
  /** When the venue created the order (ms since epoch). */
  readonly timestamp: number;
}

/** A net position in one symbol (signed: positive long, negative short). */
export interface Position {
  readonly symbol: string;
  /** Signed size in base units. */
  readonly amount: number;
  /** Volume-weighted entry price of the open size, or `null` when flat or unknown. */
  readonly entryPrice: number | null;
}

/** A balance of one currency. */
export interface Balance {
  readonly currency: string;
  /** Available for new orders. */
  readonly free: number;
  /** Reserved by open orders. */
  readonly used: number;
  /** `free + used`. */
  readonly total: number;
}

/** Top of book for one symbol. Values are passed through as the venue sent them (a NaN, zero or old price is the data-freshness layer's to judge). */
export interface Ticker {
  readonly symbol: string;
  readonly bid: number;
  readonly ask: number;
  readonly last: number;
  /** When the venue says the price was taken (ms since epoch). */
  readonly timestamp: number;
}

/** What to place. */
export interface CreateOrderRequest {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly amount: number;
  /** Required for limit orders, ignored for market orders. */
  readonly price?: number;
  /** The caller's id, unique among the venue's open orders. */
  readonly clientOrderId: string;
  /** Only reduce an existing position. */
  readonly reduceOnly?: boolean;
  /**
   * When the caller sent it (ms since epoch), as recorded before the send: sent as the signed
   * request's `timestamp`, so the venue refuses it once it is older than its receive window.
   */
  readonly sentAt?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the wait for the answer (the request may still reach the venue). */
  readonly signal?: AbortSignal;
}

/** The outcome of arming the exchange-side dead man's switch. */
export type DeadMansSwitchResult =
  | { readonly status: 'armed'; readonly timeoutMs: number }
  | { readonly status: 'disarmed' }
  | { readonly status: 'unsupported'; readonly reason: string };
