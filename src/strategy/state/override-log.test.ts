import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrideLog, lastOverrides } from './override-log.js';
import type { GroupEntry } from '../types.js';

let dir: string;
let log: string;
let state: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-olog-'));
  log = join(dir, 'strategy-overrides.jsonl');
  state = join(dir, 'strategy_state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function append(action: 'block' | 'unblock', key: string, at: string, statePath = state): void {
  appendFileSync(
    log,
    `${JSON.stringify({ at, action, key, reason: 'r', by: 'alice', previous_status: null, state: statePath })}\n`,
  );
}

const active = (): GroupEntry => ({
  status: 'active',
  roi_30d: 0.1,
  n_30d: 40,
  reason: 'ok',
  tripped_at: null,
});
const blocked = (): GroupEntry => ({
  status: 'blocked',
  roi_30d: -0.1,
  n_30d: 40,
  reason: 'roi_below_threshold',
  tripped_at: '2026-05-01T00:00:00.000Z',
});

describe('applyOverrideLog', () => {
  it('applies a block whenever it was made, and an unblock only when made after the inputs were read', () => {
    append('block', 'S1', '2026-05-05T01:00:00.000Z');
    append('unblock', 'S2', '2026-05-05T01:00:01.000Z');
    const seen = statSync(log).size; // the evaluation read its inputs here
    append('unblock', 'S3', '2026-05-05T01:00:02.000Z');
    const entries: Record<string, GroupEntry> = { S1: active(), S2: blocked(), S3: blocked() };
    const changed = applyOverrideLog(entries, lastOverrides(log, state), seen);
    assert.deepEqual([...changed].sort(), ['S1', 'S3']);
    assert.equal(entries['S1']?.status, 'blocked');
    assert.equal(entries['S1']?.reason, 'manual_block');
    assert.equal(entries['S1']?.tripped_at, '2026-05-05T01:00:00.000Z');
    assert.deepEqual(entries['S2'], blocked()); // the rules ran after that unblock: they stand
    assert.equal(entries['S3']?.status, 'active');
    assert.equal(entries['S3']?.reason, 'manual_unblock');
  });

  it('takes the last override of a key, ignores other state files and junk, and keeps a block tripped_at', () => {
    append('block', 'S1', '2026-05-05T01:00:00.000Z');
    append('unblock', 'S1', '2026-05-05T02:00:00.000Z');
    append('block', 'S1', '2026-05-05T03:00:00.000Z');
    append('unblock', 'S1', '2026-05-05T04:00:00.000Z', join(dir, 'other.json'));
    appendFileSync(log, 'not json\n{"action":"explode","key":"S1","at":"x"}\n');
    const entries: Record<string, GroupEntry> = { S1: blocked() };
    applyOverrideLog(entries, lastOverrides(log, state), 0);
    assert.equal(entries['S1']?.reason, 'manual_block');
    assert.equal(entries['S1']?.override?.at, '2026-05-05T03:00:00.000Z');
    assert.equal(entries['S1']?.tripped_at, '2026-05-01T00:00:00.000Z');
  });

  it('sets __proto__ as an own entry, not a prototype', () => {
    append('block', '__proto__', '2026-05-05T01:00:00.000Z');
    const entries = Object.create(null) as Record<string, GroupEntry>;
    applyOverrideLog(entries, lastOverrides(log, state), 0);
    assert.ok(Object.hasOwn(entries, '__proto__'));
    assert.equal(JSON.parse(JSON.stringify(entries)).__proto__.status, 'blocked');
  });

  it('reads no log as no override', () => {
    assert.equal(lastOverrides(join(dir, 'none.jsonl'), state).size, 0);
    assert.equal(lastOverrides(null, state).size, 0);
  });
});
