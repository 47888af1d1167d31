import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { Freshness } from './freshness.js';

const T0 = 1_700_000_000_000;
const buy = (symbol = 'BTC') => ({ symbol, side: 'buy', amount: 1 }) as const;

function setup(opts: ConstructorParameters<typeof Freshness>[0] = {}) {
  const clock = new ManualClock(T0);
  const alerts = new CollectingAlerts();
  return { clock, alerts, f: new Freshness({ clock, alerts, ...opts }) };
}

describe('Freshness', () => {
  it('denies new risk on a symbol that never ticked, and on one whose last good tick is older than its max age', () => {
    const { clock, f } = setup({ maxAgeMs: 10_000, symbols: { ETH: { maxAgeMs: 2_000 } } });
    assert.equal(f.check(buy(), clock.now()).reason, 'freshness_no_tick_fail_closed');
    assert.deepEqual(f.tick('BTC', 100, clock.now()), { accepted: true });
    assert.deepEqual(f.tick('ETH', 10, clock.now()), { accepted: true });
    clock.advance(10_000);
    assert.equal(f.check(buy(), clock.now()).reason, 'freshness_ok');
    assert.equal(f.check(buy(), clock.now()), f.check(buy(), clock.now()), 'a preallocated verdict');
    assert.equal(f.tick('BTC', 100, clock.now() - 10_000), f.tick('BTC', 100, clock.now() - 10_000));
    assert.equal(f.check(buy('ETH'), clock.now()).reason, 'freshness_stale', 'per-symbol max age');
    clock.advance(1);
    const v = f.check(buy(), clock.now());
    assert.equal(v.allow, false);
    assert.equal(v.reason, 'freshness_stale');
    assert.equal(f.isStale('BTC'), true);
    assert.equal(f.check({ ...buy(), reduceOnly: true }, clock.now()).reason, 'freshness_allow_reduce_only');
    assert.equal(f.check({ ...buy(), cancel: true }, clock.now()).reason, 'freshness_allow_cancel');
    f.tick('BTC', 101, clock.now());
    assert.equal(f.check(buy(), clock.now()).allow, true);
  });

  it('rejects NaN, zero, negative and a jump beyond the band; none becomes the last good price', () => {
    const { clock, f } = setup({ jumpBand: 0.1 });
    assert.equal(f.tick('BTC', NaN, clock.now()).accepted, false);
    assert.deepEqual(f.tick('BTC', NaN, clock.now()), { accepted: false, kind: 'nan' });
    assert.deepEqual(f.tick('BTC', 100, NaN), { accepted: false, kind: 'nan' });
    assert.deepEqual(f.tick('BTC', Infinity, clock.now()), { accepted: false, kind: 'nan' });
    assert.equal(f.lastGoodPrice('BTC'), undefined);
    assert.equal(
      f.check(buy(), clock.now()).reason,
      'freshness_no_tick_fail_closed',
      'bad ticks only: never fresh',
    );
    assert.deepEqual(f.tick('BTC', 0, clock.now()), { accepted: false, kind: 'non_positive' });
    assert.deepEqual(f.tick('BTC', -5, clock.now()), { accepted: false, kind: 'non_positive' });
    assert.equal(f.tick('BTC', 100, clock.now()).accepted, true);
    assert.equal(f.tick('BTC', 110, clock.now()).accepted, true, 'exactly the band');
    assert.deepEqual(f.tick('BTC', 121.1, clock.now()), { accepted: false, kind: 'jump' });
    assert.deepEqual(f.tick('BTC', 98.9, clock.now()), { accepted: false, kind: 'jump' });
    assert.equal(f.lastGoodPrice('BTC'), 110);
    assert.deepEqual(f.counts('BTC'), { accepted: 2, nan: 4, non_positive: 2, jump: 2 });
  });

  it('a rejected tick does not refresh the age: a feed of bad ticks goes stale', () => {
    const { clock, f } = setup({ maxAgeMs: 1000 });
    f.tick('BTC', 100, clock.now());
    for (let i = 0; i < 5; i++) {
      clock.advance(300);
      f.tick('BTC', 0, clock.now());
    }
    assert.equal(f.check(buy(), clock.now()).reason, 'freshness_stale');
  });

  it('a tick stamped in the future counts as received now, so it cannot extend freshness', () => {
    const { clock, f } = setup({ maxAgeMs: 1000 });
    f.tick('BTC', 100, clock.now() + 3_600_000);
    clock.advance(1001);
    assert.equal(f.check(buy(), clock.now()).reason, 'freshness_stale');
  });

  it('alerts when rejections repeat (N within the window), rate-limited per symbol', () => {
    const { clock, alerts, f } = setup({ alertAfter: 3, alertWindowMs: 10_000, alertEveryMs: 60_000 });
    f.tick('BTC', 100, clock.now());
    f.tick('BTC', NaN, clock.now());
    clock.advance(6000);
    f.tick('BTC', NaN, clock.now());
    clock.advance(6000);
    f.tick('BTC', NaN, clock.now());
    assert.equal(alerts.alerts.length, 0, 'three rejections over 12 s: not within 10 s');
    clock.advance(1000);
    f.tick('BTC', -1, clock.now());
    assert.equal(alerts.alerts.length, 1);
    assert.equal(alerts.alerts[0]!.title, 'Bad price data on BTC');
    assert.match(alerts.alerts[0]!.body, /nan 3, non_positive 1/);
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      f.tick('BTC', 0, clock.now());
    }
    assert.equal(alerts.alerts.length, 1, 'rate-limited');
    clock.advance(60_000);
    f.tick('BTC', 0, clock.now());
    f.tick('BTC', 0, clock.now());
    f.tick('BTC', 0, clock.now());
    assert.equal(alerts.alerts.length, 2);
    f.tick('ETH', 0, clock.now());
    f.tick('ETH', 0, clock.now());
    f.tick('ETH', 0, clock.now());
    assert.equal(alerts.alerts.length, 3, 'per symbol');
  });

  it('accepts a new level only after jumpConfirmTicks agreeing ticks when configured', () => {
    const { clock, alerts, f } = setup({ jumpBand: 0.1, jumpConfirmTicks: 2 });
    f.tick('BTC', 100, clock.now());
    assert.equal(f.tick('BTC', 150, clock.now()).accepted, false);
    assert.equal(f.tick('BTC', 300, clock.now()).accepted, false, 'disagrees: a new candidate');
    assert.equal(f.tick('BTC', 301, clock.now()).accepted, false);
    assert.equal(f.tick('BTC', 302, clock.now()).accepted, true);
    assert.equal(f.lastGoodPrice('BTC'), 302);
    assert.ok(alerts.titles().includes('Price level of BTC accepted'));
  });

  it('forget() drops the last good price and the symbol is fail-closed until its next tick', () => {
    const { clock, f } = setup({ jumpBand: 0.1 });
    f.tick('BTC', 100, clock.now());
    f.forget('BTC');
    assert.equal(f.check(buy(), clock.now()).reason, 'freshness_no_tick_fail_closed');
    assert.equal(f.tick('BTC', 300, clock.now()).accepted, true);
  });

  it('rejects bad options with a RangeError naming the option', () => {
    assert.throws(() => new Freshness({ maxAgeMs: 0 }), /maxAgeMs/);
    assert.throws(() => new Freshness({ symbols: { X: { jumpBand: -1 } } }), /symbols\.X\.jumpBand/);
    assert.throws(() => new Freshness({ alertAfter: 0 }), /alertAfter/);
  });
});
