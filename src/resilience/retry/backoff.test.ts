import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { equalJitterBackoff } from './backoff.js';

describe('equalJitterBackoff', () => {
  it('waits between half and all of the capped exponential delay', () => {
    const b = equalJitterBackoff({ initialMs: 1_000, maxMs: 8_000 });
    const at = (attempt: number, r: number): number => b.delay(attempt, 0, () => r);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((a) => [at(a, 0), at(a, 1)]),
      [
        [500, 1_000],
        [1_000, 2_000],
        [2_000, 4_000],
        [4_000, 8_000],
        [4_000, 8_000],
        [4_000, 8_000],
      ],
    );
    assert.equal(at(1, 0.5), 1_500);
  });

  it('names a bad option', () => {
    assert.throws(() => equalJitterBackoff({ initialMs: 10, maxMs: 5 }), /equalJitterBackoff maxMs \(5\)/);
    assert.throws(() => equalJitterBackoff({ factor: 0.5 }), /equalJitterBackoff factor/);
  });
});
