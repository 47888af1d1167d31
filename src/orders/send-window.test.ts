import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Exchange, Order } from '../exchange/index.js';
import { constantBackoff, neverAbortedSignal } from '../resilience/index.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { ManualClock } from '../util/clock.js';
import { acceptDeadline, checkSendWindow, lookupAfterWindow, sendWindowOf } from './send-window.js';

const W = { receiveWindowMs: 5_000, clockMarginMs: 1_000 };
const order = { id: 'o1', clientOrderId: 'c1' } as Order;

/** A venue whose order appears at `landsAt` (virtual time); counts the lookups. */
function venue(clock: ManualClock, landsAt: number) {
  const asked: number[] = [];
  const exchange = {
    fetchOrderByClientId: () => {
      asked.push(clock.now());
      return Promise.resolve(clock.now() >= landsAt ? order : null);
    },
  } as unknown as Exchange;
  return { exchange, asked };
}

function opts(ft: FakeTimers, signal: AbortSignal = neverAbortedSignal) {
  return {
    attempts: 1,
    backoff: constantBackoff(1),
    random: () => 0,
    timers: ft,
    clock: ft.clock,
    signal,
    errors: [],
  };
}

describe('lookupAfterWindow', () => {
  it('deadline = send time + receive window + clock margin; windows are validated', () => {
    assert.equal(acceptDeadline(1_000, W), 7_000);
    assert.throws(() => checkSendWindow({ receiveWindowMs: -1, clockMarginMs: 0 }), /receiveWindowMs/);
    assert.deepEqual(sendWindowOf({} as Exchange), { receiveWindowMs: 5_000, clockMarginMs: 1_000 });
    assert.equal(sendWindowOf({ receiveWindowMs: 3_000 } as Exchange, 0).receiveWindowMs, 3_000);
  });

  it('an "absent" inside the window waits for the deadline and asks again: the late order is found', async () => {
    const ft = new FakeTimers(new ManualClock(10_000));
    const v = venue(ft.clock, 12_000); // lands 2 s after the send
    const waits: number[] = [];
    const p = lookupAfterWindow(v.exchange, 'X', 'c1', 10_000, W, {
      ...opts(ft),
      onWait: (until) => Promise.resolve(void waits.push(until)),
    });
    await ft.advance(7_000);
    assert.deepEqual(await p, { kind: 'found', order });
    assert.deepEqual(v.asked, [10_000, 16_001]);
    assert.deepEqual(waits, [16_001]);
  });

  it('after the deadline, one "absent" is the answer (no wait)', async () => {
    const ft = new FakeTimers(new ManualClock(20_000));
    const v = venue(ft.clock, Infinity);
    assert.deepEqual(await lookupAfterWindow(v.exchange, 'X', 'c1', 10_000, W, opts(ft)), { kind: 'absent' });
    assert.equal(v.asked.length, 1);
  });

  it('a send time in the future (clock stepped back) waits one whole window at most', async () => {
    const ft = new FakeTimers(new ManualClock(10_000));
    const v = venue(ft.clock, Infinity);
    const p = lookupAfterWindow(v.exchange, 'X', 'c1', 60_000, W, opts(ft));
    await ft.advance(6_001);
    assert.deepEqual(await p, { kind: 'absent' });
    assert.deepEqual(v.asked, [10_000, 16_001]);
  });

  it('the wait ends when the signal aborts: nothing is concluded', async () => {
    const ft = new FakeTimers(new ManualClock(10_000));
    const v = venue(ft.clock, Infinity);
    const ac = new AbortController();
    const p = lookupAfterWindow(v.exchange, 'X', 'c1', 10_000, W, opts(ft, ac.signal));
    await ft.advance(100);
    ac.abort(new Error('shutdown'));
    await assert.rejects(p, /shutdown/);
    assert.equal(v.asked.length, 1);
  });
});
