import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateStrategies, type EvaluateParams } from './evaluate.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-edges-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (ts: number, pnl: number, o: object = {}): string =>
  JSON.stringify({
    ts: new Date(ts).toISOString(),
    sport: 'A',
    resolved: 1,
    pnl_c: pnl,
    size: 1,
    entry_price_c: 50,
    ...o,
  });

function run(now: number, extra: Partial<EvaluateParams> = {}): ReturnType<typeof evaluateStrategies> {
  return evaluateStrategies({
    tradesPath: join(dir, 't.jsonl'),
    statePath: join(dir, 's.json'),
    now,
    options: { minN: 1 },
    ...extra,
  });
}

describe('evaluateStrategies: future and oversized lines with the incremental cursor', () => {
  it('counts a future line once its time has come, incrementally as a full read does', () => {
    writeFileSync(
      join(dir, 't.jsonl'),
      `${[line(NOW - HOUR, -10), line(NOW + HOUR, 40), line(NOW - HOUR, -10)].join('\n')}\n`,
    );
    const cursorPath = join(dir, 'c.json');
    const first = run(NOW, { cursorPath });
    assert.deepEqual(first.issues.counts, { future_timestamp: 1 });
    assert.equal(first.entries['A']?.n_30d, 2);
    appendFileSync(join(dir, 't.jsonl'), `${line(NOW + HOUR, -10)}\n`);
    const inc = run(NOW + 2 * HOUR, { cursorPath });
    const full = run(NOW + 2 * HOUR, { statePath: join(dir, 'full.json') });
    assert.equal(inc.read.mode, 'incremental');
    assert.deepEqual(
      [inc.entries['A']?.n_30d, inc.entries['A']?.roi_30d, inc.counted],
      [full.entries['A']?.n_30d, full.entries['A']?.roi_30d, full.counted],
    );
    assert.equal(inc.entries['A']?.n_30d, 4);
    assert.deepEqual(inc.issues.counts, {});
  });

  it('counts an oversized line once, in a full read and in incremental reruns', () => {
    writeFileSync(
      join(dir, 't.jsonl'),
      `${line(NOW - HOUR, 5)}\n${'x'.repeat(500)}\n${line(NOW - HOUR, 5)}\n`,
    );
    const cursorPath = join(dir, 'c.json');
    const first = run(NOW, { cursorPath, maxLineBytes: 128 });
    assert.deepEqual(first.issues.counts, { oversized: 1 });
    assert.equal(first.issues.examples[0]?.line, 2);
    appendFileSync(join(dir, 't.jsonl'), `${line(NOW, 5)}\n`);
    const inc = run(NOW + 1000, { cursorPath, maxLineBytes: 128 });
    assert.equal(inc.read.mode, 'incremental');
    assert.deepEqual(inc.issues.counts, { oversized: 1 });
    assert.equal(inc.entries['A']?.n_30d, 3);
  });
});
