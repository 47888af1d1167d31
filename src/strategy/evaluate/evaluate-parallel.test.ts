import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { evaluateStrategies, type EvaluateParams } from './evaluate.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');

// Fractional pnl on purpose: sums then depend on the order they are made in, so a piece
// replayed out of file order would show.
const tradeLine = fc
  .record({
    g: fc.constantFrom('A', 'B', 'NHL', 'é'),
    t: fc.integer({ min: -40 * DAY, max: DAY }),
    pnl: fc.integer({ min: -100, max: 100 }),
    div: fc.constantFrom(1, 3, 7),
    size: fc.integer({ min: 0, max: 10 }),
    resolved: fc.constantFrom<unknown>('YES', 'NO', null),
  })
  .map((r) =>
    JSON.stringify({
      ts: new Date(NOW + r.t).toISOString(),
      sport: r.g,
      resolved: r.resolved,
      pnl_c: r.pnl / r.div,
      size: r.size,
      entry_price_c: 40,
    }),
  );
const anyLine = fc.oneof(
  { weight: 14, arbitrary: tradeLine },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'garbage', '{"ts":"x","sport":"A","resolved":1}', 'x'.repeat(300)),
  },
);

interface Run {
  readonly result: ReturnType<typeof evaluateStrategies>;
  readonly cursor: string;
}

/** One evaluation with its own state and cursor, returning what it wrote beside the result. */
function run(dir: string, name: string, trades: string, now: number, extra: Partial<EvaluateParams>): Run {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const cursorPath = join(d, 'cursor.json');
  const result = evaluateStrategies({
    tradesPath: trades,
    statePath: join(d, 'state.json'),
    now,
    cursorPath,
    maxLineBytes: 256,
    options: { minN: 2 },
    ...extra,
  });
  return { result, cursor: readFileSync(cursorPath, 'utf8') };
}

/** Everything a run produced that must not depend on how the log was cut into pieces. */
function same(a: Run, b: Run): void {
  assert.deepEqual(b.result.entries, a.result.entries);
  assert.deepEqual(b.result.issues, a.result.issues);
  assert.equal(b.result.counted, a.result.counted);
  assert.equal(b.result.beforeWindow, a.result.beforeWindow);
  assert.equal(b.result.read.lines, a.result.read.lines);
  assert.equal(b.result.read.bytesRead, a.result.read.bytesRead);
  assert.equal(b.cursor, a.cursor); // its spans too: they do not depend on the pieces
}

function property(threads: number, numRuns: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pieces-'));
  try {
    fc.assert(
      fc.property(
        fc.array(anyLine, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 * DAY }),
        fc.integer({ min: 1, max: 600 }),
        (lines, chunkBytes, unterminated, later, spanBytes) => {
          rmSync(join(dir, 'one'), { recursive: true, force: true });
          rmSync(join(dir, 'pieces'), { recursive: true, force: true });
          const trades = join(dir, 't.jsonl');
          writeFileSync(trades, lines.join('\n') + (unterminated ? '' : '\n'));
          let one: Run;
          try {
            one = run(dir, 'one', trades, NOW, { threads: 0, spanBytes });
          } catch (e) {
            assert.match(String(e), /no trade lines|no line has the configured field|trade log is empty/);
            assert.throws(
              () => run(dir, 'pieces', trades, NOW, { threads, chunkBytes, spanBytes }),
              /no trade lines|no line has|trade log is empty/,
            );
            return;
          }
          same(one, run(dir, 'pieces', trades, NOW, { threads, chunkBytes, spanBytes }));
          // and the incremental rerun each cursor allows, after an append and a later now
          appendFileSync(trades, `${lines.slice(0, 5).join('\n')}\n`);
          same(
            run(dir, 'one', trades, NOW + later, { threads: 0, spanBytes }),
            run(dir, 'pieces', trades, NOW + later, { threads, chunkBytes, spanBytes }),
          );
        },
      ),
      { numRuns },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('evaluateStrategies: a log read in pieces', () => {
  it('gives the same sums to the bit, bad lines (file:line) and cursor (its spans too) as one pass', () => {
    property(0, 80);
  });

  it('gives the same on worker threads as in this thread', () => {
    property(2, 8);
  });
});
