import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidNonce } from '../exchange/index.js';
import type { Timers } from '../resilience/index.js';
import { defaultOrderPolicy } from './executor-options.js';

describe('defaultOrderPolicy (issue 8, item 16)', () => {
  it('retries with full jitter: each wait is the injected random share of 200 ms, 400 ms, … (capped at 2 s)', async () => {
    const waits = async (random: () => number): Promise<number[]> => {
      const seen: number[] = [];
      const recording: Timers = {
        setTimeout: (cb, ms) => {
          if (ms !== 10_000) seen.push(ms); // 10 s is the per-attempt timeout, not a backoff
          return setTimeout(cb, 0);
        },
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      };
      let n = 0;
      const out = await defaultOrderPolicy({ timers: recording, random }).execute(async () => {
        // refused for good by the venue (-1021): safe to retry, so the retry's backoff is what runs
        if (n++ < 2) throw new InvalidNonce('Timestamp for this request is outside of the recvWindow.');
        return 'placed';
      });
      assert.equal(out, 'placed');
      return seen;
    };
    assert.deepEqual(await waits(() => 0.25), [50, 100]);
    assert.deepEqual(await waits(() => 0.75), [150, 300]);
  });
});
