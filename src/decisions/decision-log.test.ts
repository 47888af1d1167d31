import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ManualClock } from '../util/clock.js';
import { DecisionLog } from './decision-log.js';
import { DecisionLogLockedError } from './decision-log-locked-error.js';
import { DecisionLogCorruptError } from './decision-log-corrupt-error.js';
import { DecisionRecordError } from './decision-record-error.js';
import { GENESIS_HASH, type DecisionHead } from './line-format.js';
import { listSegments } from './segment-files.js';
import { verifyDecisionLog } from './verify.js';

const DAY = 86_400_000;
let root: string;
let dir: string;
let clock: ManualClock;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'warden-dlog-'));
  dir = join(root, 'decisions');
  clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function lines(d = dir): Record<string, unknown>[] {
  return listSegments(d).flatMap((s) =>
    readFileSync(s.path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

describe('DecisionLog', () => {
  it('chains each append to the one before and returns its head at once', async () => {
    const log = DecisionLog.open({ dir, clock });
    const a = log.append({ kind: 'gate', data: { allow: true } });
    const b = log.append({ kind: 'mode', data: { to: 'REDUCE_ONLY' }, by: 'degrader' });
    assert.equal(a.seq, 1);
    assert.equal(b.seq, 2);
    assert.deepEqual(log.head, b);
    assert.equal(log.durableHead.seq, 0, 'nothing is durable before the group commit');
    const d = await log.flush();
    assert.deepEqual(d, b);
    assert.deepEqual(log.durableHead, b);
    await log.close();
    const ls = lines();
    assert.equal(ls[0]!.prev, GENESIS_HASH);
    assert.equal(ls[1]!.prev, a.hash);
    assert.equal(ls[1]!.by, 'degrader');
    assert.deepEqual(verifyDecisionLog(dir), { ok: true, files: 1, lines: 2, head: b, inProgressBytes: 0 });
  });

  it('resolves a durable append after the group commit, together with the others of its batch', async () => {
    const log = DecisionLog.open({ dir, clock, flushIntervalMs: 5 });
    const heads: DecisionHead[] = [];
    log.onDurable((h) => heads.push(h));
    log.append({ kind: 'bot', data: 1 });
    const p = log.append({ kind: 'bot', data: 2 }, { durable: true });
    const own = log.head;
    log.append({ kind: 'bot', data: 3 });
    assert.deepEqual(await p, own, 'a durable append resolves with its own seq and hash');
    assert.equal(own.seq, 2);
    assert.equal(heads.length, 1, 'one fsync covered the batch');
    assert.equal(heads[0]!.seq, 3);
    await log.close();
  });

  it('keeps the chain when a reopened log appends again', async () => {
    const first = DecisionLog.open({ dir, clock });
    first.append({ kind: 'bot', data: 'a' });
    await first.close();
    const again = DecisionLog.open({ dir, clock });
    assert.equal(again.head.seq, 1);
    again.append({ kind: 'bot', data: 'b' });
    await again.close();
    const r = verifyDecisionLog(dir);
    assert.ok(r.ok && r.lines === 2);
  });

  it('rotates by size and by UTC day, each new file chaining to the last line of the one before', async () => {
    const log = DecisionLog.open({ dir, clock, rotateBytes: 1000 });
    for (let i = 0; i < 20; i++) log.append({ kind: 'bot', data: { i, pad: 'x'.repeat(100) } });
    await log.flush();
    const bySize = listSegments(dir).length;
    assert.ok(bySize >= 4, `${bySize} segments`);
    clock.advance(DAY);
    log.append({ kind: 'bot', data: 'next day' });
    await log.close();
    const segs = listSegments(dir);
    assert.equal(segs.length, bySize + 1, 'a new file for the new day');
    assert.equal(segs.at(-1)!.firstSeq, 21);
    const ls = lines();
    for (let i = 1; i < ls.length; i++) assert.equal(ls[i]!.prev, ls[i - 1]!.hash);
    assert.ok(verifyDecisionLog(dir).ok);
    for (const s of segs) assert.ok(readFileSync(s.path).length <= 1000 || s === segs.at(-1));
  });

  it('rotates on a reopen the next day too', async () => {
    const a = DecisionLog.open({ dir, clock });
    a.append({ kind: 'bot', data: 1 });
    await a.close();
    clock.advance(DAY);
    const b = DecisionLog.open({ dir, clock });
    b.append({ kind: 'bot', data: 2 });
    await b.close();
    assert.deepEqual(
      listSegments(dir).map((s) => s.firstSeq),
      [1, 2],
    );
    assert.ok(verifyDecisionLog(dir).ok);
  });

  it('moves a torn last line aside on open, records that in the log, and continues the chain', async () => {
    const a = DecisionLog.open({ dir, clock });
    for (let i = 0; i < 3; i++) a.append({ kind: 'bot', data: i });
    await a.close();
    const seg = listSegments(dir)[0]!.path;
    appendFileSync(seg, '{"data":{"half":');
    const bad = verifyDecisionLog(dir);
    assert.ok(!bad.ok && bad.code === 'torn_tail' && bad.line === 4, JSON.stringify(bad));
    const b = DecisionLog.open({ dir, clock });
    assert.ok(b.recovered);
    assert.equal(b.recovered.bytes, 16);
    assert.equal(readFileSync(b.recovered.movedTo, 'utf8'), '{"data":{"half":');
    b.append({ kind: 'bot', data: 'after' });
    await b.close();
    const ls = lines();
    assert.equal(ls.length, 5);
    assert.equal(ls[3]!.kind, 'log.torn_tail');
    assert.deepEqual(ls[3]!.data, {
      file: 'decisions-0000000000000001.jsonl',
      bytes: 16,
      movedTo: readdirSync(dir).find((f) => f.includes('.torn-')),
    });
    assert.ok(verifyDecisionLog(dir).ok);
  });

  it('refuses to open when the last complete line is damaged (not a torn write)', async () => {
    const a = DecisionLog.open({ dir, clock });
    a.append({ kind: 'bot', data: { allow: false } });
    await a.close();
    const seg = listSegments(dir)[0]!.path;
    writeFileSync(seg, readFileSync(seg, 'utf8').replace('false', 'true '));
    assert.throws(() => DecisionLog.open({ dir, clock }), DecisionLogCorruptError);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.lock')),
      [],
      'the lock is released',
    );
  });

  it('refuses a second writer while the first holds the lock, and lets it in after close', async () => {
    const a = DecisionLog.open({ dir, clock });
    assert.throws(
      () => DecisionLog.open({ dir, clock }),
      (e: unknown) =>
        e instanceof DecisionLogLockedError &&
        e.code === 'E_DECISION_LOG_LOCKED' &&
        e.message.includes(`pid ${process.pid}`),
    );
    await a.close();
    const b = DecisionLog.open({ dir, clock });
    await b.close();
  });

  it('takes over the lock of a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    DecisionLog.open({ dir, clock }); // creates the dir; never closed: we overwrite its lock below
    writeFileSync(
      join(dir, 'decisions.lock'),
      JSON.stringify({
        host: (await import('node:os')).hostname(),
        pid,
        start: null,
        nonce: 'x',
        since: 'then',
      }),
    );
    writeFileSync(join(dir, `decisions.lock.tmp-${pid}-abcd`), 'left by a kill -9 mid-acquire');
    const b = DecisionLog.open({ dir, clock });
    assert.equal(JSON.parse(readFileSync(join(dir, 'decisions.lock'), 'utf8')).pid, process.pid);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('decisions.lock.')),
      [],
      'leftovers of dead pids are swept',
    );
    await b.close();
  });

  it('stops, rather than fork the chain, when its lock is removed or another process appends', async () => {
    const a = DecisionLog.open({ dir, clock });
    const errors: Error[] = [];
    a.onError((e) => errors.push(e));
    a.append({ kind: 'bot', data: 1 });
    await a.flush();
    unlinkSync(join(dir, 'decisions.lock'));
    await assert.rejects(a.append({ kind: 'bot', data: 2 }, { durable: true }), {
      code: 'E_DECISION_LOG_LOCK_LOST',
    });
    assert.equal(a.state, 'failed');
    assert.throws(() => a.append({ kind: 'bot', data: 3 }), { code: 'E_DECISION_LOG_LOCK_LOST' });
    assert.equal(errors.length, 1);
    await assert.rejects(a.close(), { code: 'E_DECISION_LOG_LOCK_LOST' });

    const b = DecisionLog.open({ dir, clock });
    b.append({ kind: 'bot', data: 4 });
    await b.flush();
    appendFileSync(listSegments(dir)[0]!.path, 'x');
    await assert.rejects(b.append({ kind: 'bot', data: 5 }, { durable: true }), /another process appended/);
    await b.close().catch(() => undefined);
  });

  it('rejects a decision JSON cannot hold, appending nothing', async () => {
    const log = DecisionLog.open({ dir, clock });
    assert.throws(() => log.append({ kind: 'gate', data: { px: NaN } }), DecisionRecordError);
    assert.throws(() => log.append({ kind: 'GATE', data: 1 }), DecisionRecordError);
    assert.equal(log.head.seq, 0);
    log.append({ kind: 'gate', data: 1 });
    await log.close();
    assert.ok(verifyDecisionLog(dir).ok);
    assert.throws(() => log.append({ kind: 'gate', data: 2 }), { code: 'E_DECISION_LOG_CLOSED' });
  });

  it('refuses appends past maxPendingBytes of unwritten decisions, and takes them again once they are written', async () => {
    const log = DecisionLog.open({
      dir,
      clock,
      flushIntervalMs: 60_000,
      maxBatchBytes: 1e9,
      maxPendingBytes: 1000,
    });
    let n = 0;
    assert.throws(
      () => {
        for (; n < 100; n++) log.append({ kind: 'bot', data: { n, pad: 'x'.repeat(100) } });
      },
      { code: 'E_DECISION_LOG_BACKLOG' },
    );
    assert.ok(n > 2 && n < 10, `${n} appended before the limit`);
    assert.equal(log.state, 'open');
    assert.equal(log.head.seq, n, 'the refused decision was not chained');
    await log.flush();
    log.append({ kind: 'bot', data: 'after' });
    await log.close();
    const r = verifyDecisionLog(dir);
    assert.ok(r.ok && r.lines === n + 1);
  });

  it('validates its options', () => {
    assert.throws(() => DecisionLog.open({ dir, flushIntervalMs: 0 }), /flushIntervalMs/);
    assert.throws(() => DecisionLog.open({ dir, rotateBytes: -1 }), /rotateBytes/);
    assert.throws(() => DecisionLog.open({ dir: '' }), /decisions\.dir/);
    assert.throws(() => DecisionLog.open({ dir, maxPendingBytes: 0 }), /maxPendingBytes/);
  });
});
