import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Order } from '../exchange/index.js';
import { CircuitBreaker, ConsecutiveRule } from '../resilience/index.js';
import { ManualClock } from '../util/clock.js';
import { BreakerLayer, type BreakerVerdict } from './breaker-layer.js';
import { KillSwitchLayer } from './killswitch-layer.js';
import type { GateIntent } from './layer.js';
import { RateLimitLayer } from './rate-limit-layer.js';
import { RiskLimitsLayer } from './risk-limits-layer.js';
import { StrategyLayer } from './strategy-layer.js';

const buy = (over: Partial<GateIntent> = {}): GateIntent => ({
  symbol: 'BTC/USDT',
  side: 'buy',
  amount: 1,
  price: 100,
  ...over,
});
const reduce = buy({ side: 'sell', reduceOnly: true });
const cancel = buy({ cancel: true });

describe('KillSwitchLayer', () => {
  const ks = (halted: boolean) => ({
    allows: (e: 'new_risk' | 'reduce_only' | 'cancel') =>
      !halted
        ? { allow: true, reason: 'running' }
        : e === 'new_risk'
          ? { allow: false, reason: 'halted_deny_new_risk' }
          : { allow: true, reason: e === 'cancel' ? 'halted_allow_cancel' : 'halted_allow_reduce_only' },
  });
  it('allows while running, denies new risk while halted, passes reduce-only and cancels', () => {
    assert.deepEqual(new KillSwitchLayer(ks(false)).check(buy()), {
      allow: true,
      layer: 'killswitch',
      reason: 'running',
    });
    const halted = new KillSwitchLayer(ks(true));
    assert.equal(halted.check(buy()).reason, 'halted_deny_new_risk');
    assert.equal(halted.check(buy()).allow, false);
    assert.equal(halted.check(reduce).reason, 'halted_allow_reduce_only');
    assert.equal(halted.check(cancel).reason, 'halted_allow_cancel');
    assert.equal(halted.check(buy()), halted.check(buy()), 'one preallocated verdict per answer');
  });
  it('fails closed for new risk when the kill switch throws or answers nonsense', () => {
    const throwing = new KillSwitchLayer({
      allows: () => {
        throw new Error('boom');
      },
    });
    assert.deepEqual(
      { ...throwing.check(buy()) },
      { allow: false, layer: 'killswitch', reason: 'killswitch_exception_fail_closed' },
    );
    assert.equal(throwing.check(reduce).allow, true);
    const garbage = new KillSwitchLayer({ allows: () => null as never });
    assert.equal(garbage.check(buy()).reason, 'killswitch_exception_fail_closed');
  });
});

describe('StrategyLayer', () => {
  const answers: Record<string, { allow: boolean; reason: string }> = {
    good: { allow: true, reason: 'active' },
    bad: { allow: false, reason: 'circuit_breaker_blocked' },
    stale: { allow: true, reason: 'state_stale_fail_open' },
  };
  const layer = new StrategyLayer({
    check: (k) => answers[k] ?? { allow: true, reason: 'unknown_fail_open' },
  });
  it('allows an active strategy, denies a blocked one, passes fail-open reasons through', () => {
    assert.equal(layer.check(buy({ strategy: 'good' })).reason, 'active');
    const d = layer.check(buy({ strategy: 'bad' }));
    assert.deepEqual({ ...d }, { allow: false, layer: 'strategy', reason: 'circuit_breaker_blocked' });
    assert.deepEqual(
      { ...layer.check(buy({ strategy: 'stale' })) },
      {
        allow: true,
        layer: 'strategy',
        reason: 'state_stale_fail_open',
      },
    );
    assert.equal(layer.check(buy({ strategy: 'nope' })).reason, 'unknown_fail_open');
  });
  it('passes intents without a key and reduce-only intents of a blocked strategy', () => {
    assert.equal(layer.check(buy()).reason, 'no_strategy_key');
    assert.equal(layer.check({ ...reduce, strategy: 'bad' }).allow, true);
  });
  it('fails open when the breaker throws', () => {
    const l = new StrategyLayer({
      check: () => {
        throw new Error('x');
      },
    });
    assert.deepEqual(
      { ...l.check(buy({ strategy: 'a' })) },
      {
        allow: true,
        layer: 'strategy',
        reason: 'exception_fail_open',
      },
    );
  });
});

describe('RiskLimitsLayer', () => {
  it('denies an order over the max notional, allows one under it', () => {
    const l = new RiskLimitsLayer({ maxOrderNotional: 1000 });
    assert.equal(l.check(buy({ amount: 10, price: 100 })).reason, 'within_limits');
    assert.deepEqual(
      { ...l.check(buy({ amount: 10.01, price: 100 })) },
      {
        allow: false,
        layer: 'risk_limits',
        reason: 'max_order_notional',
      },
    );
  });
  it('values a market order at the pushed last price and fails closed with no price', () => {
    const l = new RiskLimitsLayer({ maxOrderNotional: 1000 });
    const market = buy({ price: undefined, amount: 5 });
    assert.equal(l.check(market).reason, 'risk_no_price_fail_closed');
    l.update({ prices: { 'BTC/USDT': 150 } });
    assert.equal(l.check(market).reason, 'within_limits');
    l.setPrice('BTC/USDT', 250);
    assert.equal(l.check(market).reason, 'max_order_notional');
    l.setPrice('BTC/USDT', Number.NaN);
    assert.equal(l.check(market).reason, 'risk_no_price_fail_closed');
    assert.throws(() => l.update({ prices: { 'BTC/USDT': -1 } }), RangeError);
  });
  it('denies an order that would take the position past the limit, per symbol', () => {
    const l = new RiskLimitsLayer({ maxPosition: 5, maxPositionBySymbol: { 'ETH/USDT': 50 } });
    l.update({ positions: { 'BTC/USDT': 4 } });
    assert.equal(l.check(buy({ amount: 1 })).allow, true);
    assert.equal(l.check(buy({ amount: 2 })).reason, 'max_position');
    assert.equal(l.check(buy({ side: 'sell', amount: 9 })).allow, true, 'a sell to -5 is within');
    assert.equal(l.check(buy({ side: 'sell', amount: 10 })).reason, 'max_position');
    assert.equal(l.check(buy({ symbol: 'ETH/USDT', amount: 40 })).allow, true);
    assert.equal(l.check(buy({ amount: 20, reduceOnly: true })).reason, 'reduce_only_pass');
  });
  it('counts open orders from applyOrder once per order, and from update()', () => {
    const l = new RiskLimitsLayer({ maxOpenOrders: 1, maxPosition: 3 });
    const o = (id: string, status: Order['status'], filled: number): Order => ({
      id,
      clientOrderId: `c-${id}`,
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      amount: 2,
      price: 100,
      filled,
      average: filled > 0 ? 100 : null,
      status,
      timestamp: 0,
    });
    assert.equal(l.check(buy()).allow, true);
    l.applyOrder(o('a', 'open', 0));
    l.applyOrder(o('a', 'open', 0));
    assert.equal(l.check(buy()).reason, 'max_open_orders');
    l.applyOrder(o('a', 'closed', 2));
    l.applyOrder(o('a', 'closed', 2));
    assert.equal(l.check(buy({ amount: 1 })).allow, true, 'position 2 + 1 = 3 is within');
    assert.equal(l.check(buy({ amount: 2 })).reason, 'max_position', 'the fill was counted once');
    l.update({ openOrders: 1 });
    assert.equal(l.check(buy({ amount: 1 })).reason, 'max_open_orders');
  });
  it('denies a non-positive or NaN amount rather than comparing NaN', () => {
    const l = new RiskLimitsLayer({ maxOrderNotional: 10 });
    assert.equal(l.check(buy({ amount: Number.NaN })).reason, 'risk_bad_amount_fail_closed');
    assert.throws(() => new RiskLimitsLayer({ maxOpenOrders: -1 }), /maxOpenOrders/);
  });
});

describe('BreakerLayer', () => {
  it('allows while closed; denies everything while open with its retryAfter; forced open says so', async () => {
    const clock = new ManualClock(1_000_000);
    const b = new CircuitBreaker({ name: 'venue', rule: new ConsecutiveRule(1), openMs: 30_000, clock });
    const l = new BreakerLayer(b);
    assert.deepEqual({ ...l.check(buy()) }, { allow: true, layer: 'breaker', reason: 'breaker_allows' });
    await assert.rejects(b.execute(() => Promise.reject(new Error('down'))));
    const d = l.check(buy()) as BreakerVerdict;
    assert.deepEqual(
      { ...d },
      { allow: false, layer: 'breaker', reason: 'breaker_open', retryAfter: 1_030_000 },
    );
    assert.equal(l.check(reduce).allow, false, 'nothing is sent to a venue the breaker cut off');
    assert.equal(l.check(buy()), d, 'one verdict per open period');
    clock.advance(30_000);
    assert.equal(l.check(buy()).allow, true, 'half-open with a free probe slot: the order is the probe');
    const hold = b.forceOpen({ reason: 'maintenance' });
    const f = l.check(buy()) as BreakerVerdict;
    assert.equal(f.reason, 'breaker_forced_open');
    assert.equal(f.retryAfter, null);
    hold.release();
  });
  it('fails closed when the breaker throws', () => {
    const l = new BreakerLayer({
      name: 'x',
      state: 'closed',
      retryAfter: null,
      allows: () => {
        throw new Error('x');
      },
    });
    assert.equal(l.check(buy()).reason, 'breaker_exception_fail_closed');
    assert.equal(l.check(buy()).allow, false);
  });
});

describe('RateLimitLayer', () => {
  it('denies beyond the overall limit within the window and admits again as it slides (injected clock)', () => {
    const l = new RateLimitLayer({ overall: { limit: 3, windowMs: 1000 } });
    let t = 10_000;
    for (let i = 0; i < 3; i++) assert.equal(l.check(buy(), t++).allow, true);
    const d = l.check(buy(), t);
    assert.deepEqual({ ...d }, { allow: false, layer: 'rate_limit', reason: 'rate_limit_overall' });
    assert.equal(l.check(buy(), 10_999).allow, false, 'denied, not queued: a denial counts nothing');
    assert.equal(l.check(buy(), 11_000).allow, true, 'the first left the window');
    assert.equal(l.check(buy(), 11_000).allow, false);
    assert.equal(l.check(buy(), 11_001).allow, true);
    assert.equal(l.check(reduce, 11_001).reason, 'reduce_only_pass');
  });
  it('limits each strategy on its own, and a per-key limit overrides the default', () => {
    const l = new RateLimitLayer({
      perStrategy: { limit: 2, windowMs: 60_000 },
      strategies: { fast: { limit: 4, windowMs: 60_000 } },
    });
    const t = 5_000;
    assert.equal(l.check(buy({ strategy: 'a' }), t).allow, true);
    assert.equal(l.check(buy({ strategy: 'a' }), t).allow, true);
    assert.equal(l.check(buy({ strategy: 'a' }), t).reason, 'rate_limit_strategy');
    assert.equal(l.check(buy({ strategy: 'b' }), t).allow, true, 'b has its own window');
    for (let i = 0; i < 4; i++) assert.equal(l.check(buy({ strategy: 'fast' }), t).allow, true);
    assert.equal(l.check(buy({ strategy: 'fast' }), t).allow, false);
    assert.equal(l.check(buy(), t).allow, true, 'no key: only the overall limit applies');
    assert.equal(l.peek(buy({ strategy: 'a' }), t + 60_000).allow, true);
  });
  it('an order over the strategy limit does not use up the overall limit', () => {
    const l = new RateLimitLayer({
      overall: { limit: 2, windowMs: 1000 },
      perStrategy: { limit: 1, windowMs: 1000 },
    });
    assert.equal(l.check(buy({ strategy: 'a' }), 0).allow, true);
    assert.equal(l.check(buy({ strategy: 'a' }), 0).allow, false);
    assert.equal(l.check(buy({ strategy: 'b' }), 0).allow, true);
    assert.equal(l.check(buy({ strategy: 'c' }), 0).reason, 'rate_limit_overall');
  });
  it('fails closed past maxStrategies new keys and rejects bad limits', () => {
    const l = new RateLimitLayer({ perStrategy: { limit: 1, windowMs: 1000 }, maxStrategies: 2 });
    assert.equal(l.check(buy({ strategy: 'a' }), 0).allow, true);
    assert.equal(l.check(buy({ strategy: 'b' }), 0).allow, true);
    assert.equal(l.check(buy({ strategy: 'c' }), 0).reason, 'rate_strategy_table_full_fail_closed');
    assert.throws(() => new RateLimitLayer({ overall: { limit: 0, windowMs: 1 } }), /overall.limit/);
    assert.throws(() => new RateLimitLayer({ overall: { limit: 1, windowMs: Number.NaN } }), /windowMs/);
  });
});
