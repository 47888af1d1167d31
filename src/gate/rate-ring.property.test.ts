import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RateRing } from './rate-ring.js';

/** The plain model: every admission time kept, the last `limit` of them judged. */
function model(limit: number, windowMs: number) {
  const times: number[] = [];
  return {
    hasRoom: (now: number) => times.length < limit || times[times.length - limit]! <= now - windowMs,
    admit: (now: number) => void times.push(now),
    inWindow: (now: number) => times.slice(-limit).filter((t) => t > now - windowMs).length,
  };
}

describe('RateRing', () => {
  it('answers as the plain model of the last `limit` admissions, bursts, steps back and all', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 20 }),
        // clock moves: mostly standing still or forward, sometimes back (a stepped clock)
        fc.array(fc.integer({ min: -5, max: 8 }), { minLength: 1, maxLength: 200 }),
        (limit, windowMs, steps) => {
          const ring = new RateRing(limit, windowMs);
          const ref = model(limit, windowMs);
          let now = 1000;
          for (const s of steps) {
            now += s > 4 ? s - 4 : s < 0 ? s : 0;
            const room = ring.hasRoom(now);
            assert.equal(room, ref.hasRoom(now), `hasRoom at ${now}`);
            assert.equal(ring.inWindow(now), ref.inWindow(now), `inWindow at ${now}`);
            if (room) {
              ring.admit(now);
              ref.admit(now);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('denies the admission past the limit inside one clock reading', () => {
    const ring = new RateRing(3, 10);
    for (let i = 0; i < 3; i++) {
      assert.equal(ring.hasRoom(5), true);
      ring.admit(5);
    }
    assert.equal(ring.hasRoom(5), false);
    assert.equal(ring.hasRoom(14), false, 'still inside the window');
    assert.equal(ring.hasRoom(15), true, 'the burst has left the window');
    assert.equal(ring.inWindow(5), 3);
  });
});
