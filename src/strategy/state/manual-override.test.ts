import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateStrategies } from '../evaluate/evaluate.js';
import { applyOverride } from './manual-override.js';
import { readStateFile } from './state-file.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-override-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function log(pnl: number): void {
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({
      ts: new Date(NOW - DAY - i * 60_000).toISOString(),
      sport: 'NHL',
      resolved: 1,
      pnl_c: pnl,
      size: 1,
      entry_price_c: 50,
    }),
  );
  writeFileSync(join(dir, 't.jsonl'), `${lines.join('\n')}\n`);
}

function override(action: 'block' | 'unblock', now = NOW): ReturnType<typeof applyOverride> {
  return applyOverride({
    statePath: join(dir, 's.json'),
    stateKey: 'strategies',
    auditPath: join(dir, 'audit.jsonl'),
    key: 'NHL',
    action,
    reason: 'because',
    by: 'alice',
    now,
  });
}

const evaluate = (now: number): ReturnType<typeof evaluateStrategies> =>
  evaluateStrategies({ tradesPath: join(dir, 't.jsonl'), statePath: join(dir, 's.json'), now });

describe('applyOverride', () => {
  it('creates the state when there is none, and audits every override', () => {
    const r = override('block');
    assert.equal(r.previous, null);
    assert.equal(r.entry.status, 'blocked');
    assert.equal(r.entry.reason, 'manual_block');
    assert.deepEqual(r.entry.override, {
      action: 'block',
      reason: 'because',
      by: 'alice',
      at: new Date(NOW).toISOString(),
    });
    assert.equal(readStateFile(join(dir, 's.json'))?.as_of_unix, NOW / 1000);
    override('unblock');
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; previous_status: string | null });
    assert.deepEqual(
      audit.map((a) => [a.action, a.previous_status]),
      [
        ['block', null],
        ['unblock', 'blocked'],
      ],
    );
  });

  it('holds a manual block through evaluations of a healthy strategy', () => {
    log(10);
    evaluate(NOW);
    override('block', NOW + 1000);
    const r = evaluate(NOW + DAY);
    assert.equal(r.entries['NHL']?.status, 'blocked');
    assert.equal(r.entries['NHL']?.reason, 'manual_block');
  });

  it('lets the next evaluation trip a manually unblocked strategy that is still bleeding', () => {
    log(-10);
    assert.equal(evaluate(NOW).entries['NHL']?.status, 'blocked');
    override('unblock', NOW + 1000);
    const r = evaluate(NOW + 2000);
    assert.equal(r.entries['NHL']?.status, 'blocked');
    assert.equal(r.entries['NHL']?.reason, 'roi_below_threshold');
    assert.equal(r.entries['NHL']?.override, undefined);
  });

  it('does not refresh as_of, and says when the state is stale', () => {
    log(1);
    evaluate(NOW);
    const r = override('block', NOW + 31 * 3_600_000);
    assert.equal(r.stateStale, true);
    assert.equal(readStateFile(join(dir, 's.json'))?.as_of_unix, NOW / 1000);
  });

  it('validates its input', () => {
    assert.throws(
      () =>
        applyOverride({
          statePath: join(dir, 's.json'),
          stateKey: 'strategies',
          auditPath: join(dir, 'a'),
          key: 'NHL',
          action: 'block',
          reason: ' ',
          by: 'x',
          now: NOW,
        }),
      /reason must be a non-empty string/,
    );
  });
});
