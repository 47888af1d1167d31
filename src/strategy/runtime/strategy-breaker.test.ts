import { describe, it, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../util/clock.js';
import { StrategyBreaker, checkOnce } from './strategy-breaker.js';
import { atomicWriteFileSync } from '../../util/atomic-write.js';

const T0 = Date.parse('2026-05-05T03:49:12Z');
let dir: string;
let clock: ManualClock;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-breaker-'));
  clock = new ManualClock(T0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function breaker(path: string, key = 'sports'): StrategyBreaker {
  return new StrategyBreaker({ statePath: path, stateKey: key, clock, watch: false, reloadIntervalMs: 0 });
}

function state(asOfUnix: number, entries: Record<string, object>, key = 'sports'): string {
  return JSON.stringify({ as_of_unix: asOfUnix, [key]: entries });
}

describe("seed 000's CI tests", () => {
  it('fails open on a missing file', () => {
    const b = breaker(join(dir, 'missing.json'));
    const r = b.check('NBA');
    assert.equal(r.allow, true);
    assert.match(r.reason, /fail_open/);
    b.close();
  });

  it('blocks when the state says blocked', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked', reason: 'roi_below_threshold' } }));
    const b = breaker(p);
    assert.deepEqual(b.check('NBA'), { allow: false, reason: 'circuit_breaker_blocked' });
    b.close();
  });

  it('fails open on stale state (48 h old)', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000 - 60 * 60 * 48, { NBA: { status: 'blocked' } }));
    const b = breaker(p);
    const r = b.check('NBA');
    assert.equal(r.allow, true);
    assert.match(r.reason, /stale/);
    b.close();
  });
});

describe('StrategyBreaker: every path', () => {
  it('answers state_missing_fail_open for a missing, empty, unparsable or {} state', () => {
    const p = join(dir, 's.json');
    for (const text of ['', 'not json', '{}', '[]', 'null']) {
      writeFileSync(p, text);
      const b = breaker(p);
      assert.deepEqual(b.check('NBA'), { allow: true, reason: 'state_missing_fail_open' }, text);
      b.close();
    }
  });

  it('answers state_stale_fail_open past 30 h, and not at exactly 30 h', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked' } }));
    const b = breaker(p);
    clock.set(T0 + 30 * 3_600_000);
    assert.equal(b.check('NBA').reason, 'circuit_breaker_blocked');
    clock.set(T0 + 30 * 3_600_000 + 1);
    assert.equal(b.check('NBA').reason, 'state_stale_fail_open');
    b.close();
  });

  it('reads a missing as_of_unix as stale, as the seed does', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, JSON.stringify({ sports: { NBA: { status: 'blocked' } } }));
    const b = breaker(p);
    assert.equal(b.check('NBA').reason, 'state_stale_fail_open');
    b.close();
  });

  it('answers unknown_fail_open for a key not in the state or a missing section', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'active' } }));
    const b = breaker(p);
    assert.deepEqual(b.check('NHL'), { allow: true, reason: 'unknown_fail_open' });
    b.close();
    writeFileSync(p, JSON.stringify({ as_of_unix: T0 / 1000, pairs: { NBA: { status: 'blocked' } } }));
    const b2 = breaker(p, 'strategies');
    assert.deepEqual(b2.check('NBA'), { allow: true, reason: 'unknown_fail_open' });
    b2.close();
  });

  it('reads whichever of sports and strategies the state has, whatever the configured key', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NHL: { status: 'blocked' } })); // seed layout: `sports`
    const b = breaker(p, 'strategies');
    assert.deepEqual(b.check('NHL'), { allow: false, reason: 'circuit_breaker_blocked' });
    b.close();
    writeFileSync(p, JSON.stringify({ as_of_unix: T0 / 1000, strategies: { NHL: { status: 'blocked' } } }));
    const b2 = breaker(p, 'sports');
    assert.deepEqual(b2.check('NHL'), { allow: false, reason: 'circuit_breaker_blocked' });
    b2.close();
    // Both present: the configured one decides.
    writeFileSync(
      p,
      JSON.stringify({
        as_of_unix: T0 / 1000,
        strategies: { NHL: { status: 'active' } },
        sports: { NHL: { status: 'blocked' } },
      }),
    );
    const b3 = breaker(p, 'strategies');
    assert.deepEqual(b3.check('NHL'), { allow: true, reason: 'active' });
    b3.close();
  });

  it('allows active and monitor with the status as the reason; a missing status is active', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { A: { status: 'active' }, M: { status: 'monitor' }, X: {} }));
    const b = breaker(p);
    assert.deepEqual(b.check('A'), { allow: true, reason: 'active' });
    assert.deepEqual(b.check('M'), { allow: true, reason: 'monitor' });
    assert.deepEqual(b.check('X'), { allow: true, reason: 'active' });
    b.close();
  });

  it('answers exception_fail_open when the check itself throws', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked' } }));
    const bad = {
      now(): number {
        throw new Error('clock broke');
      },
    };
    const b = new StrategyBreaker({
      statePath: p,
      stateKey: 'sports',
      clock: bad,
      watch: false,
      reloadIntervalMs: 0,
    });
    assert.deepEqual(b.check('NBA'), { allow: true, reason: 'exception_fail_open' });
    b.close();
  });

  it('makes no system call per check: a new file is seen only after a reload', () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'active' } }));
    const b = breaker(p);
    atomicWriteFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked' } }));
    assert.equal(b.check('NBA').allow, true);
    b.reload();
    assert.equal(b.check('NBA').allow, false);
    b.close();
  });

  it('picks up a replaced file through the directory watch', async () => {
    const p = join(dir, 's.json');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'active' } }));
    const b = new StrategyBreaker({ statePath: p, stateKey: 'sports', clock, reloadIntervalMs: 0 });
    atomicWriteFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked' } }));
    for (let i = 0; i < 200 && b.check('NBA').allow; i++) await new Promise((r) => setImmediate(r));
    // fs events arrive on the event loop; give it real turns, not a sleep of fixed length
    for (let i = 0; i < 300 && b.check('NBA').allow; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(b.check('NBA').allow, false);
    b.close();
  });

  it('validates its options', () => {
    assert.throws(() => new StrategyBreaker({ statePath: '' }), /statePath/);
    assert.throws(
      () => new StrategyBreaker({ statePath: 'x', staleAfterMs: 0 }),
      /staleAfterMs must be > 0 \(got 0\)/,
    );
    assert.throws(() => new StrategyBreaker({ statePath: 'x', reloadIntervalMs: -1 }), /reloadIntervalMs/);
  });
});

describe('StrategyBreaker on the wall clock (staleness pushed by a timer)', () => {
  it('answers from the state, stale when already old, and flips to stale when its timer fires', () => {
    const p = join(dir, 's.json');
    const nowS = Math.floor(Date.now() / 1000);
    writeFileSync(p, state(nowS - 48 * 3600, { NBA: { status: 'blocked' } }));
    const old = new StrategyBreaker({ statePath: p, stateKey: 'sports', watch: false, reloadIntervalMs: 0 });
    assert.equal(old.check('NBA').reason, 'state_stale_fail_open');
    old.close();
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      writeFileSync(p, state(nowS, { NBA: { status: 'blocked' } }));
      const b = new StrategyBreaker({
        statePath: p,
        stateKey: 'sports',
        watch: false,
        reloadIntervalMs: 0,
        staleAfterMs: 60_000,
      });
      const events: string[] = [];
      b.onFailOpen((r) => events.push(r.reason));
      assert.equal(b.check('NBA').reason, 'circuit_breaker_blocked');
      assert.equal(b.check('EPL').reason, 'unknown_fail_open');
      mock.timers.tick(61_001);
      assert.equal(b.check('NBA').reason, 'state_stale_fail_open');
      assert.equal(b.check('NBA').reason, 'state_stale_fail_open');
      rmSync(p);
      b.reload();
      assert.deepEqual(events, ['state_stale_fail_open', 'state_missing_fail_open']);
      b.close();
    } finally {
      mock.timers.reset();
    }
  });
});

describe('checkOnce', () => {
  it('follows the same paths as the class', () => {
    const p = join(dir, 's.json');
    assert.equal(checkOnce(p, 'NBA').reason, 'state_missing_fail_open');
    writeFileSync(p, state(T0 / 1000, { NBA: { status: 'blocked' } }, 'strategies'));
    assert.deepEqual(checkOnce(p, 'NBA', { nowMs: T0 }), { allow: false, reason: 'circuit_breaker_blocked' });
    assert.equal(checkOnce(p, 'NBA', { nowMs: T0 + 31 * 3_600_000 }).reason, 'state_stale_fail_open');
    assert.equal(checkOnce(p, 'NHL', { nowMs: T0 }).reason, 'unknown_fail_open');
  });
});
