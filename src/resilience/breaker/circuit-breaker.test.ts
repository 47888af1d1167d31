import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { constantBackoff, exponentialBackoff } from '../retry/backoff.js';
import type { StateChangeEvent } from './breaker-types.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { NOT_A_CALL, isNotACall } from '../errors/not-a-call.js';
import { ConsecutiveRule } from './consecutive-rule.js';
import { CountWindowRule } from './count-window-rule.js';
import { isolateAll } from './isolation.js';
import { TimeWindowRule } from './time-window-rule.js';

const boom = new Error('boom');
const ok = async (): Promise<string> => 'ok';
const fail = async (): Promise<never> => {
  throw boom;
};

async function failTimes(b: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await assert.rejects(b.execute(fail));
}

describe('CircuitBreaker', () => {
  it('trips after N consecutive failures and rejects without calling', async () => {
    const clock = new ManualClock(1000);
    const b = new CircuitBreaker({ name: 'ex', rule: new ConsecutiveRule(3), openMs: 5000, clock });
    await failTimes(b, 2);
    await b.execute(ok); // a success starts the count again
    await failTimes(b, 2);
    assert.equal(b.state, 'closed');
    await failTimes(b, 1);
    assert.equal(b.state, 'open');
    let called = false;
    const err = await b
      .execute(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    assert.equal(called, false);
    assert.ok(err instanceof CircuitOpenError);
    assert.equal(err.code, 'E_CIRCUIT_OPEN');
    assert.equal(err.retryAfter, 6000);
    assert.equal(b.retryAfter, 6000);
    assert.equal(b.allows(), false);
    clock.advance(5000);
    assert.equal(b.allows(), true, 'half-open, a probe slot is free');
    assert.equal(err.stack?.split('\n').length, 1, 'no stack frames by default');
  });

  it('gives a stack on rejection when asked', async () => {
    const b = new CircuitBreaker({ captureStack: true });
    b.forceOpen();
    const err = (await b.execute(ok).catch((e: unknown) => e)) as CircuitOpenError;
    assert.ok((err.stack ?? '').split('\n').length > 1);
  });

  it('goes half-open after the open period, closes when all probes succeed', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 1000, halfOpenProbes: 2, clock });
    await failTimes(b, 1);
    clock.advance(999);
    assert.equal(b.state, 'open');
    clock.advance(1);
    assert.equal(b.state, 'half-open');
    let release!: () => void;
    const slow = b.execute(() => new Promise<string>((r) => (release = () => r('x'))));
    await b.execute(ok);
    await assert.rejects(b.execute(ok), CircuitOpenError); // only 2 probes
    assert.equal(b.state, 'half-open');
    release();
    await slow;
    assert.equal(b.state, 'closed');
  });

  it('reopens on a failed probe, with a longer open period on repeated trips', async () => {
    const clock = new ManualClock(0);
    const changes: StateChangeEvent[] = [];
    const b = new CircuitBreaker({
      rule: new ConsecutiveRule(1),
      openMs: exponentialBackoff({ initialMs: 1000, factor: 2, maxMs: 3000 }),
      clock,
    });
    b.onStateChange((e) => changes.push(e));
    await failTimes(b, 1);
    assert.equal(b.retryAfter, 1000);
    clock.advance(1000);
    await failTimes(b, 1); // probe fails
    assert.deepEqual(b.detail, { state: 'open', since: 1000, until: 3000, trips: 2 });
    clock.advance(2000);
    await failTimes(b, 1);
    assert.equal(b.retryAfter, 3000 + 3000, 'capped at maxMs');
    clock.advance(3000);
    await b.execute(ok);
    assert.equal(b.state, 'closed');
    await failTimes(b, 1);
    assert.equal(b.retryAfter, clock.now() + 1000, 'backoff forgotten once closed');
    assert.deepEqual(changes.map((c) => `${c.from}>${c.to.state}:${c.reason}`).slice(0, 4), [
      'closed>open:tripped',
      'open>half-open:open-elapsed',
      'half-open>open:probe-failed',
      'open>half-open:open-elapsed',
    ]);
  });

  it('a hung half-open probe cannot wedge the breaker', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 1000, probeTimeoutMs: 500, clock });
    await failTimes(b, 1);
    clock.advance(1000);
    let finish!: () => void;
    const hung = b.execute(() => new Promise<string>((r) => (finish = () => r('late'))));
    await assert.rejects(b.execute(ok), CircuitOpenError);
    assert.equal(b.retryAfter, 1500);
    clock.advance(500);
    assert.equal(b.state, 'open', 'the hung probe reopened it');
    clock.advance(1000);
    await b.execute(ok); // a fresh probe closes it
    assert.equal(b.state, 'closed');
    finish();
    assert.equal(await hung, 'late');
    assert.equal(b.state, 'closed', 'the late probe result is ignored');
  });

  it('counts results as failures when the predicate says so, and ignores errors it excludes', async () => {
    const b = new CircuitBreaker({
      rule: new ConsecutiveRule(2),
      isResultFailure: (r) => (r as { status?: string }).status === 'rejected',
      isFailure: (e) => !(e instanceof TypeError),
    });
    await b.execute(async () => ({ status: 'rejected' }));
    await assert.rejects(
      b.execute(async () => {
        throw new TypeError('caller bug');
      }),
    );
    assert.equal(b.state, 'closed');
    await b.execute(async () => ({ status: 'rejected' }));
    await b.execute(async () => ({ status: 'rejected' }));
    assert.equal(b.state, 'open');
    assert.equal(b.stats().failures, 3);
  });

  it('trips on the failure rate of a count window once the minimum is reached', async () => {
    const b = new CircuitBreaker({
      rule: new CountWindowRule({ size: 4, failureRate: 0.5, minimumCalls: 4 }),
    });
    await failTimes(b, 1);
    await b.execute(ok);
    await failTimes(b, 1);
    assert.equal(b.state, 'closed', 'below the minimum of calls');
    await b.execute(ok);
    assert.equal(b.state, 'open', '2 of 4');
  });

  it('trips on the slow-call rate even when the calls succeed', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({
      rule: new TimeWindowRule({ windowMs: 10_000, slowCallRate: 0.5, minimumCalls: 2 }),
      slowCallMs: 100,
      clock,
    });
    const slowOk = async (): Promise<string> => {
      clock.advance(150);
      return 'ok';
    };
    await b.execute(slowOk);
    await b.execute(ok);
    assert.equal(b.state, 'open');
    assert.equal(b.stats().slowCalls, 1);
  });

  it('trips on the failure rate of a time window, which forgets old failures', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({
      rule: new TimeWindowRule({ windowMs: 1000, buckets: 10, failureRate: 0.5, minimumCalls: 3 }),
      clock,
    });
    await failTimes(b, 2);
    clock.advance(1000); // those two are forgotten
    await b.execute(ok);
    await failTimes(b, 1);
    assert.equal(b.state, 'closed', 'below the minimum once the old failures left the window');
    await failTimes(b, 1);
    assert.equal(b.state, 'open', '2 of 3 in the last second');
  });

  it('forced open until further notice never drifts to half-open; release probes', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ clock, openMs: 10 });
    const hold = b.forceOpen({ reason: 'ops' });
    clock.advance(1e9);
    assert.equal(b.state, 'forced-open');
    assert.equal(b.retryAfter, null);
    await assert.rejects(b.execute(ok), CircuitOpenError);
    hold.release();
    assert.equal(b.state, 'half-open');
    await b.execute(ok);
    assert.equal(b.state, 'closed');
  });

  it('forced open until a time (maintenance window) probes at that time', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ clock });
    b.forceOpen({ until: 5000, reason: 'maintenance' });
    assert.deepEqual(b.detail, { state: 'forced-open', since: 0, until: 5000, reason: 'maintenance' });
    clock.advance(4999);
    await assert.rejects(b.execute(ok));
    clock.advance(1);
    await b.execute(ok);
    assert.equal(b.state, 'closed');
  });

  it('one isolation handle covers several breakers', async () => {
    const a = new CircuitBreaker({ name: 'a' });
    const c = new CircuitBreaker({ name: 'c' });
    const other = c.forceOpen();
    const iso = isolateAll([a, c]);
    assert.equal(a.state, 'forced-open');
    iso.release();
    assert.equal(a.state, 'half-open');
    assert.equal(c.state, 'forced-open', 'still held by another hold');
    other.release();
    assert.equal(c.state, 'half-open');
  });

  it('force closed lets everything through; disable bypasses counting; reset clears', async () => {
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1) });
    b.forceClosed();
    await failTimes(b, 5);
    assert.equal(b.state, 'forced-closed');
    b.disable();
    await failTimes(b, 3);
    assert.equal(b.stats().calls, 5);
    b.reset();
    assert.equal(b.state, 'closed');
    await failTimes(b, 1);
    assert.equal(b.state, 'open');
  });

  it('reports stats with time in state', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 100, clock });
    await b.execute(ok);
    clock.advance(50);
    await failTimes(b, 1);
    clock.advance(30);
    await assert.rejects(b.execute(ok));
    const s = b.stats();
    assert.equal(s.state, 'open');
    assert.deepEqual([s.calls, s.successes, s.failures, s.rejections, s.trips], [2, 1, 1, 1, 1]);
    assert.equal(s.timeInState.closed, 50);
    assert.equal(s.timeInState.open, 30);
  });

  it('emits success and failure events with durations', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ clock });
    const seen: string[] = [];
    const d1 = b.onSuccess((e) => seen.push(`ok:${e.durationMs}`));
    b.onFailure((e) => seen.push(`fail:${e.kind}:${e.durationMs}`));
    await b.execute(async () => {
      clock.advance(7);
    });
    await failTimes(b, 1);
    d1.dispose();
    await b.execute(ok);
    assert.deepEqual(seen, ['ok:7', 'fail:error:0']);
  });

  it('survives a restart: an open breaker whose period passed comes back half-open', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: constantBackoff(1000), clock });
    await failTimes(b, 1);
    const json = JSON.parse(JSON.stringify(b)) as ReturnType<CircuitBreaker['toJSON']>;
    const again = new CircuitBreaker({ rule: new ConsecutiveRule(1), clock, initialState: json });
    assert.equal(again.state, 'open');
    clock.advance(1000);
    const later = new CircuitBreaker({ rule: new ConsecutiveRule(1), clock, initialState: json });
    assert.equal(later.state, 'half-open');
    const held = new CircuitBreaker({ clock });
    held.forceOpen();
    const restored = new CircuitBreaker({ clock, initialState: held.toJSON() });
    clock.advance(1e9);
    assert.equal(restored.state, 'forced-open');
  });

  it('a throwing predicate counts as a failure instead of an unhandled rejection', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const b = new CircuitBreaker({
      rule: new ConsecutiveRule(1),
      isResultFailure: () => {
        throw new Error('bad predicate');
      },
    });
    await b.execute(ok);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.equal(b.state, 'open');
    assert.ok(warnings.some((w) => w.includes('bad predicate')));
  });

  it('a garbled saved state cannot wedge it open', () => {
    const clock = new ManualClock(0);
    const bad = {
      v: 1,
      name: 'x',
      state: { state: 'open', since: 0, until: 'soon', trips: 1 },
      trips: 1,
      lastOpenMs: 0,
      rule: { kind: 'nope' },
    } as unknown as ReturnType<CircuitBreaker['toJSON']>;
    assert.equal(new CircuitBreaker({ clock, initialState: bad }).state, 'half-open');
  });

  it('rejects bad options with a RangeError naming the option', () => {
    assert.throws(() => new CircuitBreaker({ openMs: -1 }), /openMs.*-1/);
    assert.throws(() => new CircuitBreaker({ halfOpenProbes: 0 }), /halfOpenProbes.*0/);
    assert.throws(() => new CountWindowRule({ size: 10, failureRate: 2 }), /failureRate.*2/);
  });
});

describe('CircuitBreaker: an error marked NOT_A_CALL (the dependency was never called)', () => {
  const notACall = (): Error => Object.assign(new Error('vetoed before the call'), { [NOT_A_CALL]: true });

  it('is neither a success nor a failure, and its trip rule never sees it', async () => {
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(2), clock: new ManualClock(0) });
    await failTimes(b, 1);
    await assert.rejects(
      b.execute(() => Promise.reject(notACall())),
      /vetoed/,
    );
    assert.equal(isNotACall(null), false);
    await failTimes(b, 1);
    assert.equal(b.state, 'open', 'the two failures were consecutive: the veto between them is no call');
    assert.deepEqual([b.stats().successes, b.stats().failures], [0, 2]);
  });

  it('gives a half-open probe slot back: the next real call probes, and only it decides', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 1000, halfOpenProbes: 1, clock });
    await failTimes(b, 1);
    clock.advance(1000);
    assert.equal(b.state, 'half-open');
    await assert.rejects(
      b.execute(() => Promise.reject(notACall())),
      /vetoed/,
    );
    assert.equal(b.state, 'half-open', 'a veto closes nothing and reopens nothing');
    assert.equal(b.allows(), true, 'the slot is free again');
    await b.execute(ok);
    assert.equal(b.state, 'closed', 'the real probe closed it');
    assert.deepEqual([b.stats().successes, b.stats().failures], [1, 1]);
  });

  it('a synchronous throw and a probe of an earlier half-open period are given back too, once', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 1000, halfOpenProbes: 2, clock });
    await failTimes(b, 1);
    clock.advance(1000);
    await assert.rejects(
      b.execute(() => {
        throw notACall();
      }),
      /vetoed/,
    );
    let release!: () => void;
    const slow = b.execute(() => new Promise<void>((r) => (release = r)));
    await b.execute(ok);
    assert.equal(b.state, 'half-open', 'one of two probes succeeded, one runs');
    release();
    await slow;
    assert.equal(b.state, 'closed');
    assert.equal(isNotACall(notACall()), true);
    assert.equal(isNotACall(new Error('x')), false);
  });
});
