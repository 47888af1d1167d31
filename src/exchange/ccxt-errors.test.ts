import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromCcxtError } from './ccxt-errors.js';
import { parseRetryAfter } from '../resilience/http-failure.js';
import { DDoSProtection, ExchangeError, NetworkError, RequestTimeout } from './exchange-error.js';

describe('fromCcxtError', () => {
  it("maps each of ccxt's classes to Warden's class of the same name, keeping the cause", async () => {
    const ccxt = await import('ccxt');
    const cases: Array<[Error, string]> = [
      [new ccxt.RequestTimeout('t'), 'RequestTimeout'],
      [new ccxt.NetworkError('n'), 'NetworkError'],
      [new ccxt.ExchangeNotAvailable('e'), 'ExchangeNotAvailable'],
      [new ccxt.OnMaintenance('m'), 'ExchangeNotAvailable'],
      [new ccxt.DDoSProtection('d'), 'DDoSProtection'],
      [new ccxt.RateLimitExceeded('r'), 'RateLimitExceeded'],
      [new ccxt.InsufficientFunds('f'), 'InsufficientFunds'],
      [new ccxt.OrderNotFound('o'), 'OrderNotFound'],
      [new ccxt.DuplicateOrderId('d'), 'DuplicateOrderId'],
      [new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'), 'DuplicateOrderId'],
      [new ccxt.BadSymbol('s'), 'BadSymbol'],
      [new ccxt.OperationRejected('x'), 'ExchangeError'],
      [new ccxt.NotSupported('x'), 'NotSupported'],
    ];
    for (const [err, name] of cases) {
      const mapped = fromCcxtError(err) as Error;
      assert.equal(mapped.name, name, err.constructor.name);
      assert.ok(mapped instanceof ExchangeError);
      assert.equal(mapped.cause, err);
    }
    assert.ok(fromCcxtError(new ccxt.RequestTimeout('t')) instanceof NetworkError);
    assert.ok(fromCcxtError(new ccxt.RequestTimeout('t')) instanceof RequestTimeout);
    const limited = fromCcxtError(new ccxt.RateLimitExceeded('r'), 1500);
    assert.ok(limited instanceof DDoSProtection && limited.retryAfterMs === 1500);
  });

  it('leaves errors that are not ccxt errors alone', () => {
    const bug = new TypeError('x is undefined');
    assert.equal(fromCcxtError(bug), bug);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2', 0), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter(undefined, 0), undefined);
  });
});
