import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ccxt from 'ccxt';
import { AmbiguousOutcomeError } from '../errors/ambiguous-outcome-error.js';
import { classifyError, isDependencyFailure } from './classify-error.js';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { classChain } from './ccxt-errors.js';
import { parseRetryAfter } from './http-failure.js';
import { TimeoutError } from '../errors/timeout-error.js';

const verdict = (e: unknown, sideEffect = false): string => {
  const c = classifyError(e, { sideEffect, now: 0 });
  return `${c.category}/${c.retry}`;
};

describe('classifyError against the real ccxt classes', () => {
  it('finds the class chain by walking prototypes', () => {
    assert.deepEqual(classChain(new ccxt.OnMaintenance('x')), [
      'OnMaintenance',
      'ExchangeNotAvailable',
      'NetworkError',
      'OperationFailed',
      'BaseError',
    ]);
  });

  it('retries NetworkError and its subclasses on reads', () => {
    for (const C of [
      ccxt.NetworkError,
      ccxt.RequestTimeout,
      ccxt.DDoSProtection,
      ccxt.RateLimitExceeded,
      ccxt.ExchangeNotAvailable,
      ccxt.InvalidNonce,
    ]) {
      assert.equal(classifyError(new C('x')).retry, 'retryable', C.name);
    }
  });

  it('calls a timeout on a request with side effects ambiguous, but not a rate limit', () => {
    assert.equal(verdict(new ccxt.RequestTimeout('x'), true), 'network/ambiguous');
    assert.equal(verdict(new ccxt.NetworkError('x'), true), 'network/ambiguous');
    assert.equal(verdict(new ccxt.RateLimitExceeded('x'), true), 'exchange/retryable');
    assert.equal(verdict(new ccxt.InvalidNonce('x'), true), 'network/retryable');
  });

  it('never retries what the exchange refused', () => {
    const cases: [new (m: string) => Error, string][] = [
      [ccxt.InvalidOrder, 'exchange/never'],
      [ccxt.InsufficientFunds, 'exchange/never'],
      [ccxt.AuthenticationError, 'exchange/never'],
      [ccxt.PermissionDenied, 'exchange/never'],
      [ccxt.BadSymbol, 'logic/never'],
      [ccxt.BadRequest, 'logic/never'],
      [ccxt.ArgumentsRequired, 'logic/never'],
      [ccxt.NotSupported, 'logic/never'],
      [ccxt.OrderNotFound, 'state/never'],
      [ccxt.DuplicateOrderId, 'state/never'],
      [ccxt.ExchangeError, 'exchange/never'],
      [ccxt.BadResponse, 'data/never'],
      [ccxt.NullResponse, 'data/never'],
      [ccxt.OnMaintenance, 'exchange/conditional'],
      [ccxt.MarketClosed, 'exchange/conditional'],
      [ccxt.CancelPending, 'state/conditional'],
    ];
    for (const [C, want] of cases) assert.equal(verdict(new C('x')), want, C.name);
  });

  it('maps every class ccxt exports that derives from BaseError', () => {
    const all: (new (m: string) => Error)[] = [];
    for (const v of Object.values(ccxt) as unknown[]) {
      const proto = typeof v === 'function' ? (v as { prototype?: unknown }).prototype : undefined;
      if (proto === ccxt.BaseError.prototype || proto instanceof ccxt.BaseError)
        all.push(v as new (m: string) => Error);
    }
    assert.ok(all.length >= 40);
    for (const C of all) assert.match(classifyError(new C('x')).reason, /^ccxt:/, C.name);
  });

  it('does not mistake a foreign class named NetworkError for ccxt', () => {
    class NetworkError extends Error {}
    assert.equal(classifyError(new NetworkError('x')).reason, 'default');
  });
});

describe('classifyError on HTTP, Node and Warden failures', () => {
  const http = (status: number, headers?: Record<string, string>): Error =>
    Object.assign(new Error(`http ${status}`), { status, headers });

  it('retries 5xx and 429, not other 4xx', () => {
    assert.equal(verdict(http(500)), 'exchange/retryable');
    assert.equal(verdict(http(502), true), 'exchange/ambiguous');
    assert.equal(verdict(http(503), true), 'exchange/retryable');
    assert.equal(verdict(http(429)), 'exchange/retryable');
    assert.equal(verdict(http(400)), 'logic/never');
    assert.equal(verdict(http(401)), 'exchange/never');
    assert.equal(verdict(http(404)), 'state/never');
    assert.equal(verdict({ response: { status: 504 } }), 'exchange/retryable');
  });

  it('honours Retry-After in seconds or as a date', () => {
    assert.equal(classifyError(http(429, { 'Retry-After': '3' }), { now: 0 }).retryAfterMs, 3000);
    const h = new Headers({ 'retry-after': new Date(10_000).toUTCString() });
    assert.equal(classifyError({ status: 503, headers: h }, { now: 4000 }).retryAfterMs, 6000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
  });

  it('knows Node network, resource and JavaScript errors', () => {
    const sys = (code: string): Error => Object.assign(new Error(code), { code });
    assert.equal(verdict(sys('ECONNREFUSED'), true), 'network/retryable');
    assert.equal(verdict(sys('ECONNRESET'), true), 'network/ambiguous');
    assert.equal(verdict(sys('ECONNRESET')), 'network/retryable');
    assert.equal(verdict(sys('ENOSPC')), 'resource/never');
    assert.equal(verdict(new TypeError('x')), 'logic/never');
    assert.equal(verdict(new SyntaxError('Unexpected token')), 'data/never');
    assert.equal(verdict(new Error('???')), 'unknown/never');
    assert.equal(verdict('a string'), 'unknown/never');
  });

  it("knows Warden's own errors", () => {
    assert.equal(verdict(new TimeoutError(100, true), true), 'network/ambiguous');
    assert.equal(verdict(new TimeoutError(100, false)), 'network/retryable');
    assert.equal(verdict(new AmbiguousOutcomeError('x', 0)), 'network/ambiguous');
    const open = classifyError(new CircuitOpenError('ex', 'open', 2500), { now: 1000 });
    assert.deepEqual([open.retry, open.retryAfterMs], ['conditional', 1500]);
  });

  it('lets a breaker ignore the caller’s own failures', () => {
    assert.equal(isDependencyFailure(new ccxt.InvalidOrder('x')), false);
    assert.equal(isDependencyFailure(new ccxt.InsufficientFunds('x')), false);
    assert.equal(isDependencyFailure(new ccxt.RequestTimeout('x')), true);
    assert.equal(isDependencyFailure(new ccxt.OnMaintenance('x')), true);
    assert.equal(isDependencyFailure(Object.assign(new Error(), { status: 500 })), true);
  });

  it("classifies Warden's own exchange errors (src/exchange) exactly as ccxt's of the same name", async () => {
    const ex = await import('../../exchange/index.js');
    const pairs: [Error, Error][] = [
      [new ex.RequestTimeout('x'), new ccxt.RequestTimeout('x')],
      [new ex.NetworkError('x'), new ccxt.NetworkError('x')],
      [new ex.ExchangeNotAvailable('x'), new ccxt.ExchangeNotAvailable('x')],
      [new ex.RateLimitExceeded('x'), new ccxt.RateLimitExceeded('x')],
      [new ex.InsufficientFunds('x'), new ccxt.InsufficientFunds('x')],
      [new ex.InvalidOrder('x'), new ccxt.InvalidOrder('x')],
      [new ex.OrderNotFound('x'), new ccxt.OrderNotFound('x')],
      [new ex.BadSymbol('x'), new ccxt.BadSymbol('x')],
    ];
    for (const [ours, theirs] of pairs) {
      for (const sideEffect of [false, true]) {
        assert.equal(
          verdict(ours, sideEffect),
          verdict(theirs, sideEffect),
          `${ours.name} sideEffect=${sideEffect}`,
        );
      }
      assert.equal(isDependencyFailure(ours), isDependencyFailure(theirs), ours.name);
    }
    assert.equal(verdict(new ex.RequestTimeout('x'), true).includes('ambiguous'), true);
    const limited = classifyError(new ex.DDoSProtection('slow down', { retryAfterMs: 2500 }), { now: 0 });
    assert.equal(limited.retryAfterMs, 2500);
  });
});
