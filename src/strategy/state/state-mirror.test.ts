import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from '../../util/event.js';
import type { StrategyStateDocument } from '../runtime/strategy-breaker.js';
import { parseStateText, decideCheck } from '../runtime/check-decision.js';
import { mirrorText, startStateMirror, writeMirrorFile } from './state-mirror.js';

const blocked: StrategyStateDocument = {
  status: 'ok',
  where: 'the store (version 3)',
  doc: {
    as_of: new Date().toISOString(),
    as_of_unix: Math.floor(Date.now() / 1000),
    strategies: { nba: { status: 'blocked', roi_30d: -0.2, n_30d: 40 } },
  },
};
const unconfirmed: StrategyStateDocument = {
  status: 'unreadable',
  where: 'the store',
  error: 'the store has not confirmed the strategy state within 5000 ms',
};

/** A source whose document the test sets, and whose change event it fires. */
function source(first: StrategyStateDocument) {
  const changes = new EventSource<void>();
  let doc = first;
  return {
    document: () => Promise.resolve(doc),
    onStoreState: changes.subscribe,
    set(d: StrategyStateDocument) {
      doc = d;
      changes.emit();
    },
  };
}
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('the strategy state mirror file', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-mirror-'));
    path = join(dir, 'strategy_state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("says what the runtime check says: the store's entries, or fail open for every key when unconfirmed", () => {
    const ok = parseStateText(mirrorText(blocked, 'strategies').text, 'strategies');
    assert.equal(decideCheck(ok, 'nba', Date.now(), 3_600_000).allow, false);
    const open = mirrorText(unconfirmed, 'strategies');
    assert.equal(open.status, 'unconfirmed');
    const r = decideCheck(parseStateText(open.text, 'strategies'), 'nba', Date.now(), 3_600_000);
    assert.equal(r.allow, true);
    assert.match(r.reason, /fail_open/);
  });

  it('replaces a regular file atomically and leaves no temp file', () => {
    writeFileSync(path, 'old');
    writeMirrorFile(path, 'new\n');
    assert.equal(readFileSync(path, 'utf8'), 'new\n');
    assert.deepEqual(readdirSync(dir), ['strategy_state.json']);
  });

  it('never follows a symlink at the path: the link and its target stay as they were, and it says so once', async () => {
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, 'the target');
    symlinkSync(target, path);
    assert.throws(() => writeMirrorFile(path, '{}'), /is a symbolic link/);
    const src = source(blocked);
    const errors: string[] = [];
    const m = startStateMirror({
      path,
      stateKey: 'strategies',
      source: src,
      onError: (e) => errors.push(e.message),
    });
    await m.ready;
    src.set(unconfirmed);
    await settle();
    assert.equal(readFileSync(target, 'utf8'), 'the target');
    assert.equal(readlinkSync(path), target);
    assert.equal(errors.length, 1, 'reported once per episode');
    // The link removed: the next change is written.
    unlinkSync(path);
    src.set(blocked);
    await settle();
    assert.ok(lstatSync(path).isFile());
    assert.match(readFileSync(path, 'utf8'), /"blocked"/);
    m.close();
  });

  it('never opens a FIFO at the path (a write through it would block): refused, the FIFO left in place', async () => {
    execFileSync('mkfifo', [path]);
    const errors: string[] = [];
    const m = startStateMirror({
      path,
      stateKey: 'strategies',
      source: source(blocked),
      onError: (e) => errors.push(e.message),
    });
    await m.ready; // would hang forever on an open of the FIFO for writing
    assert.ok(lstatSync(path).isFIFO());
    assert.match(errors[0] ?? '', /is a FIFO/);
    m.close();
  });

  it('writes at start and on every change of the document, not twice the same text', async () => {
    const src = source(blocked);
    const written: string[] = [];
    const m = startStateMirror({ path, stateKey: 'sports', source: src, onWritten: (s) => written.push(s) });
    await m.ready;
    assert.match(readFileSync(path, 'utf8'), /"nba"/);
    src.set(blocked);
    await settle();
    src.set(unconfirmed);
    await settle();
    assert.deepEqual(written, ['ok', 'unconfirmed']);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(doc['sports'], {});
    assert.equal(doc['as_of_unix'], 0);
    m.close();
  });
});
