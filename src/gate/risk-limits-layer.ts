import type { Order } from '../exchange/index.js';
import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';

/** Options of the pre-trade risk limits; a limit left out is not checked. */
export interface RiskLimitsOptions {
  /** Largest notional of one order (amount × price, quote units). */
  readonly maxOrderNotional?: number;
  /** Largest absolute position per instrument after the order (base units), for every symbol. */
  readonly maxPosition?: number;
  /** Per-symbol position limits that differ from `maxPosition`. */
  readonly maxPositionBySymbol?: Readonly<Record<string, number>>;
  /** Most open orders at once, all instruments together; a new order must leave it at or under this. */
  readonly maxOpenOrders?: number;
}

/** A snapshot pushed into the layer (from reconciliation, a position feed, a ticker). */
export interface RiskUpdate {
  /** Signed positions by symbol (base units); symbols left out keep their value. */
  readonly positions?: Readonly<Record<string, number>>;
  /** Last good prices by symbol: market orders are valued at these. */
  readonly prices?: Readonly<Record<string, number>>;
  /** The number of open orders at the venue, replacing the count kept from `applyOrder`. */
  readonly openOrders?: number;
}

interface SymbolState {
  position: number;
  /** NaN while no price is known. */
  price: number;
  limit: number;
}

const SEEN_ORDERS = 10_000;

function limitOption(name: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0)
    throw new RangeError(`${name} must be a number >= 0, got ${String(v)}`);
  return v;
}

/**
 * Pre-trade risk limits: max order notional, max position per instrument, max open orders.
 * State is pushed (`update()`, `applyOrder()`); `check` reads it. An order with no limit price
 * is valued at the pushed last price; no price known → `risk_no_price_fail_closed`. A symbol
 * whose position was never pushed counts as flat. Reduce-only intents and cancels pass
 * (`reduce_only_pass`); every comparison is written so that NaN denies.
 */
export class RiskLimitsLayer implements GateLayer {
  readonly name = 'risk_limits';
  readonly #maxNotional: number;
  readonly #maxPosition: number;
  readonly #maxOpen: number;
  readonly #symbols = new Map<string, SymbolState>();
  /** Filled amount of every order seen lately, so an order applied twice is counted once. */
  readonly #filled = new Map<string, number>();
  readonly #open = new Set<string>();
  #openOrders = 0;
  /** The last symbol checked and its state (states are never removed): one strategy's symbol looks nothing up. */
  #lastSymbol: string | null = null;
  #lastState: SymbolState | undefined = undefined;
  readonly #allow = verdict('risk_limits', true, 'within_limits');
  readonly #reduce = verdict('risk_limits', true, 'reduce_only_pass');
  readonly #noPrice = verdict('risk_limits', false, 'risk_no_price_fail_closed');
  readonly #badAmount = verdict('risk_limits', false, 'risk_bad_amount_fail_closed');
  readonly #notional = verdict('risk_limits', false, 'max_order_notional');
  readonly #position = verdict('risk_limits', false, 'max_position');
  readonly #openMax = verdict('risk_limits', false, 'max_open_orders');

  constructor(options: RiskLimitsOptions) {
    if (typeof options !== 'object' || options === null)
      throw new RangeError('RiskLimitsLayer options must be an object');
    this.#maxNotional = limitOption('maxOrderNotional', options.maxOrderNotional);
    this.#maxPosition = limitOption('maxPosition', options.maxPosition);
    this.#maxOpen = limitOption('maxOpenOrders', options.maxOpenOrders);
    for (const [s, l] of Object.entries(options.maxPositionBySymbol ?? {}))
      this.#stateOf(s).limit = limitOption(`maxPositionBySymbol.${s}`, l);
  }

  /** Pushes positions, prices and the open-order count. A bad value throws a RangeError and changes nothing. */
  update(u: RiskUpdate): void {
    for (const [s, p] of Object.entries(u.positions ?? {}))
      if (typeof p !== 'number' || !Number.isFinite(p))
        throw new RangeError(`positions.${s} must be a finite number, got ${String(p)}`);
    for (const [s, p] of Object.entries(u.prices ?? {}))
      if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0)
        throw new RangeError(`prices.${s} must be a number > 0, got ${String(p)}`);
    if (u.openOrders !== undefined && (!Number.isInteger(u.openOrders) || u.openOrders < 0))
      throw new RangeError(`openOrders must be an integer >= 0, got ${String(u.openOrders)}`);
    for (const [s, p] of Object.entries(u.positions ?? {})) this.#stateOf(s).position = p;
    for (const [s, p] of Object.entries(u.prices ?? {})) this.#stateOf(s).price = p;
    if (u.openOrders !== undefined) {
      this.#openOrders = u.openOrders;
      this.#open.clear();
    }
  }

  /** Pushes a price tick for one symbol (NaN or non-positive forgets the price: market orders are then denied). */
  setPrice(symbol: string, price: number): void {
    this.#stateOf(symbol).price = Number.isFinite(price) && price > 0 ? price : NaN;
  }

  /** Folds an order the venue reported (placed, filled, closed) into positions and the open-order count; idempotent per order state. */
  applyOrder(order: Order): void {
    const before = this.#filled.get(order.id) ?? 0;
    const delta = order.filled - before;
    if (Number.isFinite(delta) && delta !== 0) {
      const st = this.#stateOf(order.symbol);
      st.position += order.side === 'buy' ? delta : -delta;
      if (order.average !== null && order.average > 0) st.price = order.average;
    }
    this.#filled.delete(order.id);
    this.#filled.set(order.id, Math.max(before, order.filled));
    if (this.#filled.size > SEEN_ORDERS) this.#filled.delete(this.#filled.keys().next().value as string);
    if (order.status === 'open') {
      if (!this.#open.has(order.id)) {
        this.#open.add(order.id);
        this.#openOrders++;
      }
    } else if (this.#open.delete(order.id)) {
      this.#openOrders = Math.max(0, this.#openOrders - 1);
    }
  }

  /** The signed positions by symbol as pushed and folded in from fills (a copy; flat symbols left out). */
  positions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [s, st] of this.#symbols) if (st.position !== 0) out[s] = st.position;
    return out;
  }

  /** The pushed last price of a symbol, or undefined. */
  lastPrice(symbol: string): number | undefined {
    const p = this.#symbols.get(symbol)?.price;
    return p === undefined || Number.isNaN(p) ? undefined : p;
  }

  /** Checks the intent against the limits. */
  check(intent: GateIntent): LayerVerdict {
    if (intent.reduceOnly === true || intent.cancel === true) return this.#reduce;
    const amount = intent.amount;
    if (!(amount > 0) || amount === Infinity) return this.#badAmount;
    const symbol = intent.symbol;
    let st: SymbolState | undefined;
    if (symbol === this.#lastSymbol) st = this.#lastState;
    else {
      st = this.#symbols.get(symbol);
      if (st !== undefined) {
        this.#lastSymbol = symbol;
        this.#lastState = st;
      }
    }
    if (this.#maxNotional !== Infinity) {
      const price = intent.price ?? (st === undefined ? NaN : st.price);
      if (!(price > 0)) return this.#noPrice;
      if (!(amount * price <= this.#maxNotional)) return this.#notional;
    }
    const limit = st === undefined || st.limit === Infinity ? this.#maxPosition : st.limit;
    if (limit !== Infinity) {
      const pos = st === undefined ? 0 : st.position;
      const after = intent.side === 'buy' ? pos + amount : pos - amount;
      if (!(Math.abs(after) <= limit)) return this.#position;
    }
    if (!(this.#openOrders + 1 <= this.#maxOpen)) return this.#openMax;
    return this.#allow;
  }

  /** What the verdict was based on, for the decision log. */
  inputs(intent: GateIntent): Record<string, unknown> {
    const st = this.#symbols.get(intent.symbol);
    const price = intent.price ?? st?.price;
    const maxPosition = st === undefined || st.limit === Infinity ? this.#maxPosition : st.limit;
    return {
      price: price === undefined || Number.isNaN(price) ? null : price,
      priceFrom: intent.price !== undefined ? 'intent' : 'last',
      position: st?.position ?? 0,
      openOrders: this.#openOrders,
      limits: {
        maxOrderNotional: this.#maxNotional === Infinity ? null : this.#maxNotional,
        maxPosition: maxPosition === Infinity ? null : maxPosition,
        maxOpenOrders: this.#maxOpen === Infinity ? null : this.#maxOpen,
      },
    };
  }

  #stateOf(symbol: string): SymbolState {
    let st = this.#symbols.get(symbol);
    if (st === undefined) {
      st = { position: 0, price: NaN, limit: Infinity };
      this.#symbols.set(symbol, st);
    }
    return st;
  }
}
