// The gate through a real Executor: the in-process simulator venue, a real SQLite store, a real
// kill switch over its data dir (STOP file included), a real strategy breaker over a state file
// and a real shadow ledger read back by the evaluator's reader.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  BreakerLayer,
  KillSwitchLayer,
  RateLimitLayer,
  RiskLimitsLayer,
  StrategyLayer,
  createGate,
} from '../src/gate/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { createRig, destroyRig, intent, market, type Rig } from '../src/orders/executor-test-rig.js';
import { CircuitBreaker, ConsecutiveRule } from '../src/resilience/index.js';
import { ShadowLedger, readShadowFigures } from '../src/strategy/shadow/shadow-ledger.js';
import { StrategyBreaker } from '../src/strategy/runtime/strategy-breaker.js';

let rig: Rig;
let ks: KillSwitch;
beforeEach(async () => {
  rig = createRig();
  ks = await KillSwitch.open({ store: rig.store, dataDir: rig.dir, pollMs: 0, clock: rig.clock });
});
afterEach(async () => {
  await ks.close();
  await destroyRig(rig);
});

describe('the gate in the Executor', () => {
  it('by default is a Gate over the kill switch: a trip denies new risk, reduce-only passes, resume allows', async () => {
    const ex = rig.executor({ gate: undefined, killSwitch: ks });
    assert.equal((await ex.submit(intent('before'))).status, 'placed');
    await ks.trip({ reason: 'test halt' });
    const d = await ex.submit(intent('k1'));
    assert.deepEqual(d, { status: 'denied', idempotencyKey: 'k1', reason: 'halted_deny_new_risk' });
    const r = await ex.submit(intent('r1', { side: 'sell', reduceOnly: true, price: 200 }));
    assert.equal(r.status, 'placed');
    assert.equal(rig.sim.allOrders().length, 2, 'the denied intent was never sent');
    const st = ks.state();
    assert.ok(st.halted);
    await ks.resume({ reason: 'ok', by: 'test', haltId: st.eventId });
    assert.equal((await ex.submit(intent('k1'))).status, 'placed');
  });

  it('a STOP file in the data dir halts the default gate whatever the store says', async () => {
    const ex = rig.executor({ gate: undefined, killSwitch: ks });
    writeFileSync(join(rig.dir, 'STOP'), 'halt\n');
    await ks.refresh();
    assert.equal((await ex.submit(intent('k1'))).status, 'denied');
    assert.equal(
      (await ex.submit(intent('r1', { side: 'sell', reduceOnly: true, price: 200 }))).status,
      'placed',
    );
  });

  it('takes a Gate: a blocked strategy is denied and its intent lands in the shadow ledger', async () => {
    const statePath = join(rig.dir, 'strategy_state.json');
    writeFileSync(
      statePath,
      JSON.stringify({
        as_of_unix: rig.clock.now() / 1000,
        strategies: {
          mean_rev: { status: 'blocked', reason: 'roi_below_threshold' },
          trend: { status: 'active' },
        },
      }),
    );
    const breaker = new StrategyBreaker({ statePath, clock: rig.clock, watch: false, reloadIntervalMs: 0 });
    const shadowPath = join(rig.dir, 'shadow.jsonl');
    const ledger = new ShadowLedger(shadowPath);
    const gate = createGate({
      killSwitch: new KillSwitchLayer(ks),
      strategy: new StrategyLayer(breaker),
      shadow: { ledger },
      clock: rig.clock,
    });
    try {
      const ex = rig.executor({ gate });
      const d = await ex.submit(intent('sig-1', { strategy: 'mean_rev', amount: 2, price: 95 }));
      assert.deepEqual(d, { status: 'denied', idempotencyKey: 'sig-1', reason: 'circuit_breaker_blocked' });
      assert.equal((await ex.submit(intent('sig-2', { strategy: 'trend' }))).status, 'placed');
      await gate.drain();
      ledger.resolve('sig-1', 7);
      const f = readShadowFigures(shadowPath, rig.clock.now() - 1);
      assert.deepEqual(f.figures.get('mean_rev'), { n: 1, pnl: 14, cost: 9500 * 2 });
      assert.equal(f.figures.get('trend'), undefined, 'an allowed intent is no shadow trade');
    } finally {
      breaker.close();
    }
  });

  it('denies while the exchange breaker is open, with its retryAfter, and sends nothing', async () => {
    const cb = new CircuitBreaker({
      name: 'venue',
      rule: new ConsecutiveRule(1),
      openMs: 30_000,
      clock: rig.clock,
    });
    const layer = new BreakerLayer(cb);
    const gate = createGate({ killSwitch: new KillSwitchLayer(ks), breaker: layer, clock: rig.clock });
    const ex = rig.executor({ gate });
    await assert.rejects(cb.execute(() => Promise.reject(new Error('venue down'))));
    const v = gate.check(intent('x'));
    assert.deepEqual(
      { ...v },
      {
        allow: false,
        layer: 'breaker',
        reason: 'breaker_open',
        retryAfter: rig.clock.now() + 30_000,
      },
    );
    const d = await ex.submit(intent('k1'));
    assert.deepEqual(d, { status: 'denied', idempotencyKey: 'k1', reason: 'breaker_open' });
    assert.equal(rig.sim.allOrders().length, 0);
    rig.clock.advance(30_000);
    assert.equal((await ex.submit(intent('k1'))).status, 'placed', 'half-open: the order is the probe');
  });

  it('risk limits and the rate limit deny through the executor; a market order needs a pushed price', async () => {
    const risk = new RiskLimitsLayer({ maxOrderNotional: 500, maxPosition: 3 });
    const gate = createGate({
      riskLimits: risk,
      rateLimit: new RateLimitLayer({ perStrategy: { limit: 1, windowMs: 60_000 } }),
      clock: rig.clock,
    });
    const ex = rig.executor({ gate });
    assert.equal((await ex.submit(market('m1'))).status, 'denied');
    assert.equal((await rig.stores.orders.get('m1'))?.reason, 'risk_no_price_fail_closed');
    risk.update({ prices: { 'BTC/USDT': 100 } });
    assert.equal((await ex.submit(intent('big', { amount: 6 }))).status, 'denied');
    const s1 = await ex.submit(intent('s1', { strategy: 'A' }));
    assert.equal(s1.status, 'placed');
    const s2 = await ex.submit(intent('s2', { strategy: 'A' }));
    assert.deepEqual(s2, { status: 'denied', idempotencyKey: 's2', reason: 'rate_limit_strategy' });
    rig.clock.advance(60_000);
    assert.equal((await ex.submit(intent('s2', { strategy: 'A' }))).status, 'placed');
  });
});
