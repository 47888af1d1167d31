import { systemClock, type Clock } from '../../util/clock.js';
import { BadSymbol, DuplicateOrderId, InvalidOrder, NotSupported, OrderNotFound } from '../exchange-error.js';
import { validateOrderRequest } from '../order-request.js';
import type { Balance, CreateOrderRequest, Order, Position, Ticker } from '../types.js';
import { FaultInjector, type FaultConfig } from './fault-injector.js';
import { Ledger, type InitialPosition } from './ledger.js';
import { OrderBook, type BookSnapshot, type SimOrder } from './order-book.js';
import { seededRandom } from '../../util/seeded-random.js';

/** A market the simulator lists. */
export interface SimMarket {
  /** Unified symbol `BASE/QUOTE`, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** Starting mid price. */
  readonly mid: number;
  /** Bid-ask spread in basis points of the mid. Default 10. */
  readonly spreadBps?: number;
  /** Price increment advertised to clients. Default 0.01. */
  readonly tickSize?: number;
  /** Amount increment advertised to clients. Default 0.00001. */
  readonly stepSize?: number;
  /**
   * Size available at the touch for each taker order and each mid move; a larger order fills
   * partly (a market order's rest is canceled, a limit order's rest stays on the book). Default unlimited.
   */
  readonly touchSize?: number;
}

/** Options of `ExchangeSimulator`. */
export interface SimulatorOptions {
  readonly markets: readonly SimMarket[];
  /** Starting free balances by currency. */
  readonly balances: Readonly<Record<string, number>>;
  readonly clock?: Clock;
  /** Seed of every random draw (faults, latency, bad data). Default 1. */
  readonly seed?: number;
  readonly faults?: FaultConfig;
  /** Whether the venue offers a dead man's switch. Default true. */
  readonly deadMansSwitch?: boolean;
  /** Positions the account starts with, by symbol (fills move them from there). Default none. */
  readonly positions?: Readonly<Record<string, InitialPosition>>;
}

/** Binance's client order id rule: 1 to 36 of `.A-Z:/a-z0-9_-`. */
const clientOrderIdPattern = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/**
 * An in-process venue: order books with fills, balances, positions, client-order-id
 * uniqueness among open orders, cancel, cancel-all and a dead man's switch. Synchronous and
 * fault-free by itself; `InProcessExchange` and `SimulatorHttpServer` apply `faults` around it.
 */
export class ExchangeSimulator {
  /** The fault plan shared by every front end of this simulator. */
  readonly faults: FaultInjector;
  /** Whether the venue offers a dead man's switch. */
  readonly supportsDeadMansSwitch: boolean;
  readonly #clock: Clock;
  readonly #markets = new Map<string, Required<SimMarket> & { base: string; quote: string }>();
  readonly #books = new Map<string, OrderBook>();
  readonly #ledger: Ledger;
  readonly #orders = new Map<string, SimOrder>();
  /** Every order id ever placed under a client id, oldest first. */
  readonly #byClientId = new Map<string, string[]>();
  /** The open order holding each client id. */
  readonly #openByClientId = new Map<string, string>();
  #nextId = 1;
  #deadline: number | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: SimulatorOptions) {
    this.#clock = options.clock ?? systemClock;
    const seed = options.seed ?? 1;
    this.faults = new FaultInjector(seededRandom(seed), options.faults);
    this.supportsDeadMansSwitch = options.deadMansSwitch ?? true;
    if (!Array.isArray(options.markets) || options.markets.length === 0) {
      throw new RangeError(`markets must list at least one market, got ${JSON.stringify(options.markets)}`);
    }
    for (const m of options.markets) {
      const [base, quote, extra] = String(m.symbol).split('/');
      if (!base || !quote || extra !== undefined) {
        throw new RangeError(`markets[].symbol must be BASE/QUOTE, got ${String(m.symbol)}`);
      }
      positive(`markets[${m.symbol}].mid`, m.mid);
      const market = {
        symbol: m.symbol,
        mid: m.mid,
        spreadBps: nonNegative(`markets[${m.symbol}].spreadBps`, m.spreadBps ?? 10),
        tickSize: positive(`markets[${m.symbol}].tickSize`, m.tickSize ?? 0.01),
        stepSize: positive(`markets[${m.symbol}].stepSize`, m.stepSize ?? 0.00001),
        touchSize:
          m.touchSize === undefined ? Infinity : positive(`markets[${m.symbol}].touchSize`, m.touchSize),
        base,
        quote,
      };
      this.#markets.set(m.symbol, market);
      this.#books.set(m.symbol, new OrderBook(m.symbol, m.mid, market.spreadBps, this.#clock.now()));
    }
    for (const symbol of Object.keys(options.positions ?? {})) {
      if (!this.#markets.has(symbol)) throw new RangeError(`positions.${symbol}: no such market`);
    }
    this.#ledger = new Ledger(options.balances, options.positions);
  }

  /** The clock the simulator stamps orders with. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Every listed market with its base and quote currencies. */
  markets(): ReadonlyArray<Readonly<Required<SimMarket> & { base: string; quote: string }>> {
    return [...this.#markets.values()];
  }

  /**
   * Places an order: a market order fills at the touch (up to `touchSize`, the rest canceled);
   * a limit order fills at the touch when it crosses (up to `touchSize`) and rests for the rest.
   */
  placeOrder(request: CreateOrderRequest): Order {
    this.tick();
    const book = this.#book(request.symbol);
    const market = this.#markets.get(request.symbol)!;
    validateOrderRequest(request, clientOrderIdPattern);
    if (this.#openByClientId.has(request.clientOrderId)) {
      throw new DuplicateOrderId(`client order id ${request.clientOrderId} is already used by an open order`);
    }
    const side = request.side;
    if (request.reduceOnly === true) {
      const pos = this.#ledger.position(request.symbol);
      const reduces = side === 'buy' ? pos < 0 : pos > 0;
      if (!reduces || request.amount > Math.abs(pos) + 1e-12) {
        throw new InvalidOrder(
          `reduce-only ${side} of ${request.amount} would not reduce the position of ${pos}`,
        );
      }
    }
    const crosses = request.type === 'market' || book.crosses(side, request.price!);
    const fillPrice = book.touch(side);
    const takeQty = crosses ? Math.min(request.amount, market.touchSize) : 0;
    // Funds are checked (market) or reserved whole (limit) before anything else changes, so a
    // rejection leaves nothing behind. Each fill of a limit order then releases its share.
    let reserved: SimOrder['reserved'] = null;
    if (request.type === 'market') {
      if (side === 'buy') this.#ledger.require(market.quote, takeQty * fillPrice);
      else this.#ledger.require(market.base, takeQty);
    } else {
      reserved =
        side === 'buy'
          ? { currency: market.quote, amount: request.amount * request.price! }
          : { currency: market.base, amount: request.amount };
      this.#ledger.reserve(reserved.currency, reserved.amount);
    }
    const order: SimOrder = {
      id: String(this.#nextId),
      clientOrderId: request.clientOrderId,
      symbol: request.symbol,
      side,
      type: request.type,
      amount: request.amount,
      price: request.type === 'limit' ? request.price! : null,
      filled: 0,
      average: null,
      status: 'open',
      timestamp: this.#clock.now(),
      reserved,
      reduceOnly: request.reduceOnly === true,
    };
    this.#nextId += 1;
    this.#orders.set(order.id, order);
    const ids = this.#byClientId.get(order.clientOrderId) ?? [];
    ids.push(order.id);
    this.#byClientId.set(order.clientOrderId, ids);
    if (takeQty > 0) this.#fill(order, fillPrice, takeQty);
    if (order.status === 'open') {
      if (order.type === 'market') {
        this.#close(order, 'canceled'); // the touch ran out: the rest of a market order expires
      } else {
        this.#openByClientId.set(order.clientOrderId, order.id);
        book.rest(order);
      }
    }
    return snapshot(order);
  }

  /** The latest order placed under `clientOrderId` in `symbol`, or `null`. */
  orderByClientId(symbol: string, clientOrderId: string): Order | null {
    this.tick();
    this.#book(symbol);
    const ids = this.#byClientId.get(clientOrderId) ?? [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const o = this.#orders.get(ids[i]!)!;
      if (o.symbol === symbol) return snapshot(o);
    }
    return null;
  }

  /** The order with venue id `id`, or `null`. */
  order(id: string): Order | null {
    this.tick();
    const o = this.#orders.get(id);
    return o === undefined ? null : snapshot(o);
  }

  /** Cancels an open order; throws OrderNotFound when it is unknown or no longer open. */
  cancelOrder(id: string, symbol: string): Order {
    this.tick();
    this.#book(symbol);
    const o = this.#orders.get(id);
    if (o === undefined || o.symbol !== symbol || o.status !== 'open') {
      throw new OrderNotFound(`order ${id} in ${symbol} is not open`);
    }
    this.#close(o, 'canceled');
    return snapshot(o);
  }

  /** Cancels every open order (of `symbol` when given). */
  cancelAllOrders(symbol?: string): Order[] {
    this.tick();
    return this.#cancelAll(symbol);
  }

  /** Open orders (of `symbol` when given), oldest first. */
  openOrders(symbol?: string): Order[] {
    this.tick();
    if (symbol !== undefined) this.#book(symbol);
    return this.#open(symbol).map(snapshot);
  }

  /** Every order ever placed, oldest first (for tests and inspection). */
  allOrders(): Order[] {
    return [...this.#orders.values()].map(snapshot);
  }

  balances(): Balance[] {
    this.tick();
    return this.#ledger.balances();
  }

  positions(): Position[] {
    this.tick();
    return this.#ledger.positions();
  }

  /** The true top of book (faults are applied by the front ends). */
  ticker(symbol: string): Ticker {
    this.tick();
    const book = this.#book(symbol);
    return Object.freeze({
      symbol,
      bid: book.bid,
      ask: book.ask,
      last: book.mid,
      timestamp: this.#clock.now(),
    });
  }

  /** A snapshot of `symbol`'s book: the synthetic touch and the resting orders. */
  book(symbol: string): BookSnapshot {
    return this.#book(symbol).snapshot();
  }

  /** Moves the mid of `symbol`; resting orders that now cross fill at their limit price, each up to `touchSize`. */
  setMid(symbol: string, mid: number): void {
    positive('mid', mid);
    this.tick();
    const touchSize = this.#markets.get(symbol)?.touchSize ?? Infinity;
    for (const o of this.#book(symbol).setMid(mid, this.#clock.now())) {
      this.#fill(o, o.price!, Math.min(o.amount - o.filled, touchSize));
    }
  }

  /** The venue's clock. */
  serverTime(): number {
    this.tick();
    return this.#clock.now();
  }

  /** Arms the dead man's switch for `timeoutMs` (0 disarms); throws NotSupported when configured without one. */
  armDeadMansSwitch(timeoutMs: number): void {
    if (!this.supportsDeadMansSwitch) throw new NotSupported("this venue has no dead man's switch");
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
    }
    this.tick();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (timeoutMs === 0) {
      this.#deadline = null;
      return;
    }
    this.#deadline = this.#clock.now() + timeoutMs;
    this.#timer = setTimeout(() => this.tick(), timeoutMs + 1);
    this.#timer.unref();
  }

  /** When the armed dead man's switch fires (ms since epoch), or `null`. */
  get deadManDeadline(): number | null {
    return this.#deadline;
  }

  /** Fires the dead man's switch when its deadline has passed; every public method calls it first. */
  tick(): void {
    if (this.#deadline !== null && this.#clock.now() >= this.#deadline) {
      this.#deadline = null;
      this.#cancelAll(undefined);
    }
  }

  /** Clears the dead man's switch timer. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #book(symbol: string): OrderBook {
    const book = this.#books.get(symbol);
    if (book === undefined) throw new BadSymbol(`unknown symbol ${String(symbol)}`);
    return book;
  }

  #open(symbol: string | undefined): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.#orders.values()) {
      if (o.status === 'open' && (symbol === undefined || o.symbol === symbol)) out.push(o);
    }
    return out;
  }

  #cancelAll(symbol: string | undefined): Order[] {
    if (symbol !== undefined) this.#book(symbol);
    const canceled = this.#open(symbol);
    for (const o of canceled) this.#close(o, 'canceled');
    return canceled.map(snapshot);
  }

  /** Fills `qty` of `o` at `price`: releases its share of the reservation, settles, closes the order when done. */
  #fill(o: SimOrder, price: number, qty: number): void {
    const market = this.#markets.get(o.symbol)!;
    if (o.reserved !== null) {
      const share = Math.min(o.side === 'buy' ? qty * o.price! : qty, o.reserved.amount);
      this.#ledger.release(o.reserved.currency, share);
      o.reserved.amount -= share;
    }
    this.#ledger.fill(o.symbol, market.base, market.quote, o.side, qty, price);
    o.average = ((o.average ?? 0) * o.filled + price * qty) / (o.filled + qty);
    o.filled = Math.min(o.amount, Math.round((o.filled + qty) * 1e12) / 1e12);
    if (o.type === 'market') o.price = o.average;
    if (o.filled >= o.amount) this.#close(o, 'closed');
  }

  #close(o: SimOrder, status: 'closed' | 'canceled'): void {
    if (o.reserved !== null) this.#ledger.release(o.reserved.currency, o.reserved.amount);
    o.reserved = null;
    o.status = status;
    this.#books.get(o.symbol)!.remove(o.id);
    if (this.#openByClientId.get(o.clientOrderId) === o.id) this.#openByClientId.delete(o.clientOrderId);
  }
}

function snapshot(o: SimOrder): Order {
  return Object.freeze({
    id: o.id,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    amount: o.amount,
    price: o.price,
    filled: o.filled,
    average: o.average,
    status: o.status,
    timestamp: o.timestamp,
  });
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${String(v)}`);
  }
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}
