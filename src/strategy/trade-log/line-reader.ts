import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/**
 * Called for each line `s[a, b)` (newline excluded); `lineNo` counts from 1 in the whole file;
 * `offsetOf(a)` is the byte offset in the file of character `a` of `s` (computed on demand).
 */
export type LineHandler = (
  s: string,
  a: number,
  b: number,
  lineNo: number,
  offsetOf: (a: number) => number,
) => void;

/** Called for a line longer than the limit, which is skipped unread. */
export type OversizedHandler = (lineNo: number, bytes: number) => void;

/**
 * Called with complete lines in `buf[0, len)` (the last byte is a newline, or, for an
 * unterminated last line, `tail` is true and there is none); `base` is the file offset of
 * `buf[0]` and `lineNo` the number of the line before the first. Returns the number of the last
 * line handed over.
 */
export type BlockHandler = (buf: Buffer, len: number, base: number, lineNo: number, tail: boolean) => number;

/** Where a read stopped. */
export interface ReadLinesResult {
  /** Byte offset just past the last newline read. */
  readonly endOffset: number;
  /** Line number of the last complete line. */
  readonly endLine: number;
  /** Bytes after the last newline (an unterminated last line), handed to the handler last. */
  readonly tailBytes: number;
  readonly bytesRead: number;
}

const CHUNK = 1 << 18; // 256 KiB: memory stays flat whatever the file's size, and a block is parsed while it is still in the core's cache (1 MiB blocks: 7 % slower)
/** The last read's 256 KiB buffer, reused by the next read on this thread (reads are synchronous). */
let spare: Buffer | undefined;
/** Longest line handed over (16 MiB); a longer one is reported to `onOversized` and skipped. */
export const MAX_LINE_BYTES = 1 << 24;

/**
 * Streams the lines of `path` from byte `start` through `onLine`, decoding UTF-8 a chunk at a
 * time. A line longer than `maxLine` bytes is never held in memory: its bytes are dropped up to
 * its newline and `onOversized` gets its number, so one bad line cannot stop the run. Before an
 * unterminated last line is handed over, `beforeTail` runs (so a cursor can be snapshot at the
 * last complete line). Reading stops at byte `end` (default: the file's size when opened), which
 * a caller splitting the file puts at the start of a line. Synchronous: the evaluator is a batch
 * job and sync reads are the fastest way through a file in Node.
 */
export function readLines(
  path: string,
  start: number,
  startLine: number,
  onLine: LineHandler,
  beforeTail?: (endOffset: number, endLine: number) => void,
  onOversized?: OversizedHandler,
  maxLine = MAX_LINE_BYTES,
  end = Infinity,
): ReadLinesResult {
  let cur = ''; // the decoded block being handed over; it starts at file offset `curBase`
  let curBase = 0;
  const offsetOf = (a: number): number => curBase + Buffer.byteLength(cur.slice(0, a), 'utf8');
  const onBlock: BlockHandler = (buf, len, base, lineNo, tail) => {
    const s = buf.toString('utf8', 0, len);
    cur = s;
    curBase = base;
    if (tail) {
      onLine(s, 0, s.length, lineNo + 1, offsetOf);
      return lineNo + 1;
    }
    let a = 0;
    const n = s.length;
    while (a < n) {
      const b = s.indexOf('\n', a);
      lineNo++;
      onLine(s, a, b, lineNo, offsetOf);
      a = b + 1;
    }
    return lineNo;
  };
  return readLineBlocks(path, start, startLine, onBlock, beforeTail, onOversized, maxLine, end);
}

/**
 * The reading under `readLines`, without decoding: hands over blocks of whole lines as bytes
 * (the evaluator's byte-level parser reads them as they are), with the same limits, oversized
 * lines and unterminated last line.
 */
export function readLineBlocks(
  path: string,
  start: number,
  startLine: number,
  onBlock: BlockHandler,
  beforeTail?: (endOffset: number, endLine: number) => void,
  onOversized?: OversizedHandler,
  maxLine = MAX_LINE_BYTES,
  end = Infinity,
): ReadLinesResult {
  if (!(maxLine >= 1)) throw new RangeError(`maxLine must be >= 1 (got ${maxLine})`);
  const fd = openSync(path, 'r');
  try {
    const size = Math.min(fstatSync(fd).size, end);
    const first = Math.min(CHUNK, Math.max(maxLine, 1));
    let buf = spare !== undefined && spare.length === first ? spare : Buffer.allocUnsafe(first);
    spare = undefined;
    let carry = 0; // bytes in buf[0, carry) not handed over yet; buf[0] is at file offset `base`
    let base = start;
    let pos = start;
    let lineNo = startLine;
    let skipping = false; // inside an oversized line, whose first byte is at `longStart`
    let longStart = 0;
    const handOver = (filled: number): number => {
      if (filled === 0) return 0; // (lastIndexOf from -1 would search the whole buffer's stale bytes)
      const nl = buf.lastIndexOf(10, filled - 1);
      if (nl < 0) return filled;
      lineNo = onBlock(buf, nl + 1, base, lineNo, false);
      base += nl + 1;
      const rest = filled - (nl + 1);
      if (rest > 0) buf.copy(buf, 0, nl + 1, filled);
      return rest;
    };
    while (pos < size) {
      if (!skipping && carry === buf.length) {
        if (buf.length >= maxLine) {
          skipping = true;
          longStart = base;
          base += carry;
          carry = 0;
        } else {
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxLine));
          buf.copy(bigger, 0, 0, carry);
          buf = bigger;
        }
      }
      const n = readSync(fd, buf, carry, Math.min(buf.length - carry, size - pos), pos);
      if (n === 0) break;
      pos += n;
      let filled = carry + n;
      if (skipping) {
        const i = buf.subarray(0, filled).indexOf(10);
        if (i < 0) {
          base += filled;
          carry = 0;
          continue;
        }
        lineNo++;
        onOversized?.(lineNo, base + i - longStart);
        base += i + 1;
        filled -= i + 1;
        if (filled > 0) buf.copy(buf, 0, i + 1, i + 1 + filled);
        skipping = false;
      }
      carry = handOver(filled);
    }
    const endLine = lineNo;
    const endOffset = skipping ? longStart : base;
    if (skipping) {
      beforeTail?.(endOffset, endLine);
      onOversized?.(lineNo + 1, pos - longStart);
    } else if (carry > 0) {
      beforeTail?.(endOffset, endLine);
      onBlock(buf, carry, base, lineNo, true);
    }
    if (buf.length === CHUNK) spare = buf;
    return { endOffset, endLine, tailBytes: pos - endOffset, bytesRead: pos - start };
  } finally {
    closeSync(fd);
  }
}
