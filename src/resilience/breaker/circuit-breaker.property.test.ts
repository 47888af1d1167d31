import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { exponentialBackoff } from '../retry/backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CountWindowRule } from './count-window-rule.js';
import type { Isolation } from './isolation.js';
import { TimeWindowRule } from './time-window-rule.js';
import { AnyRule } from './any-rule.js';
import { ConsecutiveRule } from './consecutive-rule.js';

type Cmd =
  | { t: 'ok' }
  | { t: 'fail' }
  | { t: 'slow'; ms: number }
  | { t: 'hang' }
  | { t: 'settle'; i: number; ok: boolean }
  | { t: 'tick'; ms: number }
  | { t: 'forceOpen'; until: number | null }
  | { t: 'release'; i: number }
  | { t: 'forceClosed' }
  | { t: 'disable' }
  | { t: 'reset' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Cmd>({ t: 'ok' }) },
  { weight: 5, arbitrary: fc.constant<Cmd>({ t: 'fail' }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }).map((ms): Cmd => ({ t: 'slow', ms })) },
  { weight: 2, arbitrary: fc.constant<Cmd>({ t: 'hang' }) },
  {
    weight: 2,
    arbitrary: fc.record({ i: fc.nat(20), ok: fc.boolean() }).map((r): Cmd => ({ t: 'settle', ...r })),
  },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }).map((ms): Cmd => ({ t: 'tick', ms })) },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.integer({ min: 0, max: 5000 }), { nil: null })
      .map((until): Cmd => ({ t: 'forceOpen', until })),
  },
  { weight: 1, arbitrary: fc.nat(5).map((i): Cmd => ({ t: 'release', i })) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'forceClosed' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'disable' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'reset' }) },
);

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('CircuitBreaker state machine (property-based)', () => {
  it('random sequences never break the invariants', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { maxLength: 60 }),
        fc.integer({ min: 1, max: 3 }),
        async (cmds, probes) => {
          const clock = new ManualClock(0);
          const b = new CircuitBreaker({
            rule: new AnyRule(
              new ConsecutiveRule(3),
              new TimeWindowRule({ windowMs: 2000, minimumCalls: 4, slowCallRate: 0.5 }),
            ),
            openMs: exponentialBackoff({ initialMs: 500, maxMs: 4000 }),
            halfOpenProbes: probes,
            probeTimeoutMs: 1000,
            slowCallMs: 100,
            clock,
          });
          const pending: { resolve: () => void; reject: () => void }[] = [];
          const holds: Isolation[] = [];
          const probesIn = new Map<number, number>(); // half-open episode (its `since`) -> calls admitted
          let forcedUntil: number | null | undefined; // our model of forced-open
          for (const c of cmds) {
            const before = b.detail;
            let ran = false;
            const mark = (): void => {
              ran = true;
              if (before.state === 'half-open')
                probesIn.set(before.since, (probesIn.get(before.since) ?? 0) + 1);
            };
            switch (c.t) {
              case 'ok':
                await b.execute(async () => mark()).catch(() => {});
                break;
              case 'fail':
                await b
                  .execute(async () => {
                    mark();
                    throw new Error('x');
                  })
                  .catch(() => {});
                break;
              case 'slow':
                await b
                  .execute(async () => {
                    mark();
                    clock.advance(c.ms);
                  })
                  .catch(() => {});
                break;
              case 'hang': {
                const p = b.execute(
                  () =>
                    new Promise<void>((resolve, reject) => {
                      mark();
                      pending.push({ resolve, reject: () => reject(new Error('late')) });
                    }),
                );
                p.catch(() => {});
                break;
              }
              case 'settle': {
                const p = pending.splice(c.i % Math.max(1, pending.length), 1)[0];
                if (c.ok) p?.resolve();
                else p?.reject();
                await settle();
                break;
              }
              case 'tick':
                clock.advance(c.ms);
                break;
              case 'forceOpen':
                holds.push(b.forceOpen(c.until === null ? {} : { until: clock.now() + c.until }));
                forcedUntil = c.until === null ? null : clock.now() + c.until;
                break;
              case 'release':
                holds[c.i % Math.max(1, holds.length)]?.release();
                break;
              case 'forceClosed':
              case 'disable':
              case 'reset':
                b[c.t]();
                break;
              default:
                c satisfies never;
            }
            // Forced open never lets a call through.
            if (before.state === 'forced-open')
              assert.equal(ran, false, 'a call went through a forced-open breaker');
            // A hold without a time never drifts: while one is held and not released, it stays forced open.
            if (
              forcedUntil === null &&
              c.t === 'tick' &&
              before.state === 'forced-open' &&
              before.until === null
            )
              assert.equal(b.state, 'forced-open', 'drifted out of forced-open by itself');
            // Never more probes than allowed in one half-open period.
            for (const n of probesIn.values())
              assert.ok(n <= probes, `${n} probes admitted, ${probes} allowed`);
            // Counts never negative, never inconsistent.
            const s = b.stats();
            for (const v of [
              s.calls,
              s.successes,
              s.failures,
              s.slowCalls,
              s.rejections,
              s.trips,
              s.window.calls,
            ])
              assert.ok(v >= 0 && Number.isInteger(v));
            assert.equal(s.successes + s.failures, s.calls);
            assert.ok(s.window.failures <= s.window.calls && s.window.slowCalls <= s.window.calls);
            for (const v of Object.values(s.timeInState)) assert.ok(v >= 0);
            if (s.state === 'open') assert.ok(s.retryAfter !== null && s.retryAfter > clock.now());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a time window never holds a call older than the window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 700 }), failed: fc.boolean() }), {
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 8 }),
        (steps, buckets) => {
          const windowMs = 1000;
          const r = new TimeWindowRule({ windowMs, buckets, minimumCalls: 1 });
          const seen: number[] = [];
          let now = 0;
          for (const s of steps) {
            now += s.dt;
            r.record(s.failed, false, now);
            seen.push(now);
            const snap = r.snapshot(now);
            const within = seen.filter((t) => now - t < windowMs).length;
            const surely = seen.filter((t) => now - t < windowMs - windowMs / buckets).length;
            assert.ok(snap.calls <= within, `holds ${snap.calls}, only ${within} are within the window`);
            assert.ok(snap.calls >= surely, `holds ${snap.calls}, lost some of the ${surely} recent calls`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a count window always equals its last `size` calls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.boolean())),
        fc.integer({ min: 1, max: 20 }),
        (calls, size) => {
          const r = new CountWindowRule({ size });
          calls.forEach(([f, s]) => r.record(f, s, 0));
          const last = calls.slice(-size);
          assert.deepEqual(r.snapshot(), {
            calls: last.length,
            failures: last.filter(([f]) => f).length,
            slowCalls: last.filter(([, s]) => s).length,
          });
        },
      ),
    );
  });
});
