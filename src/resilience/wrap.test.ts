import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ccxt from 'ccxt';
import { constantBackoff } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { ConsecutiveRule } from './consecutive-rule.js';
import { FakeTimers } from './fake-timers.js';
import { RetryPolicy } from './retry.js';
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

  it('refuses an empty composition', () => {
    assert.throws(() => wrap(), RangeError);
  });
});
