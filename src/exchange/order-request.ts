import { InvalidOrder } from './exchange-error.js';
import type { CreateOrderRequest } from './types.js';

/**
 * Throws `InvalidOrder` naming the field when a request cannot be sent: a side or type
 * other than the known ones, a non-finite or non-positive amount, a limit order without a
 * finite positive price, or a client order id that is empty or does not match `clientOrderIdPattern`.
 */
export function validateOrderRequest(r: CreateOrderRequest, clientOrderIdPattern: RegExp = /^\S+$/): void {
  if (typeof r !== 'object' || r === null)
    throw new InvalidOrder(`order request must be an object, got ${String(r)}`);
  if (typeof r.symbol !== 'string' || r.symbol === '') {
    throw new InvalidOrder(`symbol must be a non-empty string, got ${String(r.symbol)}`);
  }
  if (r.side !== 'buy' && r.side !== 'sell')
    throw new InvalidOrder(`side must be buy or sell, got ${String(r.side)}`);
  if (r.type !== 'market' && r.type !== 'limit') {
    throw new InvalidOrder(`type must be market or limit, got ${String(r.type)}`);
  }
  if (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0) {
    throw new InvalidOrder(`amount must be a finite number > 0, got ${String(r.amount)}`);
  }
  if (r.type === 'limit' && (typeof r.price !== 'number' || !Number.isFinite(r.price) || r.price <= 0)) {
    throw new InvalidOrder(`a limit order needs a finite price > 0, got ${String(r.price)}`);
  }
  if (typeof r.clientOrderId !== 'string' || !clientOrderIdPattern.test(r.clientOrderId)) {
    throw new InvalidOrder(
      `clientOrderId must match ${String(clientOrderIdPattern)}, got ${String(r.clientOrderId)}`,
    );
  }
}
