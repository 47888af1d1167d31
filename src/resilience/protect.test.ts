import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessExchange } from '../exchange/simulator/in-process-exchange.js';
import { ExchangeSimulator } from '../exchange/simulator/simulator.js';
import { ManualClock } from '../util/clock.js';
import { CircuitBreaker } from './breaker/circuit-breaker.js';
import { CircuitOpenError } from './errors/circuit-open-error.js';
import { ConsecutiveRule } from './breaker/consecutive-rule.js';
import { protect } from './protect.js';
import { RetryPolicy } from './retry/retry.js';
import { FakeTimers } from './fake-timers.js';

function venue() {
  const clock = new ManualClock(1_000_000);
  const sim = new ExchangeSimulator({ clock, markets: [{ symbol: 'BTC/USDT', mid: 100 }], balances: {} });
  const ex = new InProcessExchange(sim, { sleep: async (ms) => clock.advance(ms) });
  return { clock, sim, ex };
}

describe('protect', () => {
  it('runs every call of a function through the policy, with its this and arguments', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({ name: 'f', rule: new ConsecutiveRule(2), clock });
    const calls: unknown[][] = [];
    const target = {
      base: 10,
      add(this: { base: number }, a: number, b: number): Promise<number> {
        calls.push([a, b]);
        return a < 0 ? Promise.reject(new Error('negative')) : Promise.resolve(this.base + a + b);
      },
    };
    const add = protect(target.add, breaker);
    assert.equal(await add.call(target, 1, 2), 13);
    await assert.rejects(add.call(target, -1, 0), /negative/);
    await assert.rejects(add.call(target, -1, 0), /negative/);
    assert.equal(breaker.isOpen, true);
    await assert.rejects(add.call(target, 1, 2), CircuitOpenError);
    assert.equal(calls.length, 3, 'the refused call never ran');
  });

  it('replaces a method of a real exchange adapter, falls back when open, and puts it back', async () => {
    const { sim, ex, clock } = venue();
    const original = ex.fetchTicker;
    const breaker = new CircuitBreaker({ name: 'venue', rule: new ConsecutiveRule(1), clock });
    const handle = protect(ex, 'fetchTicker', breaker, {
      fallback: (error) => {
        if (error instanceof CircuitOpenError)
          return { symbol: 'BTC/USDT', last: 0, bid: 0, ask: 0, timestamp: 0 };
        throw error;
      },
    });
    assert.notEqual(ex.fetchTicker, original);
    assert.ok((await ex.fetchTicker('BTC/USDT')).last > 0);
    sim.faults.injectNext('http_429', { operation: 'fetchTicker' });
    await assert.rejects(ex.fetchTicker('BTC/USDT'), { name: 'RateLimitExceeded' }, 'the handler rethrew it');
    assert.equal(breaker.isOpen, true);
    assert.equal((await ex.fetchTicker('BTC/USDT')).last, 0, 'open: the fallback answered');
    handle.dispose();
    assert.equal(ex.fetchTicker, original, 'the prototype method is visible again');
    assert.equal(Object.hasOwn(ex, 'fetchTicker'), false);
    assert.ok((await ex.fetchTicker('BTC/USDT')).last > 0, 'no longer through the open breaker');
  });

  it('retries a protected method with the policy given, and restores an own method exactly', async () => {
    const clock = new ManualClock(0);
    const timers = new FakeTimers(clock);
    let n = 0;
    const api = {
      read: async (): Promise<string> => {
        n++;
        if (n < 3) throw Object.assign(new Error('busy'), { status: 503 });
        return 'ok';
      },
    };
    const own = api.read;
    const handle = protect(api, 'read', new RetryPolicy({ maxAttempts: 3, clock, timers, random: () => 0 }));
    const p = api.read();
    await timers.advance(1_000);
    assert.equal(await p, 'ok');
    assert.equal(n, 3);
    handle[Symbol.dispose]();
    assert.equal(api.read, own);
    assert.equal(Object.keys(api).includes('read'), true, 'still its own enumerable property');
  });

  it('does not clobber a method somebody replaced after it', () => {
    const api = { read: (): number => 1 };
    const handle = protect(api, 'read', new CircuitBreaker());
    const later = (): number => 2;
    api.read = later;
    handle.dispose();
    assert.equal(api.read, later);
  });

  it('refuses what it cannot protect, naming it', () => {
    const api = { value: 1 } as unknown as { value: () => void };
    assert.throws(() => protect(api, 'value', new CircuitBreaker()), /value is not a method/);
    assert.throws(() => protect(() => 1, {} as CircuitBreaker), /execute method/);
  });
});
