import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { GENESIS_HASH, checkLine, hexAt, isProblem, parseStrict, type DecisionHead } from './line-format.js';
import { listSegments, parseSegmentName, type Segment } from './segment-files.js';
import { liveLockOwner } from './writer-lock.js';

/** Why a log failed verification. */
export type VerifyProblemCode =
  | 'no_log'
  | 'unreadable'
  | 'malformed'
  | 'hash_mismatch'
  | 'not_canonical'
  | 'seq_mismatch'
  | 'prev_mismatch'
  | 'torn_tail'
  | 'segment_name'
  | 'empty_segment'
  | 'head_mismatch'
  | 'head_missing';

/** The outcome of `verifyDecisionLog`: the whole chain is intact, or the first bad line and why. */
export type VerifyResult =
  | {
      readonly ok: true;
      readonly files: number;
      readonly lines: number;
      /** The last line's `{seq, hash}` (seq 0 for an empty log). */
      readonly head: DecisionHead;
      /**
       * Bytes after the last newline of the last file while a live writer holds the lock: a batch
       * being written right now, not a torn tail (0 otherwise).
       */
      readonly inProgressBytes: number;
    }
  | {
      readonly ok: false;
      readonly code: VerifyProblemCode;
      readonly file: string;
      /** 1-based line number in `file` (0 when the problem is the file or the log as a whole). */
      readonly line: number;
      readonly message: string;
      /** Lines that checked out before the problem. */
      readonly lines: number;
      /** The last good line's head. */
      readonly head: DecisionHead;
      /** For `torn_tail`: the bytes after the last newline. */
      readonly tornBytes: number;
    };

/** How to verify. */
export interface VerifyOptions {
  /**
   * A head recorded elsewhere (the store, a heartbeat, an alert): the log must contain a line with
   * this seq and hash. This is what detects a whole-file rewrite with a fresh, self-consistent chain.
   */
  readonly head?: DecisionHead;
  /** Also parse every line as JSON and require it to be exactly canonical (slower). */
  readonly strict?: boolean;
}

const CHUNK = 8 * 1024 * 1024;

/** What verification of one file needs to carry from the previous file. */
interface Cursor {
  last: DecisionHead | null;
  lines: number;
}

type Problem = Extract<VerifyResult, { ok: false }>;

/**
 * Verifies the chain of a log directory (every segment, in order) or of one segment file: each line's
 * own hash, `seq` one more than the line before, `prev` equal to the line before's hash (across files
 * too), and, with `opts.head`, the anchored head. Reports the first bad line. Streams: memory stays
 * at one chunk whatever the size of the log.
 */
export function verifyDecisionLog(path: string, opts: VerifyOptions = {}): VerifyResult {
  const cur: Cursor = { last: null, lines: 0 };
  const fail = (
    code: VerifyProblemCode,
    file: string,
    line: number,
    message: string,
    tornBytes = 0,
  ): Problem => ({
    ok: false,
    code,
    file,
    line,
    message,
    lines: cur.lines,
    head: cur.last ?? { seq: 0, hash: GENESIS_HASH },
    tornBytes,
  });
  let segs: Segment[];
  let wholeLog: boolean;
  try {
    wholeLog = statSync(path).isDirectory();
    if (wholeLog) segs = listSegments(path);
    else segs = [{ path, name: basename(path), firstSeq: parseSegmentName(basename(path)) ?? 0 }];
  } catch (err) {
    return fail('unreadable', path, 0, `cannot read: ${(err as Error).message}`);
  }
  if (segs.length === 0) return fail('no_log', path, 0, 'no decision log segments (decisions-*.jsonl) here');
  let inProgressBytes = 0;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const before = cur.lines;
    const r = verifyFile(seg, cur, opts, wholeLog && i === 0, fail);
    if (r !== null) {
      // An unterminated end of the newest file while its writer is alive is a write in progress
      // (a writer repairs a real torn tail when it opens, so none can sit under a live writer).
      const writing =
        r.code === 'torn_tail' && wholeLog && i === segs.length - 1 && liveLockOwner(path) !== null;
      if (!writing) return r;
      inProgressBytes = r.tornBytes;
    }
    if (cur.lines === before && i < segs.length - 1)
      return fail('empty_segment', seg.path, 0, 'an empty segment in the middle of the log');
  }
  const last = cur.last ?? { seq: 0, hash: GENESIS_HASH };
  if (opts.head && last.seq < opts.head.seq) {
    const seg = segs.at(-1)!;
    return fail(
      'head_missing',
      seg.path,
      0,
      `the log ends at seq ${last.seq} but the anchored head is seq ${opts.head.seq}: lines were cut from the end or the log was replaced`,
    );
  }
  return { ok: true, files: segs.length, lines: cur.lines, head: last, inProgressBytes };
}

/** A line's problem: its code and message (the caller adds the file and line number). */
type LineProblem = [VerifyProblemCode, string];

/** What checking one file carries from one line to the next. */
interface FileCheck {
  readonly seg: Segment;
  readonly cur: Cursor;
  readonly opts: VerifyOptions;
  /** The file is the log's first: its first line must be seq 1. */
  readonly logStart: boolean;
  /** No line of this file has been checked yet. */
  first: boolean;
}

function verifyFile(
  seg: Segment,
  cur: Cursor,
  opts: VerifyOptions,
  logStart: boolean,
  fail: (code: VerifyProblemCode, file: string, line: number, message: string, tornBytes?: number) => Problem,
): Problem | null {
  let fd: number;
  try {
    fd = openSync(seg.path, 'r');
  } catch (err) {
    return fail('unreadable', seg.path, 0, `cannot read: ${(err as Error).message}`);
  }
  try {
    const check: FileCheck = { seg, cur, opts, logStart, first: true };
    const r = scanLines(fd, (view, start, end) => checkOne(check, view, start, end));
    if (r.bad !== null) return fail(r.bad[0], seg.path, r.lines, r.bad[1]);
    if (r.tailBytes > 0)
      return fail(
        'torn_tail',
        seg.path,
        r.lines + 1,
        `the last line is incomplete (${r.tailBytes} bytes, no newline): a write torn by a crash or a cut file; opening the log as a writer moves it aside`,
        r.tailBytes,
      );
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `fd` to its end a chunk at a time and calls `onLine` on each complete line (bytes
 * `[start, end)` of `view`, without its newline) until one answers a problem. Answers the lines
 * read (the bad one included), the problem, and the bytes after the last newline. A line longer
 * than the buffer doubles it.
 */
function scanLines(
  fd: number,
  onLine: (view: Buffer, start: number, end: number) => LineProblem | null,
): { lines: number; bad: LineProblem | null; tailBytes: number } {
  let buf = Buffer.allocUnsafe(CHUNK);
  let len = 0;
  let pos = 0;
  let lines = 0;
  for (;;) {
    const n = readSync(fd, buf, len, buf.length - len, pos);
    pos += n;
    len += n;
    const view = buf.subarray(0, len);
    let start = 0;
    let nl: number;
    while ((nl = view.indexOf(0x0a, start)) !== -1) {
      lines++;
      const bad = onLine(view, start, nl);
      if (bad !== null) return { lines, bad, tailBytes: 0 };
      start = nl + 1;
    }
    if (n === 0) return { lines, bad: null, tailBytes: len - start };
    if (start > 0) {
      buf.copy(buf, 0, start, len);
      len -= start;
    } else if (len === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
  }
}

/** Checks one line: its own form and hash, its place in its file and the chain, and the anchored head; a good line moves the cursor. */
function checkOne(c: FileCheck, view: Buffer, start: number, end: number): LineProblem | null {
  if (start === end) return ['malformed', 'an empty line'];
  const r = checkLine(view, start, end);
  if (isProblem(r)) return [r.code, r.message];
  if (c.opts.strict) {
    const s = parseStrict(view.toString('utf8', start, end));
    if (isProblem(s)) return [s.code, s.message];
  }
  if (c.first) {
    c.first = false;
    if (c.seg.firstSeq > 0 && r.seq !== c.seg.firstSeq)
      return [
        'segment_name',
        `the first line has seq ${r.seq} but the file is named for seq ${c.seg.firstSeq} (files renamed, removed or reordered)`,
      ];
  }
  const link = checkLink(c, view, r.seq, r.prevAt);
  if (link !== null) return link;
  const head = c.opts.head;
  if (head && r.seq === head.seq && r.hash !== head.hash)
    return [
      'head_mismatch',
      `seq ${r.seq} has hash ${r.hash.slice(0, 12)}… but the anchored head says ${head.hash.slice(0, 12)}…: the log was rewritten`,
    ];
  c.cur.last = { seq: r.seq, hash: r.hash };
  c.cur.lines++;
  return null;
}

/** The line's link to the one before it (`prev` at `prevAt` of `view`): seq one more and prev its hash, or seq 1 and prev all zeros at the start. */
function checkLink(c: FileCheck, view: Buffer, seq: number, prevAt: number): LineProblem | null {
  const last = c.cur.last;
  if (last === null) {
    if (c.logStart && seq !== 1)
      return ['seq_mismatch', `the log starts at seq ${seq}, not 1: its first lines or files are missing`];
    if (seq === 1 && !hexAt(view, prevAt, GENESIS_HASH))
      return ['prev_mismatch', 'the first line (seq 1) must have prev = 64 zeros'];
    return null;
  }
  if (seq !== last.seq + 1)
    return [
      'seq_mismatch',
      `seq ${seq} follows seq ${last.seq} (expected ${last.seq + 1}): a line is missing, duplicated or out of order`,
    ];
  if (!hexAt(view, prevAt, last.hash))
    return [
      'prev_mismatch',
      `prev ${view.toString('latin1', prevAt, prevAt + 12)}… is not the hash of the line before (${last.hash.slice(0, 12)}…): the chain was broken here`,
    ];
  return null;
}
