// The Binance spot REST routes the simulator serves: request parameters in, Binance JSON
// out. Transport and fault injection live in http-server.ts.
import { BadSymbol } from '../exchange-error.js';
import type { Order } from '../types.js';
import {
  accountJson,
  badParameter,
  bookTickerJson,
  canceledOrderJson,
  decimal,
  exchangeInfo,
  newOrderJson,
  orderDoesNotExist,
  orderJson,
  symbolId,
  ticker24hJson,
  type BinanceError,
} from './binance-codec.js';
import type { SimOperation } from './fault-injector.js';
import { corrupt } from './in-process-exchange.js';
import type { ExchangeSimulator } from './simulator.js';

/** Request parameters: the query string and the form body, merged. */
export type Params = Readonly<Record<string, string>>;
/** An answer: status 0 means "a Binance error", whose body is a `BinanceError`. */
export type Answer = { readonly status: number; readonly body: unknown };
/** One route: the operation faults target, whether it is signed, and its handler. */
export interface Route {
  readonly operation: SimOperation;
  readonly signed: boolean;
  readonly handle: (p: Params) => Answer;
}

/** Builds the route table (`"METHOD /path"` → route) over one simulator. */
export function binanceRoutes(sim: ExchangeSimulator): ReadonlyMap<string, Route> {
  return new BinanceRoutes(sim).table();
}

class BinanceRoutes {
  readonly #sim: ExchangeSimulator;
  #seq = 0;

  constructor(sim: ExchangeSimulator) {
    this.#sim = sim;
  }

  #symbol(params: Params, required: boolean): string | undefined {
    const id = params['symbol'];
    if (id === undefined) {
      if (required)
        throw new ParamError(
          badParameter("Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
        );
      return undefined;
    }
    const m = this.#sim.markets().find((x) => symbolId(x.symbol) === id);
    if (m === undefined) throw new BadSymbol(`unknown symbol ${id}`);
    return m.symbol;
  }

  #findOrder(symbol: string, params: Params): Order | null {
    const cid = params['origClientOrderId'];
    const id = params['orderId'];
    if (id !== undefined) {
      const o = this.#sim.order(id);
      return o !== null && o.symbol === symbol ? o : null;
    }
    if (cid !== undefined) return this.#sim.orderByClientId(symbol, cid);
    throw new ParamError(
      badParameter("Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"),
    );
  }

  /** One row per route, in the order they are served: its key, the operation faults target, signed, handler. */
  table(): ReadonlyMap<string, Route> {
    const sim = this.#sim;
    const table: Array<[string, SimOperation, boolean, (p: Params) => Answer]> = [
      ['GET /api/v3/ping', 'fetchTime', false, () => ok({})],
      ['GET /api/v3/time', 'fetchTime', false, () => ok({ serverTime: sim.serverTime() })],
      ['GET /api/v3/exchangeInfo', 'loadMarkets', false, () => ok(exchangeInfo(sim, this.#now()))],
      ['GET /sapi/v1/margin/allPairs', 'loadMarkets', false, () => ok([])],
      ['GET /sapi/v1/margin/isolated/allPairs', 'loadMarkets', false, () => ok([])],
      ['GET /api/v3/ticker/24hr', 'fetchTicker', false, (p) => ok(ticker24hJson(this.#ticker(p)))],
      ['GET /api/v3/ticker/bookTicker', 'fetchTicker', false, (p) => ok(bookTickerJson(this.#ticker(p)))],
      ['GET /api/v3/ticker/price', 'fetchTicker', false, (p) => this.#price(p)],
      ['GET /api/v3/depth', 'fetchTicker', false, (p) => this.#depth(p)],
      ['POST /api/v3/order', 'createOrder', true, (p) => this.#createOrder(p)],
      ['GET /api/v3/order', 'fetchOrder', true, (p) => this.#fetchOrder(p)],
      ['DELETE /api/v3/order', 'cancelOrder', true, (p) => this.#cancelOrder(p)],
      ['DELETE /api/v3/openOrders', 'cancelAllOrders', true, (p) => this.#cancelAllOrders(p)],
      ['GET /api/v3/openOrders', 'fetchOpenOrders', true, (p) => this.#openOrders(p)],
      ['GET /api/v3/account', 'fetchBalances', true, () => ok(accountJson(sim.balances(), this.#now()))],
      ['POST /api/v3/countdownCancelAll', 'deadMansSwitch', true, (p) => this.#countdownCancelAll(p)],
    ];
    return new Map(
      table.map(([key, operation, signed, handle]) => [key, { operation, signed, handle: guard(handle) }]),
    );
  }

  #now(): number {
    return this.#sim.clock.now();
  }

  /** The symbol's ticker, as the simulator's faults leave it (bad data, staleness). */
  #ticker(p: Params) {
    const sim = this.#sim;
    return corrupt(sim.ticker(this.#symbol(p, true)!), sim.faults.badData(), sim.faults.staleMs);
  }

  #price(p: Params): Answer {
    const t = this.#ticker(p);
    return ok({ symbol: symbolId(t.symbol), price: decimal(t.last) });
  }

  /** A one-level book at the ticker's bid and ask. */
  #depth(p: Params): Answer {
    const t = this.#ticker(p);
    return ok({
      lastUpdateId: t.timestamp,
      bids: [[decimal(t.bid), decimal(1e6)]],
      asks: [[decimal(t.ask), decimal(1e6)]],
    });
  }

  #fetchOrder(p: Params): Answer {
    const o = this.#findOrder(this.#symbol(p, true)!, p);
    return o === null ? { status: 0, body: orderDoesNotExist } : ok(orderJson(o, this.#now()));
  }

  #cancelOrder(p: Params): Answer {
    const symbol = this.#symbol(p, true)!;
    const o = this.#findOrder(symbol, p);
    if (o === null) return { status: 0, body: unknownOrder };
    return ok(canceledOrderJson(this.#sim.cancelOrder(o.id, symbol), this.#now()));
  }

  #cancelAllOrders(p: Params): Answer {
    // Real Binance answers -2011 when the symbol has no open order.
    const canceled = this.#sim.cancelAllOrders(this.#symbol(p, true));
    if (canceled.length === 0) return { status: 0, body: unknownOrder };
    return ok(canceled.map((o) => canceledOrderJson(o, this.#now())));
  }

  #openOrders(p: Params): Answer {
    return ok(this.#sim.openOrders(this.#symbol(p, false)).map((o) => orderJson(o, this.#now())));
  }

  /**
   * Not a Binance spot route: the simulator's dead man's switch, shaped like Binance USD-M's
   * countdownCancelAll (countdownTime in ms, 0 disarms), for every symbol at once.
   */
  #countdownCancelAll(p: Params): Answer {
    const ms = Number(p['countdownTime']);
    if (p['countdownTime'] === undefined || !Number.isInteger(ms) || ms < 0)
      throw new ParamError(badParameter("Param 'countdownTime' must be an integer >= 0."));
    this.#sim.armDeadMansSwitch(ms);
    return ok({ countdownTime: String(ms) });
  }

  #createOrder(p: Params): Answer {
    const symbol = this.#symbol(p, true)!;
    const side = p['side'] === 'BUY' ? 'buy' : p['side'] === 'SELL' ? 'sell' : null;
    if (side === null) throw new ParamError({ status: 400, body: { code: -1117, msg: 'Invalid side.' } });
    const type = p['type'] === 'LIMIT' ? 'limit' : p['type'] === 'MARKET' ? 'market' : null;
    if (type === null)
      throw new ParamError({ status: 400, body: { code: -1116, msg: 'Invalid orderType.' } });
    const amount = Number(p['quantity']);
    if (p['quantity'] === undefined || !Number.isFinite(amount)) {
      throw new ParamError({
        status: 400,
        body: { code: -1100, msg: "Illegal characters found in parameter 'quantity'." },
      });
    }
    const price = p['price'] === undefined ? undefined : Number(p['price']);
    this.#seq += 1;
    const clientOrderId = p['newClientOrderId'] ?? `sim${this.#sim.clock.now()}n${this.#seq}`;
    const order = this.#sim.placeOrder({
      symbol,
      side,
      type,
      amount,
      clientOrderId,
      ...(price === undefined ? {} : { price }),
      ...(p['reduceOnly'] === 'true' ? { reduceOnly: true } : {}),
    });
    const json = newOrderJson(order, this.#sim.clock.now());
    return { status: 200, body: p['newOrderRespType'] === 'FULL' ? { ...json, fills: [] } : json };
  }
}

const ok = (body: unknown): Answer => ({ status: 200, body });

/** `f`, with a ParamError it throws answered as its Binance error. */
const guard =
  (f: (p: Params) => Answer) =>
  (p: Params): Answer => {
    try {
      return f(p);
    } catch (err) {
      if (err instanceof ParamError) return { status: 0, body: err.answer };
      throw err;
    }
  };

const unknownOrder: BinanceError = { status: 400, body: { code: -2011, msg: 'Unknown order sent.' } };

/** A request parameter problem, answered with Binance's error body. */
class ParamError extends Error {
  readonly answer: BinanceError;
  constructor(answer: BinanceError) {
    super(answer.body.msg);
    this.name = 'ParamError';
    this.answer = answer;
  }
}
