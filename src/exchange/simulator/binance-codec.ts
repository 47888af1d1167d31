// Translation between the simulator and Binance spot REST JSON: the shapes ccxt's binance
// class parses (exchangeInfo, order, account, ticker) and Binance's error bodies.
import type { Balance, Order, Ticker } from '../types.js';
import type { ExchangeSimulator } from './simulator.js';

/** A Binance error answer: HTTP status and `{ code, msg }` body. */
export interface BinanceError {
  readonly status: number;
  readonly body: { readonly code: number; readonly msg: string };
}

/** Binance's error answers for what the simulator throws, keyed by Warden error name. */
export function binanceErrorFor(err: unknown): BinanceError {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (name) {
    case 'BadSymbol':
      return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    case 'InsufficientFunds':
      return {
        status: 400,
        body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
      };
    case 'DuplicateOrderId':
      return { status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } };
    case 'OrderNotFound':
      return { status: 400, body: { code: -2011, msg: 'Unknown order sent.' } };
    case 'InvalidOrder':
      return { status: 400, body: { code: -2010, msg: message } };
    case 'InvalidNonce':
      return { status: 400, body: { code: -1021, msg: message } };
    case 'NotSupported':
      return { status: 400, body: { code: -1016, msg: 'This service is no longer available.' } };
    default:
      return {
        status: 500,
        body: { code: -1000, msg: `An unknown error occured while processing the request. ${message}` },
      };
  }
}

/** The answer to a lookup of an order that does not exist. */
export const orderDoesNotExist: BinanceError = {
  status: 400,
  body: { code: -2013, msg: 'Order does not exist.' },
};

/** A mandatory parameter was missing or malformed. */
export function badParameter(msg: string): BinanceError {
  return { status: 400, body: { code: -1102, msg } };
}

/** The exchange symbol id of a unified symbol: `BTC/USDT` → `BTCUSDT`. */
export function symbolId(symbol: string): string {
  return symbol.replace('/', '');
}

/** Binance prints decimals as fixed 8-digit strings. */
export function decimal(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n.toFixed(8);
}

/** `GET /api/v3/exchangeInfo`. */
export function exchangeInfo(sim: ExchangeSimulator, now: number): unknown {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [],
    exchangeFilters: [],
    symbols: sim.markets().map((m) => ({
      symbol: symbolId(m.symbol),
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      orderTypes: ['LIMIT', 'MARKET'],
      icebergAllowed: false,
      ocoAllowed: false,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        {
          filterType: 'PRICE_FILTER',
          minPrice: decimal(m.tickSize),
          maxPrice: '10000000.00000000',
          tickSize: decimal(m.tickSize),
        },
        {
          filterType: 'LOT_SIZE',
          minQty: decimal(m.stepSize),
          maxQty: '9000000.00000000',
          stepSize: decimal(m.stepSize),
        },
      ],
      permissions: ['SPOT'],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'NONE',
      allowedSelfTradePreventionModes: ['NONE'],
    })),
  };
}

function orderStatus(o: Order): string {
  switch (o.status) {
    case 'open':
      return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    case 'closed':
      return 'FILLED';
    case 'canceled':
      return 'CANCELED';
    case 'rejected':
      return 'REJECTED';
    default:
      return o.status satisfies never;
  }
}

/** An order as `GET /api/v3/order` and `GET /api/v3/openOrders` print it. */
export function orderJson(o: Order, now: number): Record<string, unknown> {
  const price = o.price ?? 0;
  return {
    symbol: symbolId(o.symbol),
    orderId: Number(o.id),
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: decimal(o.type === 'market' ? 0 : price),
    origQty: decimal(o.amount),
    executedQty: decimal(o.filled),
    cummulativeQuoteQty: decimal(o.filled * (o.average ?? price)),
    status: orderStatus(o),
    timeInForce: o.type === 'limit' ? 'GTC' : 'GTC',
    type: o.type === 'limit' ? 'LIMIT' : 'MARKET',
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    stopPrice: decimal(0),
    icebergQty: decimal(0),
    time: o.timestamp,
    updateTime: now,
    isWorking: o.status === 'open',
    workingTime: o.timestamp,
    origQuoteOrderQty: decimal(0),
    selfTradePreventionMode: 'NONE',
  };
}

/** An order as `POST /api/v3/order` (newOrderRespType RESULT) prints it. */
export function newOrderJson(o: Order, now: number): Record<string, unknown> {
  const {
    time: _time,
    updateTime: _update,
    isWorking: _working,
    stopPrice: _s,
    icebergQty: _i,
    ...rest
  } = orderJson(o, now);
  return { ...rest, transactTime: now };
}

/** An order as `DELETE /api/v3/order` prints it. */
export function canceledOrderJson(o: Order, now: number): Record<string, unknown> {
  return { ...newOrderJson(o, now), origClientOrderId: o.clientOrderId };
}

/** `GET /api/v3/account`. */
export function accountJson(balances: readonly Balance[], now: number): unknown {
  return {
    makerCommission: 0,
    takerCommission: 0,
    buyerCommission: 0,
    sellerCommission: 0,
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    updateTime: now,
    accountType: 'SPOT',
    balances: balances.map((b) => ({ asset: b.currency, free: decimal(b.free), locked: decimal(b.used) })),
    permissions: ['SPOT'],
  };
}

/** `GET /api/v3/ticker/24hr` for one symbol. */
export function ticker24hJson(t: Ticker): unknown {
  return {
    symbol: symbolId(t.symbol),
    priceChange: decimal(0),
    priceChangePercent: '0.000',
    weightedAvgPrice: decimal(t.last),
    prevClosePrice: decimal(t.last),
    lastPrice: decimal(t.last),
    lastQty: decimal(0),
    bidPrice: decimal(t.bid),
    bidQty: decimal(1),
    askPrice: decimal(t.ask),
    askQty: decimal(1),
    openPrice: decimal(t.last),
    highPrice: decimal(t.last),
    lowPrice: decimal(t.last),
    volume: decimal(0),
    quoteVolume: decimal(0),
    openTime: t.timestamp - 86_400_000,
    closeTime: t.timestamp,
    firstId: 0,
    lastId: 0,
    count: 0,
  };
}

/** `GET /api/v3/ticker/bookTicker` for one symbol. */
export function bookTickerJson(t: Ticker): unknown {
  return {
    symbol: symbolId(t.symbol),
    bidPrice: decimal(t.bid),
    bidQty: decimal(1),
    askPrice: decimal(t.ask),
    askQty: decimal(1),
  };
}
