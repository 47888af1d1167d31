import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HaltState } from '../killswitch/index.js';
import { ManualClock } from '../util/clock.js';
import { DegradationManager } from './degradation-manager.js';
import type { KillSwitchPort } from './kill-switch-port.js';

const BUY = { symbol: 'BTC/USDT', side: 'buy', amount: 1 } as const;
const REDUCE = { ...BUY, side: 'sell', reduceOnly: true } as const;

/** A kill switch that is never tripped here (the resource hold does not trip). */
const running: KillSwitchPort = {
  trip: () => Promise.reject(new Error('the resource hold must not trip')),
  state: () => ({ halted: false }) as HaltState,
  onChange: () => ({ dispose: () => undefined }),
};

describe('DegradationManager: the resource hold (failure-class reaction)', () => {
  it('holds REDUCE_ONLY for holdMs after the last resource failure, then FULL by time alone', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const m = new DegradationManager({ killSwitch: running, clock, intervalMs: 0, accountMaxAgeMs: 0 });
    m.report({ balance: 1000, equity: 1000 });
    m.feedTick();
    assert.equal(m.mode, 'FULL');
    m.resourceExhausted('resource failure node:ENOSPC', 60_000);
    assert.equal(m.mode, 'REDUCE_ONLY');
    assert.equal(m.state.reason, 'resource_exhausted');
    assert.equal(m.check(BUY, clock.now()).allow, false);
    assert.equal(m.check(REDUCE, clock.now()).allow, true);
    clock.advance(30_000);
    m.feedTick();
    m.resourceExhausted('resource failure node:EMFILE', 60_000); // a later one extends the hold
    clock.advance(59_999);
    m.feedTick();
    assert.equal(m.check(BUY, clock.now()).allow, false);
    clock.advance(1);
    assert.equal(m.check(BUY, clock.now()).allow, true, 'time alone ends the hold');
    assert.equal(m.mode, 'FULL');
    assert.throws(() => m.resourceExhausted('x', 0), RangeError);
    m.close();
  });
});
