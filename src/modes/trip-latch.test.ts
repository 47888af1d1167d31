import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HaltState, TripRequest, TripResult } from '../killswitch/index.js';
import type { KillSwitchPort } from './kill-switch-port.js';
import { TripLatch } from './trip-latch.js';

/** A kill switch whose state changes are scripted: to deliver states out of order, as a slow reader could. */
class ScriptedKillSwitch implements KillSwitchPort {
  s: HaltState = { halted: false, checkedAt: 0, eventId: 7 };
  nextId = 8;
  recorded = true;
  trips: TripRequest[] = [];
  readonly #l: ((s: HaltState) => void)[] = [];
  trip(req: TripRequest): Promise<TripResult> {
    this.trips.push(req);
    const id = this.nextId++;
    this.s = {
      halted: true,
      eventId: this.recorded ? id : 7,
      source: 'store',
      reason: req.reason,
      since: 0,
      by: null,
      checkedAt: 0,
    };
    if (!this.recorded)
      return Promise.resolve({
        recorded: false,
        event: null,
        error: 'disk full',
        haltedBy: ['memory'],
        flatten: null,
      });
    return Promise.resolve({
      recorded: true,
      event: {
        id,
        action: 'trip',
        at: 0,
        reason: req.reason,
        by: 'x',
        source: 'x',
        host: 'h',
        pid: 1,
        flatten: true,
        clears: null,
      },
      flatten: null,
    } as unknown as TripResult);
  }
  state(): HaltState {
    return this.s;
  }
  onChange(l: (s: HaltState) => void): { dispose(): void } {
    this.#l.push(l);
    return { dispose: () => undefined };
  }
  emit(s: HaltState): void {
    this.s = s;
    for (const l of this.#l) l(s);
  }
}

describe('TripLatch', () => {
  it('trips with flatten and is not released by a running state that predates its trip', async () => {
    const ks = new ScriptedKillSwitch();
    let released = 0;
    const latch = new TripLatch(ks, () => released++);
    await latch.trip('drawdown', 'modes');
    assert.deepEqual(ks.trips, [{ reason: 'drawdown', by: 'modes', flatten: true }]);
    assert.deepEqual(latch.state, { state: 'held', trippedAt: 8, after: 8 });
    ks.emit({ halted: false, checkedAt: 1, eventId: 7 }); // a stale read from before the trip
    ks.emit({ halted: false, checkedAt: 1, eventId: 8 });
    assert.equal(released, 0);
    assert.equal(await latch.trip('again', 'modes'), null, 'one trip per hold');
    ks.emit({ halted: false, checkedAt: 2, eventId: 9 }); // the resume of trip 8
    assert.equal(released, 1);
    assert.equal(latch.holding, false);
  });

  it('a trip the store did not record is released by a resume after the newest event before it', async () => {
    const ks = new ScriptedKillSwitch();
    ks.recorded = false;
    let released = 0;
    const latch = new TripLatch(ks, () => released++);
    await latch.trip('balance', 'modes');
    assert.deepEqual(latch.state, { state: 'held', trippedAt: null, after: 7 });
    ks.emit({ halted: false, checkedAt: 1, eventId: 7 });
    assert.equal(released, 0);
    ks.emit({ halted: false, checkedAt: 1, eventId: 9 });
    assert.equal(released, 1);
  });

  it('abandon() lets go: a later resume releases nothing', async () => {
    const ks = new ScriptedKillSwitch();
    let released = 0;
    const latch = new TripLatch(ks, () => released++);
    await latch.trip('loss', 'risk');
    latch.abandon();
    ks.emit({ halted: false, checkedAt: 1, eventId: 9 });
    assert.equal(released, 0);
  });
});
