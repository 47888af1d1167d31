import { closeSync, fsyncSync, openSync, ftruncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from '../util/atomic-write.js';
import { DecisionLogCorruptError } from './decision-log-corrupt-error.js';
import { GENESIS_HASH, checkLine, isProblem, type DecisionHead } from './line-format.js';
import { listSegments, readRange, readTail, type Segment } from './segment-files.js';

/** A torn last line found on open and moved aside (a crash in the middle of a write). */
export interface TornTail {
  /** The segment it was cut from. */
  readonly file: string;
  readonly bytes: number;
  /** Where the torn bytes now are (`<segment>.torn-<ms>-<pid>`); never part of the chain. */
  readonly movedTo: string;
}

/** Where a writer resumes: the chain head, the segment to append to, and what was repaired. */
export interface ResumePoint {
  readonly head: DecisionHead;
  /** The last segment (null when the log has none yet) and its size after repair. */
  readonly segment: Segment | null;
  readonly size: number;
  /** UTC ms of the last line, or null for an empty log. */
  readonly lastTs: number | null;
  readonly torn: TornTail | null;
}

function moveAside(seg: Segment, from: number, size: number, now: number): TornTail {
  const fd = openSync(seg.path, 'r+');
  try {
    const buf = readRange(fd, from, size - from);
    let movedTo = `${seg.path}.torn-${now}-${process.pid}`;
    let out: number | null = null;
    for (let k = 1; out === null; k++) {
      try {
        out = openSync(movedTo, 'wx', 0o644); // never overwrite an earlier torn tail
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || k > 1000) throw err;
        movedTo = `${seg.path}.torn-${now}-${process.pid}-${k}`;
      }
    }
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(out, buf, off, buf.length - off);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    fsyncDir(dirname(seg.path));
    // Only once the torn bytes are safe elsewhere are they cut from the segment.
    ftruncateSync(fd, from);
    fsyncSync(fd);
    return { file: seg.path, bytes: buf.length, movedTo };
  } finally {
    closeSync(fd);
  }
}

function lastLineOf(seg: Segment): { head: DecisionHead; ts: number } | null {
  const tail = readTail(seg.path);
  if (tail.lastLine === null) return null;
  const r = checkLine(tail.lastLine, 0, tail.lastLine.length);
  if (isProblem(r))
    throw new DecisionLogCorruptError(seg.path, `its last complete line is damaged: ${r.message}`);
  if (tail.goodSize !== tail.size)
    throw new DecisionLogCorruptError(seg.path, 'an earlier segment ends with an unterminated line');
  return { head: { seq: r.seq, hash: r.hash }, ts: r.ts };
}

/**
 * Finds where appending resumes in `dir`. A torn tail (bytes after the last newline of the last
 * segment) is copied to a `.torn-<ms>` file, fsync'd, and only then cut off, so nothing is silently
 * dropped and the chain stays whole. A damaged last complete line is not a torn write: it throws
 * `DecisionLogCorruptError` rather than extend a broken chain.
 */
export function findResumePoint(dir: string, now: number): ResumePoint {
  const segs = listSegments(dir);
  const seg = segs.at(-1);
  if (seg === undefined)
    return { head: { seq: 0, hash: GENESIS_HASH }, segment: null, size: 0, lastTs: null, torn: null };
  const tail = readTail(seg.path);
  let torn: TornTail | null = null;
  if (tail.goodSize < tail.size) torn = moveAside(seg, tail.goodSize, tail.size, now);
  if (tail.lastLine !== null) {
    const r = checkLine(tail.lastLine, 0, tail.lastLine.length);
    if (isProblem(r))
      throw new DecisionLogCorruptError(seg.path, `its last complete line is damaged: ${r.message}`);
    return { head: { seq: r.seq, hash: r.hash }, segment: seg, size: tail.goodSize, lastTs: r.ts, torn };
  }
  // The last segment holds no complete line (created, then a crash): the head is the previous one's.
  const before = segs.at(-2);
  const last = before ? lastLineOf(before) : null;
  const head = last ? last.head : { seq: 0, hash: GENESIS_HASH };
  if (seg.firstSeq !== head.seq + 1)
    throw new DecisionLogCorruptError(
      seg.path,
      `empty segment named for seq ${seg.firstSeq} after seq ${head.seq}`,
    );
  return { head, segment: seg, size: 0, lastTs: last ? last.ts : null, torn };
}
