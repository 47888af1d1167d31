export type * from './types.js';
export type { Exchange } from './exchange.js';
export * from './exchange-error.js';
export * from './bad-exchange-data-error.js';
export * from './simulator/index.js';
export * from './ccxt-adapter.js';
export { fromCcxtError } from './ccxt-errors.js';
export { parseBalances, parseOrder, parseOrders, parsePosition, parseTicker } from './ccxt-parse.js';
export { validateOrderRequest } from './order-request.js';
