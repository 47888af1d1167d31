import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAYLOAD_REASON_MAX, decodeChange, encodeChange } from './change-payload.js';

const trip = { action: 'trip' as const, at: 1_700_000_000_000, by: 'ops', reason: 'drawdown' };

describe('change payloads', () => {
  it('round-trips a trip of this schema, and only a trip carries one', () => {
    assert.deepEqual(decodeChange('w', encodeChange('w', 'killswitch', 7, trip)), {
      area: 'killswitch',
      id: 7,
      trip: { eventId: 7, at: trip.at, by: 'ops', reason: 'drawdown' },
    });
    const resume = decodeChange('w', encodeChange('w', 'killswitch', 8, { ...trip, action: 'resume' }));
    assert.deepEqual(resume, { area: 'killswitch', id: 8, trip: null });
    assert.deepEqual(decodeChange('w', encodeChange('w', 'dlq', 3)), { area: 'dlq', id: 3, trip: null });
  });

  it("ignores another schema's payload: a wake-up for everything, never a trip", () => {
    assert.deepEqual(decodeChange('w', encodeChange('other', 'killswitch', 7, trip)), {
      area: null,
      id: null,
      trip: null,
    });
  });

  it('cuts the reason to fit a payload (the re-read brings the whole one)', () => {
    const long = decodeChange('w', encodeChange('w', 'killswitch', 1, { ...trip, reason: 'r'.repeat(9000) }));
    assert.equal(long.trip?.reason.length, PAYLOAD_REASON_MAX);
  });

  it('never throws and never makes a trip out of a malformed payload (property)', () => {
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record(
              {
                area: fc.oneof(fc.constant('killswitch'), field),
                id: fc.oneof(fc.integer({ min: -5, max: 5 }), field),
                s: fc.oneof(fc.constant('w'), field),
                action: fc.oneof(fc.constant('trip'), fc.constant('resume'), field),
                at: field,
                by: field,
                reason: field,
              },
              { requiredKeys: [] },
            )
            .map((o) => JSON.stringify(o)),
        ),
        (payload) => {
          const r = decodeChange('w', payload);
          if (r.trip === null) return true;
          const o = JSON.parse(payload) as Record<string, unknown>;
          return (
            o['area'] === 'killswitch' &&
            o['s'] === 'w' &&
            o['action'] === 'trip' &&
            Number.isSafeInteger(o['id']) &&
            (o['id'] as number) > 0 &&
            typeof o['at'] === 'number' &&
            Number.isFinite(o['at']) &&
            typeof o['by'] === 'string' &&
            typeof o['reason'] === 'string' &&
            r.trip.eventId === o['id']
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
