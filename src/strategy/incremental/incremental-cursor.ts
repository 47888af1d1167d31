import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { IssueSummary } from '../trade-log/issue-report.js';
import type { WindowAggregate } from '../evaluate/window-aggregate.js';

const SAMPLE = 1 << 16;

/** What the cursor file holds: where the last run stopped and the sums it had. */
export interface CursorData {
  readonly version: 5;
  readonly trades: string;
  readonly ino: number;
  readonly offset: number;
  readonly line: number;
  /** SHA-1 of the first and of the last 64 KiB of the bytes read (see `prefixChecksum`). */
  readonly checksum: string;
  /** Options that change the sums (field names, group column, format, window). */
  readonly fingerprint: string;
  readonly now: number;
  readonly csvHeader?: string;
  /**
   * Per group, flat: bucket, Σpnl×size, Σentry×size, n for each bucket from the boundary on (one
   * array per group, not one per bucket: the cursor is read and written by every run).
   */
  readonly buckets: Record<string, number[]>;
  /**
   * Where the window's trades are in the log, flat: [start, end, first bucket, last bucket] per
   * span, in file order (see `ChunkResult.spans`): the bucket the cutoff falls in is summed again
   * from the spans that hold its trades.
   */
  readonly spans: number[];
  readonly issues: IssueSummary;
}

/**
 * Checksum of what was read: SHA-1 over the first and the last 64 KiB before `offset`, plus
 * the length. Hashing the whole prefix would cost the I/O the cursor saves; this catches a
 * rotated, truncated, rewritten or re-headed log, not an edit in the middle of a long file
 * that keeps every length (documented; `--full` rereads everything).
 */
export function prefixChecksum(path: string, offset: number): string {
  const h = createHash('sha1');
  h.update(String(offset));
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(SAMPLE, offset));
    readSync(fd, head, 0, head.length, 0);
    h.update(head);
    const tailLen = Math.min(SAMPLE, offset);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail, 0, tailLen, offset - tailLen);
    h.update(tail);
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Why a cursor cannot be used (the evaluator then reads the whole log). */
export type CursorRejection =
  | 'no_cursor'
  | 'cursor_damaged'
  | 'options_changed'
  | 'file_replaced'
  | 'file_shrunk'
  | 'prefix_changed'
  | 'now_before_cursor';

/**
 * Whether `spans` is what a run writes: [start, end, first bucket, last bucket] each, numbers,
 * in file order, inside the bytes read. A span missing or moved would leave trades of the
 * boundary bucket out without a word, so a cursor with anything else is not used.
 */
function validSpans(spans: unknown, offset: number): boolean {
  if (!Array.isArray(spans) || spans.length % 4 !== 0 || !Number.isSafeInteger(offset)) return false;
  if (!spans.every((x) => Number.isSafeInteger(x))) return false;
  const n = spans as number[];
  let prevEnd = 0;
  for (let i = 0; i < n.length; i += 4) {
    const [start, end, first, last] = [n[i], n[i + 1], n[i + 2], n[i + 3]] as [
      number,
      number,
      number,
      number,
    ];
    if (!(start >= prevEnd && start < end && end <= offset && first <= last)) return false;
    prevEnd = end;
  }
  return true;
}

/** Loads a cursor and checks it still describes a prefix of the log. */
export function loadCursor(
  cursorPath: string,
  tradesPath: string,
  fingerprint: string,
  now: number,
): { ok: true; cursor: CursorData } | { ok: false; reason: CursorRejection } {
  let c: CursorData;
  try {
    c = JSON.parse(readFileSync(cursorPath, 'utf8')) as CursorData;
  } catch {
    return { ok: false, reason: 'no_cursor' };
  }
  if (c?.version !== 5 || c.trades !== tradesPath) return { ok: false, reason: 'no_cursor' };
  if (!validSpans(c.spans, c.offset)) return { ok: false, reason: 'cursor_damaged' };
  if (c.fingerprint !== fingerprint) return { ok: false, reason: 'options_changed' };
  if (now < c.now) return { ok: false, reason: 'now_before_cursor' };
  const st = statSync(tradesPath);
  if (st.ino !== c.ino) return { ok: false, reason: 'file_replaced' };
  if (st.size < c.offset) return { ok: false, reason: 'file_shrunk' };
  if (prefixChecksum(tradesPath, c.offset) !== c.checksum) return { ok: false, reason: 'prefix_changed' };
  return { ok: true, cursor: c };
}

/** Serialises the aggregate's buckets from bucket `fromDay` on. */
export function snapshotBuckets(agg: WindowAggregate, fromDay: number): CursorData['buckets'] {
  const out: CursorData['buckets'] = {};
  for (const g of agg.groups()) {
    const days = agg.buckets(g);
    if (days === undefined) continue;
    const row: number[] = [];
    for (const [d, b] of days) if (d >= fromDay) row.push(d, b.pnl, b.cost, b.n);
    if (row.length > 0) out[g] = row;
  }
  return out;
}

/** Restores the buckets strictly after the one the cutoff falls in. */
export function restoreBuckets(agg: WindowAggregate, buckets: CursorData['buckets']): void {
  const boundary = Math.floor(agg.cutoff / agg.bucketMs);
  for (const [g, row] of Object.entries(buckets)) {
    for (let i = 0; i + 3 < row.length; i += 4) {
      const d = row[i] as number;
      if (d > boundary)
        agg.setBucket(g, d, {
          pnl: row[i + 1] as number,
          cost: row[i + 2] as number,
          n: row[i + 3] as number,
        });
    }
  }
}

/**
 * Writes the cursor by temp file and rename, without fsync: it is only a cache. After a
 * crash it is either the old one, the new one or unreadable (then the next run reads the
 * whole log).
 */
export function writeCursor(path: string, c: CursorData): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(c));
  renameSync(tmp, path);
}
