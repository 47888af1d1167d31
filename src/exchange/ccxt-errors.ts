import { ccxtClassChain } from '../resilience/ccxt-errors.js';
import {
  DDoSProtection,
  DuplicateOrderId,
  ExchangeError,
  exchangeErrorClasses,
  InvalidOrder,
  type ExchangeErrorName,
} from './exchange-error.js';

/** Messages by which venues say "duplicate client order id" under a generic InvalidOrder. */
const duplicateMessages: readonly RegExp[] = [
  /Duplicate order sent/i,
  /duplicate.*client.?order/i,
  /clOrdId.*(exists|duplicate)/i,
];

function isWardenError(name: string): name is ExchangeErrorName {
  return Object.hasOwn(exchangeErrorClasses, name);
}

/**
 * Translates a ccxt error into Warden's class of the same name (the nearest ancestor when
 * Warden has no class of that name: ccxt's `OperationRejected` becomes `ExchangeError`).
 * Anything that is not a ccxt error (a TypeError, a bug) is returned unchanged.
 */
export function fromCcxtError(err: unknown, retryAfterMs?: number): unknown {
  if (!(err instanceof Error) || err instanceof ExchangeError) return err;
  const chain = ccxtClassChain(err);
  if (chain === undefined) return err;
  const name = chain.find(isWardenError) ?? 'ExchangeError';
  const Cls = exchangeErrorClasses[name];
  if (Cls === InvalidOrder && duplicateMessages.some((re) => re.test(err.message))) {
    return new DuplicateOrderId(err.message, { cause: err });
  }
  if (Cls.prototype instanceof DDoSProtection || Cls === DDoSProtection) {
    const C = Cls as typeof DDoSProtection;
    return new C(err.message, { cause: err, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  return new Cls(err.message, { cause: err });
}
