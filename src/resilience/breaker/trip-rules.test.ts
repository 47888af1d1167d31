import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnyRule } from './any-rule.js';
import {
  constantBackoff,
  decorrelatedJitterBackoff,
  exponentialBackoff,
  fullJitterBackoff,
} from '../retry/backoff.js';
import { ConsecutiveRule } from './consecutive-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { TimeWindowRule } from './time-window-rule.js';

describe('trip rules', () => {
  it('count window forgets the oldest call as a new one arrives', () => {
    const r = new CountWindowRule({ size: 3, failureRate: 1, minimumCalls: 3 });
    r.record(true, false, 0);
    r.record(true, true, 0);
    assert.equal(r.record(false, false, 0), false);
    assert.deepEqual(r.snapshot(), { calls: 3, failures: 2, slowCalls: 1 });
    r.record(true, false, 0); // pushes out the first failure
    assert.deepEqual(r.snapshot(), { calls: 3, failures: 2, slowCalls: 1 });
    r.record(true, false, 0);
    assert.deepEqual(r.snapshot(), { calls: 3, failures: 2, slowCalls: 0 });
    assert.equal(r.record(true, false, 0), true, '3 of 3');
  });

  it('count window round-trips through JSON', () => {
    const r = new CountWindowRule({ size: 4 });
    for (const f of [true, false, true, true, false]) r.record(f, false, 0);
    const copy = new CountWindowRule({ size: 4 });
    copy.restore(JSON.parse(JSON.stringify(r)) as ReturnType<CountWindowRule['toJSON']>);
    assert.deepEqual(copy.snapshot(), r.snapshot());
  });

  it('time window forgets calls older than the window and needs the minimum', () => {
    const r = new TimeWindowRule({ windowMs: 1000, buckets: 10, failureRate: 0.5, minimumCalls: 3 });
    assert.equal(r.record(true, false, 0), false);
    assert.equal(r.record(true, false, 500), false, 'below the minimum');
    assert.deepEqual(r.snapshot(999), { calls: 2, failures: 2, slowCalls: 0 });
    assert.deepEqual(
      r.snapshot(1000),
      { calls: 1, failures: 1, slowCalls: 0 },
      'the call at 0 is 1000 ms old',
    );
    assert.deepEqual(r.snapshot(5000), { calls: 0, failures: 0, slowCalls: 0 });
    r.record(false, false, 5000);
    r.record(true, false, 5001);
    assert.equal(r.record(true, false, 5002), true);
  });

  it('consecutive counts failures in a row; AnyRule trips when any rule does', () => {
    const any = new AnyRule(
      new ConsecutiveRule(3),
      new CountWindowRule({ size: 10, failureRate: 0.2, minimumCalls: 5 }),
    );
    for (let i = 0; i < 4; i++) assert.equal(any.record(i % 2 === 0, false, 0), false);
    assert.equal(any.record(false, false, 0), true, '2 of 5 failed');
    assert.throws(() => new AnyRule(), RangeError);
  });

  it('validates options', () => {
    assert.throws(() => new ConsecutiveRule(0), /threshold.*0/);
    assert.throws(() => new CountWindowRule({ size: 0 }), /size.*0/);
    assert.throws(() => new TimeWindowRule({ windowMs: 5, buckets: 10 }), /windowMs.*5/);
  });
});

describe('backoff', () => {
  const r = (): number => 0.5;
  it('constant, exponential capped, full jitter, decorrelated jitter', () => {
    assert.equal(constantBackoff(7).delay(5, 0, r), 7);
    const e = exponentialBackoff({ initialMs: 100, maxMs: 1000 });
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((a) => e.delay(a, 0, r)),
      [100, 200, 400, 800, 1000, 1000],
    );
    const f = fullJitterBackoff({ initialMs: 100, maxMs: 1000 });
    assert.equal(f.delay(2, 0, r), 200);
    assert.equal(
      f.delay(2, 0, () => 0),
      0,
    );
    const d = decorrelatedJitterBackoff({ initialMs: 100, maxMs: 1000 });
    assert.equal(d.delay(0, 0, r), 200);
    assert.equal(d.delay(1, 200, r), 350);
    assert.equal(
      d.delay(1, 900, () => 0.999),
      1000,
    );
    assert.throws(() => exponentialBackoff({ initialMs: 10, maxMs: 5 }), /maxMs/);
  });
});
