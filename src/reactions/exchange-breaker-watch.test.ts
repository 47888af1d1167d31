import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, ConsecutiveRule } from '../resilience/index.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { watchExchangeBreaker, type OpenTooLong } from './exchange-breaker-watch.js';

function rig(opts: { trip?: boolean } = {}) {
  const timers = new FakeTimers();
  const clock = timers.clock;
  const breaker = new CircuitBreaker({
    name: 'binance',
    rule: new ConsecutiveRule(2),
    openMs: 10_000,
    clock,
  });
  const alerts = new CollectingAlerts();
  const tooLong: OpenTooLong[] = [];
  const trips: string[] = [];
  const watch = watchExchangeBreaker(breaker, {
    alerts,
    openTooLongMs: 60_000,
    onOpenTooLong: (e) => tooLong.push(e),
    ...(opts.trip
      ? { tripKillSwitch: { trip: (r: { reason: string }) => (trips.push(r.reason), Promise.resolve()) } }
      : {}),
    clock,
    timers,
  });
  const fail = () => breaker.execute(() => Promise.reject(new Error('ECONNREFUSED'))).catch(() => undefined);
  const succeed = () => breaker.execute(() => Promise.resolve(1)).catch(() => undefined);
  return { timers, clock, breaker, alerts, tooLong, trips, watch, fail, succeed };
}

describe('watchExchangeBreaker', () => {
  it('alerts "exchange unreachable" when the breaker opens, once per episode, and the recovery', async () => {
    const r = rig();
    await r.fail();
    await r.fail();
    assert.equal(r.breaker.state, 'open');
    assert.deepEqual(r.alerts.titles(), ['Exchange unreachable']);
    await r.timers.advance(10_001);
    await r.fail(); // the half-open probe fails: back to open, same episode
    assert.deepEqual(r.alerts.titles(), ['Exchange unreachable']);
    await r.timers.advance(10_001);
    await r.succeed();
    assert.equal(r.breaker.state, 'closed');
    assert.deepEqual(r.alerts.titles(), ['Exchange unreachable', 'Exchange reachable again']);
    assert.deepEqual(r.tooLong, [], 'closed within openTooLongMs');
    await r.timers.advance(120_000);
    assert.deepEqual(r.tooLong, []);
  });

  it('open past openTooLongMs (failed probes in between): onOpenTooLong once, and the kill switch trips when configured', async () => {
    const r = rig({ trip: true });
    await r.fail();
    await r.fail();
    for (let i = 0; i < 5; i++) {
      await r.timers.advance(10_001);
      await r.fail();
    }
    await r.timers.advance(10_000);
    assert.equal(r.tooLong.length, 1);
    assert.equal(r.tooLong[0]!.breaker, 'binance');
    assert.ok(r.tooLong[0]!.openForMs >= 60_000);
    assert.deepEqual(r.trips, ['exchange breaker binance open for 60 s']);
    assert.ok(r.alerts.titles().includes('Exchange unreachable for 60 s: reduce-only'));
    await r.timers.advance(600_000);
    assert.equal(r.tooLong.length, 1, 'once per episode');
  });

  it('dispose stops the watch (no callback for an open that outlives it)', async () => {
    const r = rig();
    await r.fail();
    await r.fail();
    r.watch.dispose();
    await r.timers.advance(120_000);
    assert.deepEqual(r.tooLong, []);
    assert.equal(r.timers.pending, 0);
  });
});
