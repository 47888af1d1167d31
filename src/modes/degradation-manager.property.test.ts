import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqliteStore } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { ManualClock } from '../util/clock.js';
import { DegradationManager } from './degradation-manager.js';
import type { BreakerStateName, Mode } from './mode-types.js';

const BUY = { symbol: 'X', side: 'buy', amount: 1 } as const;
const REDUCE = { symbol: 'X', side: 'sell', amount: 1, reduceOnly: true } as const;
const CANCEL = { symbol: 'X', side: 'buy', amount: 1, cancel: true } as const;

/** What each mode must let through: [new risk, reduce-only, cancel]. */
const TABLE: Record<Mode, [boolean, boolean, boolean]> = {
  FULL: [true, true, true],
  REDUCE_ONLY: [false, true, true],
  OBSERVATION: [false, false, true],
  SHUTDOWN: [false, true, true],
};

const breakers: BreakerStateName[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'forced-closed',
  'disabled',
];
const op = fc.oneof(
  fc.record({
    t: fc.constant('balance' as const),
    v: fc.oneof(fc.double({ min: -5, max: 3000, noNaN: true }), fc.constant(NaN)),
  }),
  fc.record({
    t: fc.constant('equity' as const),
    v: fc.oneof(fc.double({ min: 1, max: 3000, noNaN: true }), fc.constant(NaN)),
  }),
  fc.record({ t: fc.constant('feed' as const), v: fc.integer({ min: -10, max: 120_000 }) }),
  fc.record({ t: fc.constant('advance' as const), v: fc.integer({ min: 0, max: 400_000 }) }),
  fc.record({ t: fc.constant('breaker' as const), v: fc.constantFrom(...breakers) }),
  fc.record({ t: fc.constant('drift' as const), v: fc.integer({ min: -5000, max: 5000 }) }),
  fc.record({ t: fc.constant('recon' as const), v: fc.boolean() }),
  fc.record({ t: fc.constant('resume' as const), v: fc.boolean() }),
  fc.record({ t: fc.constant('yield' as const), v: fc.integer({ min: 1, max: 5 }) }),
);

describe('DegradationManager (property)', () => {
  it('never leaves SHUTDOWN without a resume of its trip, and its verdict always matches its mode', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'warden-modes-prop-'));
        const store = SqliteStore.open(join(dir, 'warden.db'));
        const clock = new ManualClock(1_700_000_000_000);
        const ks = await KillSwitch.open({ store, dataDir: dir, clock, pollMs: 0 });
        const mgr = new DegradationManager({ killSwitch: ks, clock, intervalMs: 0, breakerGraceMs: 1000 });
        /** One entry per SHUTDOWN entered, with the newest kill-switch event id when it was left. */
        const entries: { left: number | null | undefined }[] = [];
        mgr.onChange((c) => {
          if (c.from === 'SHUTDOWN') {
            const e = entries.at(-1);
            assert.ok(e && e.left === undefined, 'left a SHUTDOWN that was not entered');
            const s = ks.state();
            assert.equal(s.halted, false, 'SHUTDOWN left while the kill switch is halted');
            e.left = s.eventId;
          }
          if (c.to === 'SHUTDOWN') entries.push({ left: undefined });
        });
        try {
          for (const o of ops) {
            switch (o.t) {
              case 'balance':
                mgr.report({ balance: o.v });
                break;
              case 'equity':
                mgr.report({ equity: o.v });
                break;
              case 'feed':
                mgr.report({ feedAgeMs: o.v });
                break;
              case 'advance':
                clock.advance(o.v);
                break;
              case 'breaker':
                mgr.breakerChanged(o.v, clock.now());
                break;
              case 'drift':
                mgr.clockDrift(o.v);
                break;
              case 'recon':
                mgr.reconciliation(o.v);
                break;
              case 'resume':
                if (ks.isHalted()) await ks.resume({ reason: 'property', by: 'p' }).catch(() => undefined);
                break;
              case 'yield':
                for (let i = 0; i < o.v; i++) await new Promise((r) => setImmediate(r));
                break;
            }
            const now = clock.now();
            const got = [
              mgr.check(BUY, now).allow,
              mgr.check(REDUCE, now).allow,
              mgr.check(CANCEL, now).allow,
            ];
            assert.deepEqual(got, TABLE[mgr.mode], `verdicts for ${mgr.mode}`);
            if (mgr.mode === 'OBSERVATION' || mgr.mode === 'FULL')
              assert.equal(mgr.check(BUY, now).layer, 'mode');
          }
          // Let every trip finish, then check each exit from SHUTDOWN against the durable history.
          for (let i = 0; i < 200; i++) {
            const st = mgr.state;
            if (st.mode !== 'SHUTDOWN' || st.tripEventId !== null) break;
            await new Promise((r) => setTimeout(r, 1));
          }
          const history = (await ks.history(10_000)).slice().sort((a, b) => a.id - b.id);
          const trips = history.filter((e) => e.action === 'trip' && e.by === 'modes');
          assert.equal(trips.length, entries.length, 'one trip per SHUTDOWN entered');
          entries.forEach((e, i) => {
            if (e.left === undefined) return;
            assert.ok(e.left !== null, 'left with no kill-switch event');
            const ev = history.find((h) => h.id === e.left);
            assert.equal(ev?.action, 'resume', 'left SHUTDOWN on something other than a resume');
            assert.ok((e.left as number) > trips[i]!.id, 'left SHUTDOWN on a resume older than its trip');
          });
        } finally {
          mgr.close();
          await ks.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
