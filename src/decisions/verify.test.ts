import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ManualClock } from '../util/clock.js';
import { DecisionLog } from './decision-log.js';
import { listSegments } from './segment-files.js';
import { formatLine } from './line-format.js';
import { verifyDecisionLog, type VerifyResult } from './verify.js';

let root: string;
let pristine: string;
let n = 0;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'warden-verify-'));
  pristine = join(root, 'pristine');
  const log = DecisionLog.open({
    dir: pristine,
    clock: new ManualClock(1_764_590_400_000),
    rotateBytes: 4000,
  });
  for (let i = 0; i < 60; i++)
    log.append({ kind: 'gate', data: { i, allow: i % 2 === 0, layers: ['ks', 'strategy'] } });
  await log.close();
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the pristine log, its first segment's lines, and a writer for that segment. */
function copy(): { dir: string; seg: string; lines: string[]; write(ls: string[], tail?: string): void } {
  const dir = join(root, `copy-${++n}`);
  cpSync(pristine, dir, { recursive: true });
  const seg = listSegments(dir)[0]!.path;
  const lines = readFileSync(seg, 'utf8').split('\n').slice(0, -1);
  return { dir, seg, lines, write: (ls, tail = '\n') => writeFileSync(seg, ls.join('\n') + tail) };
}

function bad(r: VerifyResult): Extract<VerifyResult, { ok: false }> {
  assert.ok(!r.ok, 'expected the log to fail verification');
  return r;
}

describe('verifyDecisionLog', () => {
  it('accepts the log as written, across its segment files', () => {
    const r = verifyDecisionLog(pristine, { strict: true });
    assert.ok(r.ok);
    assert.equal(r.lines, 60);
    assert.ok(r.files > 2, `${r.files} files`);
  });

  it('names the line whose field was edited', () => {
    const c = copy();
    c.lines[4] = c.lines[4]!.replace('"allow":true', '"allow":false');
    c.write(c.lines);
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.file, r.line], ['hash_mismatch', c.seg, 5]);
    assert.equal(r.lines, 4);
  });

  it('names the line after a deleted one', () => {
    const c = copy();
    c.lines.splice(6, 1);
    c.write(c.lines);
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.line], ['seq_mismatch', 7]);
    assert.match(r.message, /seq 8 follows seq 6/);
  });

  it('names the first of two swapped lines', () => {
    const c = copy();
    [c.lines[2], c.lines[3]] = [c.lines[3]!, c.lines[2]!];
    c.write(c.lines);
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.line], ['seq_mismatch', 3]);
  });

  it('catches an edit whose hash was recomputed at the next line, by its prev', () => {
    const c = copy();
    const rec = JSON.parse(c.lines[4]!) as {
      kind: string;
      data: { allow: boolean };
      prev: string;
      seq: number;
      ts: number;
    };
    rec.data.allow = !rec.data.allow;
    c.lines[4] = formatLine(rec, rec.prev, rec.seq, rec.ts).line.slice(0, -1);
    c.write(c.lines);
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.line], ['prev_mismatch', 6]);
  });

  it('names the line where a file was cut in the middle of a line, in the middle of the log', () => {
    const c = copy();
    c.write(c.lines.slice(0, 3).concat(c.lines[3]!.slice(0, 50)), '');
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.file, r.line], ['torn_tail', c.seg, 4]);
  });

  it('names the line where bytes were cut out across two lines', () => {
    const c = copy();
    const text = readFileSync(c.seg, 'utf8');
    const from = text.indexOf('\n', text.indexOf('\n') + 1) + 40; // inside line 3
    const to = text.indexOf('\n', from) + 60; // inside line 4
    writeFileSync(c.seg, text.slice(0, from) + text.slice(to));
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.line], ['hash_mismatch', 3]);
  });

  it('names line 1 of a file replaced with garbage', () => {
    const c = copy();
    writeFileSync(c.seg, 'not a log\n\u0000\u0000\u0000');
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.file, r.line], ['malformed', c.seg, 1]);
  });

  it('names the file after a removed segment, and a log whose first file is gone', () => {
    const c = copy();
    const segs = listSegments(c.dir);
    unlinkSync(segs[1]!.path);
    const r = bad(verifyDecisionLog(c.dir));
    assert.deepEqual([r.code, r.file, r.line], ['seq_mismatch', segs[2]!.path, 1]);
    unlinkSync(segs[0]!.path);
    const r2 = bad(verifyDecisionLog(c.dir));
    assert.equal(r2.code, 'seq_mismatch');
    assert.match(r2.message, /starts at seq \d+, not 1/);
  });

  it('detects a whole-log rewrite and a cut end only against an anchored head', async () => {
    const head = (verifyDecisionLog(pristine) as Extract<VerifyResult, { ok: true }>).head;
    const mid = { seq: 30, hash: '' };
    for (const l of listSegments(pristine).flatMap((s) => readFileSync(s.path, 'utf8').split('\n')))
      if (l.includes('"seq":30,')) mid.hash = (JSON.parse(l) as { hash: string }).hash;
    // A forger with write access rebuilds a fresh, self-consistent chain.
    const forged = join(root, 'forged');
    const log = DecisionLog.open({
      dir: forged,
      clock: new ManualClock(1_764_590_400_000),
      rotateBytes: 4000,
    });
    for (let i = 0; i < 60; i++)
      log.append({ kind: 'gate', data: { i, allow: true, layers: ['ks', 'strategy'] } });
    await log.close();
    assert.ok(verifyDecisionLog(forged).ok, 'self-consistent on its own');
    const r = bad(verifyDecisionLog(forged, { head: mid }));
    assert.equal(r.code, 'head_mismatch');
    assert.match(r.message, /seq 30/);
    assert.ok(verifyDecisionLog(pristine, { head: mid }).ok);
    assert.ok(verifyDecisionLog(pristine, { head }).ok);
    // Cutting whole lines off the end leaves a valid chain: only the anchor shows it.
    const c = copy();
    const last = listSegments(c.dir).at(-1)!;
    const ls = readFileSync(last.path, 'utf8').split('\n');
    writeFileSync(last.path, ls.slice(0, -3).join('\n') + '\n');
    assert.ok(verifyDecisionLog(c.dir).ok);
    const cut = bad(verifyDecisionLog(c.dir, { head }));
    assert.equal(cut.code, 'head_missing');
  });

  it('reports a hand-made, non-canonical line with a valid hash in strict mode only', () => {
    const c = copy();
    const body = c.lines[1]!.slice(0, -75).replace('"allow":', '"allow" : ');
    c.lines[1] = `${body},"hash":"${createHash('sha256').update(`${body}}`).digest('hex')}"}`;
    c.write(c.lines);
    const loose = bad(verifyDecisionLog(c.dir));
    assert.deepEqual(
      [loose.code, loose.line],
      ['prev_mismatch', 3],
      'the next line still links to the old hash',
    );
    const r = bad(verifyDecisionLog(c.dir, { strict: true }));
    assert.deepEqual([r.code, r.line], ['not_canonical', 2]);
  });

  it('takes an unterminated end under a live writer for a write in progress, not a torn tail', async () => {
    const dir = join(root, 'live');
    const log = DecisionLog.open({ dir, clock: new ManualClock(1_764_590_400_000) });
    log.append({ kind: 'bot', data: 1 });
    await log.flush();
    appendFileSync(listSegments(dir)[0]!.path, '{"data":');
    const live = verifyDecisionLog(dir);
    assert.ok(live.ok && live.lines === 1 && live.inProgressBytes === 8, JSON.stringify(live));
    await log.close();
    const r = bad(verifyDecisionLog(dir));
    assert.deepEqual([r.code, r.line, r.tornBytes], ['torn_tail', 2, 8]);
  });

  it('says so when there is no log', () => {
    const r = bad(verifyDecisionLog(join(root, 'nothing')));
    assert.equal(r.code, 'unreadable');
  });
});
