import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ccxt from 'ccxt';
import { fromCcxtError } from '../../exchange/ccxt-errors.js';
import { ExchangeError, RequestTimeout } from '../../exchange/exchange-error.js';
import { ccxtClassChain } from './ccxt-errors.js';
import { classifyError } from './classify-error.js';

describe("ccxt's classes, walked in one place", () => {
  it('gives the chain of a real ccxt error and nothing for anything else', () => {
    assert.deepEqual(ccxtClassChain(new ccxt.RateLimitExceeded('x')), [
      'RateLimitExceeded',
      'NetworkError',
      'OperationFailed',
      'BaseError',
    ]);
    assert.equal(ccxtClassChain(new Error('x')), undefined);
    assert.equal(ccxtClassChain(new RequestTimeout('x')), undefined, "Warden's own mirror is not ccxt");
    assert.equal(ccxtClassChain({ name: 'BaseError' }), undefined);
  });

  it('the translation and the taxonomy agree on a subclass ccxt does not know', () => {
    class VenueTimeout extends ccxt.RequestTimeout {}
    const raw = new VenueTimeout('slow venue');
    const translated = fromCcxtError(raw);
    assert.ok(translated instanceof RequestTimeout && translated instanceof ExchangeError);
    const a = classifyError(raw, { sideEffect: true, now: 0 });
    const b = classifyError(translated, { sideEffect: true, now: 0 });
    assert.deepEqual([a.reason, a.retry], ['ccxt:RequestTimeout', 'ambiguous']);
    assert.deepEqual([b.reason, b.retry], [a.reason, a.retry]);
  });
});
