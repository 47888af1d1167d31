import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { isAmbiguous } from '../exchange-error.js';
import { InProcessExchange } from './in-process-exchange.js';
import { ExchangeSimulator, type SimulatorOptions } from './simulator.js';

function setup(extra: Partial<SimulatorOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const sim = new ExchangeSimulator({
    clock,
    markets: [{ symbol: 'BTC/USDT', mid: 100 }],
    balances: { USDT: 10_000 },
    ...extra,
  });
  const slept: number[] = [];
  const ex = new InProcessExchange(sim, {
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
  });
  return { clock, sim, ex, slept };
}

const req = {
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  clientOrderId: 'c1',
} as const;

describe('InProcessExchange', () => {
  it('places, finds by client id, lists, cancels', async () => {
    const { ex } = setup();
    const o = await ex.createOrder(req);
    assert.deepEqual(await ex.fetchOrderByClientId('BTC/USDT', 'c1'), o);
    assert.equal(await ex.fetchOrderByClientId('BTC/USDT', 'nope'), null);
    assert.equal((await ex.fetchOpenOrders('BTC/USDT')).length, 1);
    assert.equal((await ex.cancelOrder(o.id, 'BTC/USDT')).status, 'canceled');
    assert.equal((await ex.fetchBalances())[0]?.free, 10_000);
    assert.equal(await ex.fetchServerTime(), 1_000_000);
  });

  it('timeout_after_accept: the caller gets RequestTimeout and the order is on the book', async () => {
    const { ex, sim } = setup();
    sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    const err = await ex.createOrder(req).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'RequestTimeout');
    assert.ok(isAmbiguous(err));
    assert.equal((await ex.fetchOrderByClientId('BTC/USDT', 'c1'))?.status, 'open');
  });

  it('timeout_before_accept, 5xx and 429 leave nothing on the book', async () => {
    const { ex, sim } = setup();
    for (const [kind, name] of [
      ['timeout_before_accept', 'RequestTimeout'],
      ['http_5xx', 'ExchangeNotAvailable'],
      ['http_429', 'RateLimitExceeded'],
    ] as const) {
      sim.faults.injectNext(kind);
      await assert.rejects(ex.createOrder(req), { name });
      assert.equal(sim.allOrders().length, 0);
    }
    sim.faults.injectNext('http_429');
    const err = await ex.fetchOpenOrders().catch((e: unknown) => e);
    assert.equal((err as { retryAfterMs?: number }).retryAfterMs, 1000);
    assert.deepEqual(sim.faults.injected(), {
      timeout_after_accept: 0,
      timeout_before_accept: 1,
      http_5xx: 1,
      http_429: 2,
      disconnect: 0,
      delayed_accept: 0,
    });
  });

  it('a rejection lost with the connection still surfaces as the transport error', async () => {
    const { ex, sim } = setup();
    await ex.createOrder(req);
    sim.faults.injectNext('timeout_after_accept');
    await assert.rejects(ex.createOrder(req), { name: 'RequestTimeout' }); // the duplicate is never seen
    assert.equal(sim.allOrders().length, 1);
  });

  it('disconnect: NetworkError after the venue acted', async () => {
    const { ex, sim } = setup();
    sim.faults.injectNext('disconnect');
    await assert.rejects(ex.createOrder(req), { name: 'NetworkError' });
    assert.equal(sim.openOrders().length, 1);
  });

  it('random faults follow the seed and the rates', async () => {
    const run = async () => {
      const { ex } = setup({ seed: 7, faults: { rates: { http_5xx: 0.3, disconnect: 0.2 } } });
      const names: string[] = [];
      for (let i = 0; i < 200; i++) {
        names.push(
          await ex.fetchServerTime().then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      return names;
    };
    const a = await run();
    assert.deepEqual(await run(), a);
    const share = (n: string) => a.filter((x) => x === n).length / a.length;
    assert.ok(share('ExchangeNotAvailable') > 0.2 && share('ExchangeNotAvailable') < 0.4);
    assert.ok(share('NetworkError') > 0.1 && share('NetworkError') < 0.3);
  });

  it('injects latency through the injected sleep', async () => {
    const { ex, slept } = setup({ faults: { latencyMs: { min: 10, max: 20 } } });
    await ex.fetchServerTime();
    assert.equal(slept.length, 1);
    assert.ok(slept[0]! >= 10 && slept[0]! <= 20);
  });

  it('serves bad market data on demand: NaN, zero, stale', async () => {
    const { ex, sim } = setup();
    sim.faults.injectBadData('nan');
    sim.faults.injectBadData('zero');
    sim.faults.injectBadData('stale');
    assert.ok(Number.isNaN((await ex.fetchTicker('BTC/USDT')).last));
    assert.equal((await ex.fetchTicker('BTC/USDT')).last, 0);
    assert.equal((await ex.fetchTicker('BTC/USDT')).timestamp, 1_000_000 - 60_000);
    assert.equal((await ex.fetchTicker('BTC/USDT')).last, 100);
  });

  it("reports a missing dead man's switch as unsupported", async () => {
    const { ex } = setup({ deadMansSwitch: false });
    assert.equal((await ex.armDeadMansSwitch(1000)).status, 'unsupported');
    const { ex: ex2, sim } = setup();
    assert.deepEqual(await ex2.armDeadMansSwitch(1000), { status: 'armed', timeoutMs: 1000 });
    sim.close();
  });
});
