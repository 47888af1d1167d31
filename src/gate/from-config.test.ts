import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../config/schema.js';
import { ManualClock } from '../util/clock.js';
import { gateFromConfig } from './from-config.js';
import { KillSwitchLayer } from './killswitch-layer.js';

const running = new KillSwitchLayer({ allows: () => ({ allow: true, reason: 'running' }) });
const buy = { symbol: 'BTC/USDT', side: 'buy' as const, amount: 1, price: 100, strategy: 'A' };

describe('gateFromConfig', () => {
  it('builds risk and rate limits from the gate section and leaves them out by default', () => {
    const none = gateFromConfig(configSchema.parse({}).gate, { killSwitch: running });
    assert.equal(none.riskLimits, null);
    assert.equal(none.rateLimit, null);
    assert.deepEqual(
      none.gate.layers.filter((l) => l.layer !== null).map((l) => l.slot),
      ['killSwitch'],
    );
    const cfg = configSchema.parse({
      gate: {
        riskLimits: { maxOrderNotional: 150, maxOpenOrders: 5 },
        rateLimit: { perStrategy: { limit: 1, windowMs: 1000 } },
      },
    });
    const clock = new ManualClock(1_000);
    const { gate, riskLimits } = gateFromConfig(cfg.gate, { killSwitch: running, clock });
    assert.ok(riskLimits !== null);
    assert.equal(gate.check({ ...buy, amount: 2 }).reason, 'max_order_notional');
    assert.equal(gate.check(buy).allow, true);
    assert.equal(gate.check(buy).reason, 'rate_limit_strategy');
    riskLimits.update({ openOrders: 5 });
    clock.advance(1000);
    assert.equal(gate.check(buy).reason, 'max_open_orders');
  });

  it('rejects a bad gate section with the field named', () => {
    const r = configSchema.safeParse({ gate: { rateLimit: { overall: { limit: 0, windowMs: 1 } } } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['gate', 'rateLimit', 'overall', 'limit']);
    assert.equal(configSchema.safeParse({ gate: { maxOrders: 1 } }).success, false);
  });
});
