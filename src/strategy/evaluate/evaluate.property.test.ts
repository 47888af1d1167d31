import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { evaluateStrategies } from './evaluate.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');

const tradeLine = fc
  .record({
    g: fc.constantFrom('A', 'B', 'C', 'NHL'),
    t: fc.integer({ min: -60 * DAY, max: DAY }),
    pnl: fc.integer({ min: -100, max: 100 }),
    size: fc.integer({ min: 1, max: 10 }),
    entry: fc.integer({ min: 0, max: 99 }),
    resolved: fc.constantFrom<unknown>('YES', 'NO', null, 'absent', 1, false),
    div: fc.constantFrom(1, 7),
  })
  .map((r) => {
    const o: Record<string, unknown> = {
      ts: new Date(NOW + r.t).toISOString(),
      sport: r.g,
      pnl_c: r.pnl / r.div,
      size: r.size,
      entry_price_c: r.entry,
    };
    if (r.resolved !== 'absent') o['resolved'] = r.resolved;
    return JSON.stringify(o);
  });
const anyLine = fc.oneof(
  { weight: 12, arbitrary: tradeLine },
  { weight: 1, arbitrary: fc.constantFrom('', 'garbage', '{"ts":"x"}', '{"sport":"A","resolved":1}') },
);

/** The straightforward way: every line through JSON.parse, every trade kept in memory. */
function naive(
  lines: string[],
  now: number,
  windowDays: number,
): Map<string, { n: number; pnl: number; cost: number }> {
  const cutoff = now - windowDays * DAY;
  const rows: { g: string; ts: number; pnl: number; size: number; entry: number }[] = [];
  for (const l of lines) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (o === null || typeof o !== 'object' || o['resolved'] === undefined || o['resolved'] === null)
      continue;
    const ts = typeof o['ts'] === 'string' ? Date.parse(o['ts']) : NaN;
    const [pnl, size, entry] = [o['pnl_c'], o['size'], o['entry_price_c']];
    if (
      typeof o['sport'] !== 'string' ||
      Number.isNaN(ts) ||
      typeof pnl !== 'number' ||
      typeof size !== 'number' ||
      typeof entry !== 'number'
    )
      continue;
    if (size <= 0 || entry <= 0 || ts > now + 5 * 60_000) continue; // bad lines of their own kinds
    rows.push({ g: o['sport'], ts, pnl, size, entry });
  }
  const out = new Map<string, { n: number; pnl: number; cost: number }>();
  for (const r of rows.filter((x) => x.ts >= cutoff)) {
    const f = out.get(r.g) ?? { n: 0, pnl: 0, cost: 0 };
    f.n++;
    f.pnl += r.pnl * r.size;
    f.cost += r.entry * r.size;
    out.set(r.g, f);
  }
  return out;
}

describe('evaluateStrategies: properties', () => {
  it('streaming gives the same n, ROI and status as an in-memory computation on random logs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-prop-'));
    try {
      fc.assert(
        fc.property(
          fc.array(anyLine, { minLength: 1, maxLength: 120 }),
          fc.integer({ min: 1, max: 8 }),
          fc.constantFrom(1, 7, 30),
          (lines, minN, windowDays) => {
            const intLines = lines.filter((l) => !/"pnl_c":-?\d+\.\d/.test(l)); // integers: sums exact in any order
            if (intLines.length === 0) return;
            const p = join(dir, 't.jsonl');
            writeFileSync(p, `${intLines.join('\n')}\n`);
            const s = join(dir, 's.json');
            rmSync(s, { force: true });
            let r: ReturnType<typeof evaluateStrategies>;
            try {
              r = evaluateStrategies({
                tradesPath: p,
                statePath: s,
                now: NOW,
                options: { minN, windowDays },
              });
            } catch (e) {
              assert.match(String(e), /no trade lines|no line has the configured field/);
              return;
            }
            const want = naive(intLines, NOW, windowDays);
            assert.deepEqual(Object.keys(r.entries).sort(), [...want.keys()].sort());
            for (const [g, f] of want) {
              const e = r.entries[g];
              const ratio = f.pnl / f.cost;
              assert.equal(e?.n_30d, f.n);
              assert.equal(e?.roi_30d, Number.isFinite(ratio) ? ratio : null);
              const status = f.n < minN ? 'monitor' : ratio < -0.05 ? 'blocked' : 'active';
              assert.equal(e?.status, status);
            }
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an incremental rerun equals a full read to the bit, as the window moves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-inc-'));
    try {
      fc.assert(
        fc.property(
          fc.array(tradeLine, { minLength: 2, maxLength: 150 }),
          fc.nat(),
          fc.integer({ min: 0, max: 3 * DAY }),
          fc.integer({ min: 0, max: 2 * DAY }),
          fc.boolean(),
          fc.constantFrom(5, 50),
          fc.integer({ min: 1, max: 3000 }),
          (lines, cut, step1, step2, tail, windowDays, spanBytes) => {
            const k = 1 + (cut % (lines.length - 1));
            const p = join(dir, 't.jsonl');
            rmSync(join(dir, 'c.json'), { force: true });
            rmSync(join(dir, 'a.json'), { force: true });
            rmSync(join(dir, 'b.json'), { force: true });
            const opts = { minN: 3, windowDays }; // 5: hour buckets, 50: day buckets
            const head = lines.slice(0, k).join('\n') + (tail ? '' : '\n');
            writeFileSync(p, head);
            const cursorPath = join(dir, 'c.json');
            evaluateStrategies({
              tradesPath: p,
              statePath: join(dir, 'a.json'),
              now: NOW,
              options: opts,
              cursorPath,
              spanBytes,
            });
            evaluateStrategies({ tradesPath: p, statePath: join(dir, 'b.json'), now: NOW, options: opts });
            appendFileSync(p, (tail ? '\n' : '') + lines.slice(k).join('\n') + '\n');
            const inc = evaluateStrategies({
              tradesPath: p,
              statePath: join(dir, 'a.json'),
              now: NOW + step1,
              options: opts,
              cursorPath,
              spanBytes,
            });
            const full = evaluateStrategies({
              tradesPath: p,
              statePath: join(dir, 'b.json'),
              now: NOW + step1,
              options: opts,
            });
            assert.equal(inc.read.mode, 'incremental');
            assert.deepEqual(inc.entries, full.entries);
            // and once more with no new bytes, a later now
            const inc2 = evaluateStrategies({
              tradesPath: p,
              statePath: join(dir, 'a.json'),
              now: NOW + step1 + step2,
              options: opts,
              cursorPath,
              spanBytes,
            });
            const full2 = evaluateStrategies({
              tradesPath: p,
              statePath: join(dir, 'b.json'),
              now: NOW + step1 + step2,
              options: opts,
            });
            assert.deepEqual(inc2.entries, full2.entries);
            assert.equal(inc2.counted, full2.counted);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
