// The NOTIFY payload path on the real server: a trip halts from its notification before the
// re-read (seen by a reason longer than a payload holds: first the cut one, then the whole one);
// a forged or garbled payload cannot resume anything; a payload naming another schema is ignored;
// a forged trip is undone by the re-read that follows it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PAYLOAD_REASON_MAX } from '../src/store/postgres/change-payload.js';
import { feedHosts } from './helpers/feed-hosts.js';
import { until } from './helpers/until.js';

describe('the kill switch from NOTIFY payloads', () => {
  const hosts = feedHosts();
  /** A host with no poll anywhere: only notifications (and the re-reads they cause) move it. */
  const host = (name: string) => hosts.host(name);

  /** Sends `payload` on the schema's channel, as anyone with access to the database could. */
  const forge = (payload: string) =>
    hosts.db.sql('SELECT pg_notify($1, $2)', [`${hosts.db.schema}_changes`, payload]);

  it('halts from the payload at once, then the re-read brings the whole record', async () => {
    const a = await host('a1');
    const b = await host('b1');
    const reason = `long reason ${'x'.repeat(300)}`;
    await a.ks.trip({ reason, by: 'test' });
    await until('b has the whole reason', () => {
      const s = b.ks.state();
      return s.halted && s.reason === reason;
    });
    const first = b.states[0];
    assert.ok(first?.halted, 'the first change is the halt');
    assert.equal(first.reason, reason.slice(0, PAYLOAD_REASON_MAX), 'from the payload, before the re-read');
    assert.equal(first.source, 'store');
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });

  it('cannot resume from a forged or garbled payload: only a re-read can, and it says halted', async () => {
    const a = await host('a2');
    const b = await host('b2');
    await a.ks.trip({ reason: 'real trip', by: 'test' });
    await until('b halted', () => b.ks.isHalted());
    const from = b.states.length;
    const wakesBefore = b.wakes.length;
    const schema = hosts.db.schema;
    const payloads = [
      JSON.stringify({
        area: 'killswitch',
        id: 1e9,
        s: schema,
        action: 'resume',
        at: Date.now(),
        by: 'x',
        reason: 'y',
      }),
      JSON.stringify({
        area: 'killswitch',
        id: 1e9,
        s: schema,
        action: 'trip',
        at: 'soon',
        by: 'x',
        reason: 'y',
      }),
      JSON.stringify({
        area: 'killswitch',
        id: '12',
        s: schema,
        action: 'trip',
        at: 1,
        by: 'x',
        reason: 'y',
      }),
      '{"area":"killswitch","id":',
      'resume',
      '',
      JSON.stringify([1, 2, 3]),
      JSON.stringify({ area: 'killswitch', halted: false, s: schema }),
    ];
    for (const p of payloads) await forge(p);
    await until('every forged payload was heard', () => b.wakes.length >= wakesBefore + payloads.length);
    // Let the re-reads they caused finish.
    await b.ks.refresh();
    assert.ok(b.ks.isHalted());
    assert.ok(
      b.states.slice(from).every((s) => s.halted),
      'never running while the trip stands',
    );
    assert.ok(
      b.wakes.slice(wakesBefore).every((w) => w.trip === null),
      'none of them counted as a trip',
    );
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });

  it('ignores a trip payload naming another schema (it only wakes a re-read, which says running)', async () => {
    const b = await host('b3');
    assert.equal(b.ks.isHalted(), false);
    const wakesBefore = b.wakes.length;
    await forge(
      JSON.stringify({
        area: 'killswitch',
        id: 1e9,
        s: 'another_install',
        action: 'trip',
        at: Date.now(),
        by: 'x',
        reason: 'not yours',
      }),
    );
    await until('heard', () => b.wakes.length > wakesBefore);
    await b.ks.refresh();
    assert.equal(b.wakes.at(-1)?.trip, null);
    assert.deepEqual(b.states, [], 'never halted');
  });

  it('a forged trip of this schema halts at once (fail closed) and its re-read undoes it', async () => {
    const b = await host('b4');
    await forge(
      JSON.stringify({
        area: 'killswitch',
        id: 1e9,
        s: hosts.db.schema,
        action: 'trip',
        at: Date.now(),
        by: 'forger',
        reason: 'forged',
      }),
    );
    await until('b back to running', () => b.states.length >= 2 && !b.ks.isHalted());
    const [halt, back] = b.states;
    assert.ok(halt?.halted && halt.reason === 'forged', 'halted from the payload first');
    assert.equal(back?.halted, false, 'then the re-read, which found no such trip');
    const latest = await b.store.killSwitch.latest();
    assert.ok(latest === null || latest.id < 1e9, 'nothing was recorded');
  });
});
