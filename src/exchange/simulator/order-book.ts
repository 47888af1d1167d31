import type { OrderSide, OrderStatus, OrderType } from '../types.js';

/** The simulator's mutable record of one order. */
export interface SimOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly amount: number;
  /** Limit price (market orders: the fill price once filled). */
  price: number | null;
  filled: number;
  /** Average fill price, or `null` before any fill. */
  average: number | null;
  status: OrderStatus;
  readonly timestamp: number;
  /** What this order holds in reserve: currency and amount. */
  reserved: { currency: string; amount: number } | null;
  readonly reduceOnly: boolean;
}

/** One resting level in a book snapshot. */
export interface BookLevel {
  readonly price: number;
  readonly amount: number;
  /** The resting order's id, or `null` for the simulator's synthetic liquidity at the touch. */
  readonly orderId: string | null;
}

/** A snapshot of one symbol's book for inspection. */
export interface BookSnapshot {
  readonly symbol: string;
  readonly mid: number;
  readonly bid: number;
  readonly ask: number;
  /** When the mid last moved (ms since epoch). */
  readonly updatedAt: number;
  /** Best first: the synthetic touch, then resting buy orders by price. */
  readonly bids: readonly BookLevel[];
  /** Best first: the synthetic touch, then resting sell orders by price. */
  readonly asks: readonly BookLevel[];
}

/**
 * One symbol's book: a mid price with a synthetic touch (mid ± half the spread, unlimited
 * size) and the resting limit orders of the simulated account.
 */
export class OrderBook {
  readonly symbol: string;
  readonly #halfSpread: number;
  #mid: number;
  #updatedAt: number;
  readonly #resting = new Map<string, SimOrder>();

  constructor(symbol: string, mid: number, spreadBps: number, now: number) {
    this.symbol = symbol;
    this.#mid = mid;
    this.#halfSpread = spreadBps / 20_000;
    this.#updatedAt = now;
  }

  get mid(): number {
    return this.#mid;
  }
  get bid(): number {
    return this.#mid * (1 - this.#halfSpread);
  }
  get ask(): number {
    return this.#mid * (1 + this.#halfSpread);
  }
  get updatedAt(): number {
    return this.#updatedAt;
  }

  /** The price a taker on `side` trades at. */
  touch(side: OrderSide): number {
    return side === 'buy' ? this.ask : this.bid;
  }

  /** True when a limit order at `price` on `side` crosses the touch. */
  crosses(side: OrderSide, price: number): boolean {
    return side === 'buy' ? price >= this.ask : price <= this.bid;
  }

  rest(order: SimOrder): void {
    this.#resting.set(order.id, order);
  }

  remove(id: string): void {
    this.#resting.delete(id);
  }

  resting(): SimOrder[] {
    return [...this.#resting.values()];
  }

  /** Moves the mid and returns the resting orders that now cross (the caller fills them). */
  setMid(mid: number, now: number): SimOrder[] {
    this.#mid = mid;
    this.#updatedAt = now;
    return this.resting().filter((o) => o.price !== null && this.crosses(o.side, o.price));
  }

  snapshot(): BookSnapshot {
    const level = (o: SimOrder): BookLevel => ({
      price: o.price ?? NaN,
      amount: o.amount - o.filled,
      orderId: o.id,
    });
    const resting = this.resting();
    const touchBid: BookLevel = { price: this.bid, amount: Infinity, orderId: null };
    const touchAsk: BookLevel = { price: this.ask, amount: Infinity, orderId: null };
    const bids = [touchBid, ...resting.filter((o) => o.side === 'buy').map(level)].sort(
      (a, b) => b.price - a.price,
    );
    const asks = [touchAsk, ...resting.filter((o) => o.side === 'sell').map(level)].sort(
      (a, b) => a.price - b.price,
    );
    return Object.freeze({
      symbol: this.symbol,
      mid: this.mid,
      bid: this.bid,
      ask: this.ask,
      updatedAt: this.#updatedAt,
      bids: Object.freeze(bids),
      asks: Object.freeze(asks),
    });
  }
}
