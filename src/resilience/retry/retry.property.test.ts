import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as ccxt from 'ccxt';
import { AmbiguousOutcomeError } from '../errors/ambiguous-outcome-error.js';
import { constantBackoff } from './backoff.js';
import { FakeTimers } from '../fake-timers.js';
import { RetryPolicy } from './retry.js';

type Step = 'ok' | 'retryable' | 'never' | 'ambiguous';
type Verdict = 'applied' | 'not-applied' | 'unknown';

const errorFor: Record<Exclude<Step, 'ok'>, () => Error> = {
  retryable: () => new ccxt.RateLimitExceeded('429'),
  never: () => new ccxt.InvalidOrder('bad'),
  ambiguous: () => new ccxt.RequestTimeout('timeout'),
};

describe('RetryPolicy (property-based)', () => {
  it('never repeats an ambiguous attempt unless the resolver said it did not apply', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Step>('ok', 'retryable', 'never', 'ambiguous'), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.constantFrom<Verdict>('applied', 'not-applied', 'unknown'), { maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        async (steps, verdicts, maxAttempts) => {
          const timers = new FakeTimers();
          const retry = new RetryPolicy({
            sideEffect: true,
            maxAttempts,
            backoff: constantBackoff(10),
            timers,
            clock: timers.clock,
          });
          const log: string[] = [];
          let call = 0;
          let asked = 0;
          const p = retry.execute(
            async () => {
              const step = steps[call++] ?? 'ok';
              log.push(`call:${step}`);
              if (step === 'ok') return 'done';
              throw errorFor[step]();
            },
            {
              resolveAmbiguous: async () => {
                const v = verdicts[asked++] ?? 'unknown';
                log.push(`resolve:${v}`);
                return v === 'applied' ? { outcome: 'applied', value: 'found' } : { outcome: v };
              },
            },
          );
          const outcome = p.then(
            (v) => ({ ok: true as const, v }),
            (e: unknown) => ({ ok: false as const, e }),
          );
          await timers.advance(10 * maxAttempts + 10);
          const r = await outcome;
          // Every call after an ambiguous one was allowed by a 'not-applied' verdict.
          for (let i = 0; i < log.length; i++) {
            if (log[i] !== 'call:ambiguous') continue;
            const next = log[i + 1];
            if (next === undefined) continue;
            assert.match(next, /^resolve:/, 'an ambiguous attempt went straight to another call');
            if (log[i + 2] !== undefined) assert.equal(next, 'resolve:not-applied');
          }
          assert.ok(call <= maxAttempts);
          if (!r.ok && log.at(-1)?.startsWith('resolve:') && log.at(-1) !== 'resolve:not-applied')
            assert.ok(r.e instanceof AmbiguousOutcomeError);
          if (r.ok) assert.ok(r.v === 'done' || r.v === 'found');
          // A 'never' failure is never followed by another call.
          const never = log.indexOf('call:never');
          if (never >= 0) assert.equal(log.length, never + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
