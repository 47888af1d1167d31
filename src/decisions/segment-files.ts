import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

// A log is a directory of segment files, each named by the seq of its first line, so the names
// sort in chain order: decisions-0000000000000001.jsonl, decisions-0000000000004097.jsonl, …
// The chain runs on across files: a segment's first line has as `prev` the hash of the last
// line of the segment before.

const NAME = /^decisions-(\d{16})\.jsonl$/;

/** One segment file of a log. */
export interface Segment {
  readonly path: string;
  readonly name: string;
  /** The seq its first line must carry (from its name). */
  readonly firstSeq: number;
}

/** The file name of the segment whose first line is `seq`. */
export function segmentName(seq: number): string {
  return `decisions-${String(seq).padStart(16, '0')}.jsonl`;
}

/** The seq a segment name promises, or null when `name` is not a segment. */
export function parseSegmentName(name: string): number | null {
  const m = NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** The segments of the log in `dir`, in chain order (other files, such as `.torn` ones, are ignored). */
export function listSegments(dir: string): Segment[] {
  const out: Segment[] = [];
  for (const name of readdirSync(dir)) {
    const firstSeq = parseSegmentName(name);
    if (firstSeq !== null) out.push({ path: join(dir, name), name, firstSeq });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The end of a file: its size, the offset just past its last newline (0 if none) and its last complete line. */
export interface FileTail {
  readonly size: number;
  /** Bytes up to and including the last `\n`: everything after is a torn (unterminated) tail. */
  readonly goodSize: number;
  /** The last complete line without its newline, or null when the file holds none. */
  readonly lastLine: Buffer | null;
}

/** Reads up to `length` bytes of `fd` from `from` (fewer when the file ends first). */
export function readRange(fd: number, from: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Reads backwards from the end of `path` until the last complete line is found. */
export function readTail(path: string): FileTail {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let chunk = 64 * 1024;
    for (;;) {
      const from = Math.max(0, size - chunk);
      const data = readRange(fd, from, size - from);
      const nl = data.lastIndexOf(0x0a);
      if (nl >= 0) {
        const prevNl = nl === 0 ? -1 : data.lastIndexOf(0x0a, nl - 1);
        if (prevNl >= 0 || from === 0) {
          return { size, goodSize: from + nl + 1, lastLine: Buffer.from(data.subarray(prevNl + 1, nl)) };
        }
      } else if (from === 0) {
        return { size, goodSize: 0, lastLine: null };
      }
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** Today's UTC day number for a time in ms (days since the epoch). */
export function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}
