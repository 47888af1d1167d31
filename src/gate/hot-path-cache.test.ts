import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KillSwitch } from '../killswitch/index.js';
import { SqliteStore } from '../store/index.js';
import { createGate } from './gate.js';
import { KillSwitchLayer } from './killswitch-layer.js';
import type { GateIntent } from './layer.js';
import { RateLimitLayer } from './rate-limit-layer.js';
import { RiskLimitsLayer } from './risk-limits-layer.js';
import { StrategyLayer } from './strategy-layer.js';

// The layers remember their last answer (the kill switch's and strategy breaker's frozen answer
// objects, the last symbol's state, the last strategy's ring) so a steady bot looks nothing up.
// Each test changes the state behind a warm cache and checks the very next check sees it.
const buy: GateIntent = { symbol: 'BTC/USDT', side: 'buy', amount: 1, price: 100, strategy: 'momo' };

describe('the gate layers’ hot-path caches', () => {
  let dir: string;
  let store: SqliteStore;
  let ks: KillSwitch;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-gate-cache-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0 });
  });
  afterEach(async () => {
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a kill switch tripped or resumed is seen by the very next check (real KillSwitch over SQLite)', async () => {
    const gate = createGate({ killSwitch: new KillSwitchLayer(ks) });
    for (let i = 0; i < 1000; i++) assert.equal(gate.check(buy).allow, true); // warm the cache
    await ks.trip({ reason: 'test', by: 'cache-test' });
    const d = gate.check(buy);
    assert.deepEqual({ allow: d.allow, reason: d.reason }, { allow: false, reason: 'halted_deny_new_risk' });
    assert.equal(gate.check({ ...buy, reduceOnly: true }).allow, true, 'reduce-only passes the halt');
    assert.equal(gate.check(buy).allow, false, 'and the next new-risk check is denied again');
    await ks.resume({ reason: 'test over', by: 'cache-test' });
    assert.equal(gate.check(buy).allow, true);
  });

  it('a strategy breaker whose answer changes is seen by the very next check', () => {
    const ok = Object.freeze({ allow: true, reason: 'active' });
    const blocked = Object.freeze({ allow: false, reason: 'circuit_breaker_blocked' });
    let answer: { allow: boolean; reason: string } = ok;
    const layer = new StrategyLayer({ check: () => answer });
    for (let i = 0; i < 100; i++) assert.equal(layer.check(buy).reason, 'active');
    answer = blocked;
    assert.deepEqual(
      { ...layer.check(buy) },
      { allow: false, layer: 'strategy', reason: 'circuit_breaker_blocked' },
    );
    answer = ok;
    assert.equal(layer.check(buy).allow, true);
  });

  it('an answer object mutated in place is never served from the cache (only frozen answers are kept)', () => {
    const answer = { allow: true, reason: 'active' };
    const layer = new StrategyLayer({ check: () => answer });
    assert.equal(layer.check(buy).allow, true);
    answer.allow = false;
    answer.reason = 'circuit_breaker_blocked';
    assert.equal(layer.check(buy).reason, 'circuit_breaker_blocked');
    const ksAnswer = { allow: true, reason: 'running' };
    const ksLayer = new KillSwitchLayer({ allows: () => ksAnswer });
    assert.equal(ksLayer.check(buy).allow, true);
    ksAnswer.allow = false;
    ksAnswer.reason = 'halted_deny_new_risk';
    assert.equal(ksLayer.check(buy).allow, false);
  });

  it('a position or price pushed for the cached symbol is seen by the very next check', () => {
    const risk = new RiskLimitsLayer({ maxPosition: 10, maxOrderNotional: 1000 });
    const market: GateIntent = { symbol: 'BTC/USDT', side: 'buy', amount: 1, strategy: 'momo' };
    risk.update({ positions: { 'BTC/USDT': 0 }, prices: { 'BTC/USDT': 100 } });
    for (let i = 0; i < 100; i++) assert.equal(risk.check(market).allow, true);
    risk.update({ positions: { 'BTC/USDT': 9.5 } });
    assert.equal(risk.check(market).reason, 'max_position');
    risk.update({ positions: { 'BTC/USDT': 0 } });
    risk.setPrice('BTC/USDT', 2000);
    assert.equal(risk.check(market).reason, 'max_order_notional');
    risk.setPrice('BTC/USDT', NaN);
    assert.equal(risk.check(market).reason, 'risk_no_price_fail_closed');
    // another symbol in between, then back: each answers from its own state
    assert.equal(risk.check({ ...market, symbol: 'ETH/USDT', price: 10 }).allow, true);
    assert.equal(risk.check(market).reason, 'risk_no_price_fail_closed');
  });

  it('the cached strategy ring keeps counting, and another key gets its own', () => {
    const rate = new RateLimitLayer({ perStrategy: { limit: 2, windowMs: 1000 } });
    assert.equal(rate.check(buy, 0).allow, true);
    assert.equal(rate.check(buy, 0).allow, true);
    assert.equal(rate.check(buy, 0).reason, 'rate_limit_strategy');
    assert.equal(rate.check({ ...buy, strategy: 'other' }, 0).allow, true);
    assert.equal(rate.check(buy, 500).reason, 'rate_limit_strategy', 'back to the first key: still full');
    assert.equal(rate.check(buy, 1000).allow, true, 'the window has passed');
  });
});
