import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { BreakerRegistry } from './breaker-registry.js';
import { ConsecutiveRule } from './consecutive-rule.js';

describe('BreakerRegistry', () => {
  it('gets or creates by name, lists open circuits and stats, resets all', async () => {
    const clock = new ManualClock(0);
    const reg = new BreakerRegistry({ defaults: () => ({ rule: new ConsecutiveRule(1), clock }) });
    const a = reg.get('binance');
    assert.equal(reg.get('binance'), a);
    reg.get('kraken');
    await assert.rejects(
      a.execute(async () => {
        throw new Error('down');
      }),
    );
    assert.deepEqual(reg.openCircuits(), ['binance']);
    assert.deepEqual(Object.keys(reg.stats()), ['binance', 'kraken']);
    assert.equal(reg.stats()['binance']?.failures, 1);
    reg.resetAll();
    assert.deepEqual(reg.openCircuits(), []);
  });

  it('isolates several breakers with one handle', () => {
    const reg = new BreakerRegistry();
    reg.get('a');
    reg.get('b');
    const iso = reg.isolate(undefined, { reason: 'maintenance' });
    assert.deepEqual(reg.openCircuits(), ['a', 'b']);
    iso.release();
    assert.deepEqual(
      reg.names().map((n) => reg.find(n)?.state),
      ['half-open', 'half-open'],
    );
  });

  it('restores each breaker from toJSON by name', async () => {
    const clock = new ManualClock(0);
    const reg = new BreakerRegistry({
      defaults: () => ({ rule: new ConsecutiveRule(1), clock, openMs: 1000 }),
    });
    await assert.rejects(
      reg.get('x').execute(async () => {
        throw new Error('down');
      }),
    );
    const saved = JSON.parse(JSON.stringify(reg)) as ReturnType<BreakerRegistry['toJSON']>;
    const again = new BreakerRegistry({ defaults: () => ({ clock }), initialState: saved });
    assert.equal(again.get('x').state, 'open');
    clock.advance(1000);
    assert.equal(again.get('x').state, 'half-open');
  });
});
