import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ccxt from 'ccxt';
import { constantBackoff } from './retry/backoff.js';
import { CircuitBreaker } from './breaker/circuit-breaker.js';
import { CircuitOpenError } from './errors/circuit-open-error.js';
import { ConsecutiveRule } from './breaker/consecutive-rule.js';
import { FakeTimers } from './fake-timers.js';
import { RetryPolicy } from './retry/retry.js';
import { TimeoutPolicy } from './timeout.js';
import { wrap } from './wrap.js';

describe('wrap', () => {
  it('composes retry, breaker and timeout with one context', async () => {
    const timers = new FakeTimers();
    const retry = new RetryPolicy({
      maxAttempts: 3,
      backoff: constantBackoff(10),
      clock: timers.clock,
      timers,
    });
    const breaker = new CircuitBreaker({ rule: new ConsecutiveRule(5), clock: timers.clock });
    const timeout = new TimeoutPolicy({ ms: 1000, timers });
    const policy = wrap(retry, breaker, timeout);
    const ac = new AbortController();
    const seen: { attempt: number; signal: AbortSignal }[] = [];
    const p = policy.execute(
      async (ctx) => {
        seen.push(ctx);
        if (ctx.attempt === 0) throw new ccxt.NetworkError('x');
        return 'ok';
      },
      { signal: ac.signal },
    );
    await timers.advance(10);
    assert.equal(await p, 'ok');
    assert.deepEqual(
      seen.map((c) => c.attempt),
      [0, 1],
    );
    assert.notEqual(seen[0]?.signal, ac.signal, 'the timeout derived its own signal');
    assert.equal(breaker.stats().calls, 2);
  });

  it('a breaker inside a retry stops the retries once open (conditional, no blind hammering)', async () => {
    const timers = new FakeTimers();
    const breaker = new CircuitBreaker({ rule: new ConsecutiveRule(2), openMs: 60_000, clock: timers.clock });
    const retry = new RetryPolicy({
      maxAttempts: 10,
      backoff: constantBackoff(1),
      clock: timers.clock,
      timers,
      maxElapsedMs: 1000,
    });
    let calls = 0;
    const p = wrap(retry, breaker).execute(async () => {
      calls++;
      throw new ccxt.ExchangeNotAvailable('502');
    });
    const caught = p.catch((e: unknown) => e);
    await timers.advance(100);
    assert.ok(
      (await caught) instanceof CircuitOpenError,
      'gave up on the open circuit: its retryAfter is past maxElapsed',
    );
    assert.equal(calls, 2);
  });

  it('an order that times out is looked up, not sent twice (retry + breaker + abandon timeout)', async () => {
    const timers = new FakeTimers();
    const placed: string[] = [];
    const policy = wrap(
      new RetryPolicy({
        sideEffect: true,
        maxAttempts: 3,
        backoff: constantBackoff(10),
        clock: timers.clock,
        timers,
      }),
      new CircuitBreaker({ clock: timers.clock }),
      new TimeoutPolicy({ ms: 1000, mode: 'abandon', timers }),
    );
    const createOrder = (): Promise<string> =>
      new Promise((resolve) => {
        placed.push('cid-1'); // the exchange accepts it at once, but the answer is slow
        timers.setTimeout(() => resolve('order-1'), 5000);
      });
    const p = policy.execute(createOrder, {
      resolveAmbiguous: async () =>
        placed.includes('cid-1')
          ? { outcome: 'applied', value: 'order-1 (found by client id)' }
          : { outcome: 'not-applied' },
    });
    await timers.advance(1000);
    assert.equal(await p, 'order-1 (found by client id)');
    assert.deepEqual(placed, ['cid-1'], 'sent once');
  });

  it('refuses an empty composition', () => {
    assert.throws(() => wrap(), RangeError);
  });
});
