import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveRule } from './consecutive-rule.js';

const ok = (): Promise<string> => Promise.resolve('ok');
const fail = (): Promise<never> => Promise.reject(new Error('down'));

function breaker(clock: ManualClock): CircuitBreaker {
  return new CircuitBreaker({ name: 'x', rule: new ConsecutiveRule(2), openMs: 1000, clock });
}

describe('CircuitBreaker shared-state hooks (used by SharedBreaker)', () => {
  it('openFromPeer opens a closed breaker until the given time, then it goes half-open as after its own trip', async () => {
    const clock = new ManualClock(10_000);
    const b = breaker(clock);
    const reasons: string[] = [];
    b.onStateChange((e) => reasons.push(`${e.to.state}:${e.reason}`));
    assert.equal(b.openFromPeer(12_000), true);
    await assert.rejects(b.execute(ok), { code: 'E_CIRCUIT_OPEN' });
    assert.equal(b.retryAfter, 12_000);
    clock.advance(2000);
    assert.equal(await b.execute(ok), 'ok', 'the probe after the peer’s open period');
    assert.deepEqual(reasons, ['open:peer-opened', 'half-open:open-elapsed', 'closed:probe-succeeded']);
  });

  it('openFromPeer ignores a time already past, an earlier end than its own open, and forced states', async () => {
    const clock = new ManualClock(10_000);
    const b = breaker(clock);
    assert.equal(b.openFromPeer(10_000), false, 'until = now: nothing to do');
    await b.execute(fail).catch(() => undefined);
    await b.execute(fail).catch(() => undefined);
    assert.equal(b.state, 'open');
    assert.equal(b.openFromPeer(10_500), false, 'its own open lasts longer');
    assert.equal(b.openFromPeer(15_000), true, 'a later end extends it');
    assert.equal(b.retryAfter, 15_000);
    const f = new CircuitBreaker({ name: 'f', clock });
    f.forceClosed();
    assert.equal(f.openFromPeer(20_000), false);
    assert.equal(f.state, 'forced-closed', 'a person’s forced state wins over a peer');
    f.disable();
    assert.equal(f.openFromPeer(20_000), false);
  });

  it('closeFromPeer closes an open or half-open breaker, and nothing else', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock);
    assert.equal(b.closeFromPeer(), false, 'closed already');
    b.openFromPeer(5000);
    assert.equal(b.closeFromPeer(), true);
    assert.equal(b.state, 'closed');
    assert.equal(await b.execute(ok), 'ok');
    const h = b.forceOpen();
    assert.equal(b.closeFromPeer(), false, 'forced open stays open');
    h.release();
  });

  it('asks the probe gate only while half-open: a false refuses the probe, a true lets it in', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock);
    let asked = 0;
    let answer = false;
    b.setProbeGate(() => {
      asked++;
      return answer;
    });
    for (let i = 0; i < 5; i++) await b.execute(ok);
    assert.equal(asked, 0, 'never asked while closed: the hot path is unchanged');
    b.openFromPeer(1000);
    await assert.rejects(b.execute(ok), { code: 'E_CIRCUIT_OPEN' });
    assert.equal(asked, 0, 'not asked while open');
    clock.advance(1000);
    await assert.rejects(b.execute(ok), { code: 'E_CIRCUIT_OPEN' });
    assert.equal(b.allows(), false, 'allows() agrees with the gate');
    assert.equal(b.state, 'half-open');
    answer = true;
    assert.equal(b.allows(), true);
    assert.equal(await b.execute(ok), 'ok');
    assert.equal(b.state, 'closed');
    b.setProbeGate(null);
    b.openFromPeer(3000);
    clock.advance(2000);
    assert.equal(await b.execute(ok), 'ok', 'without a gate it probes on its own again');
  });
});
