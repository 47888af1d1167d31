import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../util/clock.js';
import { DecisionLog } from './decision-log.js';
import type { DecisionHead } from './line-format.js';
import { listSegments } from './segment-files.js';
import { verifyDecisionLog } from './verify.js';

type Op =
  | { t: 'append'; size: number }
  | { t: 'durable'; size: number }
  | { t: 'flush' }
  | { t: 'reopen' }
  | { t: 'torn'; bytes: number }
  | { t: 'time'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('append' as const), size: fc.nat(900) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('durable' as const), size: fc.nat(900) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('torn' as const), bytes: fc.integer({ min: 1, max: 300 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('time' as const),
      ms: fc.integer({ min: 0, max: 2 * 86_400_000 }),
    }),
  },
);

function present(dir: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const s of listSegments(dir))
    for (const l of readFileSync(s.path, 'utf8').split('\n'))
      if (l.endsWith('}')) {
        const r = JSON.parse(l) as DecisionHead;
        m.set(r.seq, r.hash);
      }
  return m;
}

describe('DecisionLog (property)', () => {
  it('any sequence of appends, flushes, reopens, torn tails and day changes keeps one verifiable chain holding every append', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const dir = join(mkdtempSync(join(tmpdir(), 'warden-dlog-prop-')), 'log');
        const clock = new ManualClock(Date.UTC(2026, 11, 1, 23, 30));
        const opts = { dir, clock, rotateBytes: 3000, flushIntervalMs: 1 };
        let log = DecisionLog.open(opts);
        const appended: DecisionHead[] = [];
        try {
          for (const o of ops) {
            switch (o.t) {
              case 'append':
                appended.push(log.append({ kind: 'bot', data: { pad: 'x'.repeat(o.size) } }));
                break;
              case 'durable': {
                const h = await log.append(
                  { kind: 'bot', data: { pad: 'y'.repeat(o.size) } },
                  { durable: true },
                );
                appended.push(h);
                assert.ok(log.durableHead.seq >= h.seq);
                break;
              }
              case 'flush':
                assert.deepEqual(await log.flush(), log.head);
                break;
              case 'reopen':
              case 'torn':
                await log.close();
                if (o.t === 'torn') {
                  const last = listSegments(dir).at(-1);
                  if (last) {
                    appendFileSync(last.path, '{"data":'.padEnd(o.bytes, 'z').slice(0, o.bytes));
                  }
                }
                log = DecisionLog.open(opts);
                if (log.recovered) appended.push(log.head); // the log.torn_tail record
                break;
              case 'time':
                clock.advance(o.ms);
                break;
              default:
                o satisfies never;
            }
          }
          await log.close();
          const v = verifyDecisionLog(dir, { strict: true });
          if (appended.length === 0) {
            assert.ok(
              !v.ok && v.code === 'no_log',
              'a log with no line is reported, never passed as verified',
            );
            return;
          }
          assert.ok(v.ok, JSON.stringify(v));
          assert.equal(v.lines, appended.length);
          const have = present(dir);
          for (const h of appended) assert.equal(have.get(h.seq), h.hash, `seq ${h.seq}`);
        } finally {
          await log.close().catch(() => undefined);
          rmSync(join(dir, '..'), { recursive: true, force: true });
        }
      }),
      { numRuns: 100 },
    );
  });
});
