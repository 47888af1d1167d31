import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessExchange } from '../exchange/simulator/in-process-exchange.js';
import { ExchangeSimulator } from '../exchange/simulator/simulator.js';
import { ManualClock } from '../util/clock.js';
import { AmbiguousOutcomeError } from './errors/ambiguous-outcome-error.js';
import { CircuitBreaker } from './breaker/circuit-breaker.js';
import { CircuitBreakerError } from './errors/circuit-breaker-error.js';
import { CircuitOpenError } from './errors/circuit-open-error.js';
import { ConsecutiveRule } from './breaker/consecutive-rule.js';
import { FakeTimers } from './fake-timers.js';
import type { ExecuteContext } from './policy.js';
import { RetryPolicy } from './retry/retry.js';
import { TimeoutError } from './errors/timeout-error.js';
import { TimeoutPolicy } from './timeout.js';
import { wrap } from './wrap.js';

function venue() {
  const clock = new ManualClock(1_000_000);
  const sim = new ExchangeSimulator({
    clock,
    markets: [{ symbol: 'BTC/USDT', mid: 100 }],
    balances: { USDT: 10_000 },
  });
  const ex = new InProcessExchange(sim, { sleep: async (ms) => clock.advance(ms) });
  return { clock, sim, ex };
}

const order = {
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  clientOrderId: 'fb-1',
} as const;

describe('fallback', () => {
  it('returns the fallback for a failed read, with the error, and the breaker still counts the failure', async () => {
    const { sim, ex, clock } = venue();
    const breaker = new CircuitBreaker({ name: 'venue', clock });
    sim.faults.injectNext('http_429', { operation: 'fetchTicker' });
    const seen: unknown[] = [];
    const fallback = (error: unknown): number => {
      seen.push(error);
      return -1;
    };
    const read = async (): Promise<number> => (await ex.fetchTicker('BTC/USDT')).last;
    assert.equal(await breaker.execute(read, { fallback }), -1, 'a rate limit was sent nowhere: replaced');
    assert.equal((seen[0] as Error).name, 'RateLimitExceeded');
    // A 503 may have been processed by a call with side effects: rethrown unless the caller says
    // the call has none (a read).
    sim.faults.injectNext('http_5xx', { operation: 'fetchTicker' });
    await assert.rejects(breaker.execute(read, { fallback }), { name: 'ExchangeNotAvailable' });
    sim.faults.injectNext('http_5xx', { operation: 'fetchTicker' });
    assert.equal(await breaker.execute(read, { fallback, fallbackOnAmbiguous: true }), -1);
    assert.equal(seen.length, 2);
    assert.equal(breaker.stats().failures, 3);
    const live = await breaker.execute(async () => (await ex.fetchTicker('BTC/USDT')).last, {
      fallback: () => -1,
    });
    assert.ok(live > 0, 'a success is returned as is, the fallback is not called');
  });

  it('gives the fallback the CircuitOpenError when the circuit refuses, and sends nothing', async () => {
    const { sim, ex, clock } = venue();
    const breaker = new CircuitBreaker({ name: 'venue', rule: new ConsecutiveRule(1), clock });
    sim.faults.injectNext('http_5xx', { operation: 'fetchTicker' });
    await assert.rejects(breaker.execute(() => ex.fetchTicker('BTC/USDT')));
    assert.equal(breaker.isOpen, true);
    let sent = false;
    const got = await breaker.execute(
      () => {
        sent = true;
        return ex.fetchTicker('BTC/USDT');
      },
      { fallback: (error) => error },
    );
    assert.equal(sent, false);
    assert.ok(got instanceof CircuitOpenError);
    assert.ok(got instanceof CircuitBreakerError);
    assert.equal(got.breaker, 'venue');
  });

  it('never replaces the ambiguous outcome of an order unless asked: the timeout reaches the caller, the order is on the book', async () => {
    const { sim, ex, clock } = venue();
    const breaker = new CircuitBreaker({ name: 'venue', clock });
    let called = 0;
    const fallback = (): null => {
      called++;
      return null;
    };
    sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    const err = await breaker.execute(() => ex.createOrder(order), { fallback }).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'RequestTimeout');
    assert.equal(called, 0);
    assert.equal((await ex.fetchOrderByClientId('BTC/USDT', 'fb-1'))?.status, 'open', 'it was placed');

    sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    const asked = await breaker.execute(() => ex.createOrder({ ...order, clientOrderId: 'fb-2' }), {
      fallback,
      fallbackOnAmbiguous: true,
    });
    assert.equal(asked, null);
    assert.equal(called, 1, 'the caller asked for it');
  });

  it("rethrows a retry's AmbiguousOutcomeError and an abandoned timeout from a composition", async () => {
    const { sim, ex, clock } = venue();
    const timers = new FakeTimers(clock);
    const policy = wrap(
      new RetryPolicy({ sideEffect: true, clock, timers, random: () => 0 }),
      new CircuitBreaker({ name: 'venue', clock }),
    );
    sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    let called = 0;
    const err = await policy
      .execute<unknown>(() => ex.createOrder(order), { fallback: () => called++ })
      .catch((e: unknown) => e);
    assert.ok(err instanceof AmbiguousOutcomeError);
    assert.equal(called, 0);

    const abandon = wrap(new TimeoutPolicy({ ms: 10, mode: 'abandon', timers }));
    const p = abandon
      .execute<unknown>(() => new Promise<never>(() => {}), { fallback: () => called++ })
      .catch((e: unknown) => e);
    await timers.advance(10);
    const t = await p;
    assert.ok(t instanceof TimeoutError && t.abandoned);
    assert.equal(called, 0);
  });

  it("lets the caller's abort through instead of the fallback", async () => {
    const breaker = new CircuitBreaker({ name: 'b' });
    const ac = new AbortController();
    let called = false;
    const p = breaker.execute(
      (ctx) =>
        new Promise<number>((_r, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        ),
      {
        signal: ac.signal,
        fallback: () => {
          called = true;
          return 0;
        },
      },
    );
    ac.abort(new Error('shutdown'));
    await assert.rejects(p, /shutdown/);
    assert.equal(called, false);
  });

  it('applies a composition fallback once, after the retries, and hides it from the inner policies', async () => {
    const clock = new ManualClock(0);
    const timers = new FakeTimers(clock);
    const inner = new CircuitBreaker({ name: 'inner', clock });
    const policy = wrap(new RetryPolicy({ maxAttempts: 3, clock, timers, random: () => 0 }), inner);
    const contexts: ExecuteContext[] = [];
    let handled = 0;
    const p = policy.execute(
      (ctx) => {
        contexts.push(ctx);
        return Promise.reject(Object.assign(new Error('503'), { status: 503 }));
      },
      { signal: new AbortController().signal, attempt: 0, fallback: () => ++handled },
    );
    await timers.advance(1_000);
    assert.equal(await p, 1);
    assert.equal(handled, 1);
    assert.deepEqual(
      contexts.map((c) => c.attempt),
      [0, 1, 2],
    );
    for (const c of contexts) assert.equal('fallback' in c, false, 'the fallback is not passed down');
    assert.equal(inner.stats().failures, 3);
  });

  it("rejects with the fallback's own error when it throws", async () => {
    const b = new CircuitBreaker({ name: 'b' });
    await assert.rejects(
      b.execute(() => Promise.reject(new Error('first')), {
        fallback: () => {
          throw new Error('fallback broke');
        },
      }),
      /fallback broke/,
    );
  });
});
