import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/index.js';
import type { HaltState, TripRequest, TripResult } from '../killswitch/index.js';
import { Freshness, freshnessOptionsFromConfig } from '../market/index.js';
import { SessionLossLimit, lossLimitOptionsFromConfig } from '../risk/index.js';
import { ManualClock } from '../util/clock.js';
import { DegradationManager } from './degradation-manager.js';
import { degradationOptionsFromConfig } from './modes-from-config.js';

const idle = {
  trip: (_r: TripRequest): Promise<TripResult> => Promise.reject(new Error('not in this test')),
  state: (): HaltState => ({ halted: false, checkedAt: 0, eventId: null }),
  onChange: () => ({ dispose: () => undefined }),
};

describe('modes, freshness and lossLimit config sections', () => {
  it('an empty config gives seed 003 thresholds, the default freshness rules and no loss limit', () => {
    const c = parseConfig({});
    const m = new DegradationManager(degradationOptionsFromConfig(c.modes, { killSwitch: idle }));
    assert.deepEqual(m.thresholds, {
      minBalance: 10,
      maxDrawdown: 0.2,
      feedMaxAgeMs: 60_000,
      maxClockDriftMs: 2000,
      accountMaxAgeMs: 300_000,
      breakerGraceMs: 0,
    });
    m.close();
    const f = new Freshness(freshnessOptionsFromConfig(c.freshness));
    assert.deepEqual(f.rule('BTC'), { maxAgeMs: 60_000, jumpBand: 0.2, jumpConfirmTicks: 0 });
    assert.equal(c.lossLimit, undefined);
  });

  it('per-symbol freshness rules and a loss limit with a daily boundary in a time zone', () => {
    const c = parseConfig({
      freshness: { symbols: { ETH: { maxAgeMs: 5000 } } },
      lossLimit: { maxLoss: 50, dailyAt: '18:00', timezone: 'America/New_York' },
    });
    assert.equal(new Freshness(freshnessOptionsFromConfig(c.freshness)).rule('ETH').maxAgeMs, 5000);
    const clock = new ManualClock(Date.UTC(2023, 10, 14, 22));
    const l = new SessionLossLimit(
      lossLimitOptionsFromConfig(c.lossLimit!, { killSwitch: idle, clock, intervalMs: 0 }),
    );
    assert.equal(l.state.nextBoundary, Date.UTC(2023, 10, 14, 23));
    l.close();
  });

  it('names the field of a bad value, and catches a percentage typed as a fraction', () => {
    assert.throws(() => parseConfig({ modes: { maxDrawdown: 20 } }), /modes\.maxDrawdown.*0\.2 \(20 %/);
    assert.throws(() => parseConfig({ lossLimit: { maxLossPct: 5 } }), /lossLimit\.maxLossPct/);
    assert.throws(() => parseConfig({ lossLimit: { warnShare: 0.8 } }), /maxLoss, maxLossPct or both/);
    assert.throws(() => parseConfig({ freshness: { maxAgeMs: 0 } }), /freshness\.maxAgeMs/);
    assert.throws(() => parseConfig({ modes: { nope: 1 } }), /modes/);
  });
});
