import type { EvaluationOptions } from '../evaluate/evaluation-options.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { recycleTrades, type ChunkJob, type ChunkMark } from './chunk-parse.js';
import type { IssueReport } from './issue-report.js';
import type { ReadLinesResult } from './line-reader.js';
import { forEachChunk } from './scan-pool.js';
import { PARALLEL_MIN_BYTES, scanThreads } from './scan-pool-start.js';
import type { WindowAggregate } from '../evaluate/window-aggregate.js';

/**
 * Receives where the trades counted in the window are in the log, a piece at a time in file
 * order: flat [start, end, min ts, max ts] per span (see `ChunkResult.spans`), some of them past
 * a snapshot taken while the piece is replayed (the incremental cursor drops those).
 */
export type SpanSink = (spans: readonly number[]) => void;

/** Where to start and what to feed. */
export interface ScanInput {
  readonly path: string;
  readonly format: 'jsonl' | 'csv';
  readonly options: EvaluationOptions;
  readonly aggregate: WindowAggregate;
  readonly issues: IssueReport;
  readonly start?: number;
  readonly startLine?: number;
  /** CSV header line when resuming a CSV scan past it. */
  readonly csvHeader?: string;
  readonly onSpans?: SpanSink;
  /** A trade stamped after this (ms) is a `future_timestamp` bad line. Default: none is. */
  readonly maxTs?: number;
  /** Longest line read (bytes); a longer one is an `oversized` bad line. Default 16 MiB. */
  readonly maxLineBytes?: number;
  /**
   * Runs before the first `future_timestamp` line is counted, with its start: a cursor stops
   * there, so the line is read again (and counted, once its time has come) by the next run.
   */
  readonly beforeFuture?: (offset: number, lineBefore: number, csvHeader: string | undefined) => void;
  /** Runs before an unterminated last line, with the CSV header read so far. */
  readonly beforeTail?: (endOffset: number, endLine: number, csvHeader: string | undefined) => void;
  /** Worker threads to parse on (0 or 1: this thread). Default: `defaultThreads(bytes to read)`. */
  readonly threads?: number;
  /** Bytes per piece parsed at a time. Default `CHUNK_BYTES`. */
  readonly chunkBytes?: number;
  /** Span slot size (see `ChunkResult.spans`). Default `SPAN_BYTES`. */
  readonly spanBytes?: number;
}

/** A scan's result, plus the CSV header it read. */
export interface ScanResult extends ReadLinesResult {
  readonly csvHeader?: string;
  /** Configured field names that no line scanned had. */
  readonly missingFields: string[];
  /** Field names found in the first lines (or the CSV header). */
  readonly foundFields: string[];
}

/** Pieces of at most this many bytes are parsed at a time (and handed to the workers). */
export const CHUNK_BYTES = 2 << 20;
export { PARALLEL_MIN_BYTES } from './scan-pool-start.js';

/** Worker threads for a read of `bytes`: the machine's cores, up to 4, for a long read; else none. */
export function defaultThreads(bytes: number): number {
  return bytes >= PARALLEL_MIN_BYTES ? scanThreads() : 0;
}

/** The starts of the pieces: every `chunkBytes`, moved on to the start of the next line. */
function pieceStarts(path: string, start: number, end: number, chunkBytes: number): number[] {
  const starts = [start];
  if (end - start <= chunkBytes) return starts;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    let at = start + chunkBytes;
    while (at < end) {
      // the first line starting at or after `at`: just past a newline at or after at - 1
      let p = at - 1;
      let found = -1;
      while (found < 0 && p < end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - p), p);
        if (n === 0) break;
        const i = buf.subarray(0, n).indexOf(10);
        if (i >= 0) found = p + i + 1;
        else p += n;
      }
      if (found < 0 || found >= end) break;
      starts.push(found);
      at = Math.max(found, at) + chunkBytes;
    }
  } finally {
    closeSync(fd);
  }
  return starts;
}

/**
 * Streams a trade log into a window aggregate, counting every line it cannot use. The log is
 * parsed in pieces (on worker threads for a long read of JSON lines) and each piece's trades
 * and counts are replayed here in file order, so the sums, the bad lines and the cursor's
 * snapshot points are those of one pass through the file.
 */
export function scanTradeLog(input: ScanInput): ScanResult {
  const { options, aggregate, issues, onSpans } = input;
  const start = input.start ?? 0;
  const end = statSync(input.path).size;
  const chunkBytes = input.chunkBytes ?? CHUNK_BYTES;
  if (!(chunkBytes >= 1)) throw new RangeError(`chunkBytes must be >= 1 (got ${chunkBytes})`);
  const starts = pieceStarts(input.path, start, end, chunkBytes);
  let csvHeader = input.csvHeader;
  const base: Omit<ChunkJob, 'start' | 'end' | 'csvHeader'> = {
    path: input.path,
    format: input.format,
    fields: options.fields,
    groupBy: options.groupBy,
    maxTs: input.maxTs ?? Infinity,
    cutoff: aggregate.cutoff,
    ...(input.maxLineBytes !== undefined ? { maxLineBytes: input.maxLineBytes } : {}),
    ...(input.spanBytes !== undefined ? { spanBytes: input.spanBytes } : {}),
  };
  const jobs = starts.map((s, k) => ({
    ...base,
    start: s,
    end: starts[k + 1] ?? end,
    ...(csvHeader !== undefined ? { csvHeader } : {}),
  }));
  // A CSV read from its start has its header in the first piece: the pieces then run in turn.
  const threads =
    input.format === 'csv' && csvHeader === undefined ? 0 : (input.threads ?? defaultThreads(end - start));
  let future = input.beforeFuture;
  const beforeTail = input.beforeTail;
  let line = input.startLine ?? 0;
  let endOffset = start;
  let tailBytes = 0;
  let bytesRead = 0;
  let missing: string[] | undefined;
  const found = new Set<string>();
  forEachChunk(jobs, threads, (r, k) => {
    const names = r.groups;
    const t = r.trades;
    const before = structuredClone(issues.summary);
    let i = 0;
    const replayTo = (upto: number): void => {
      if (upto > i) aggregate.addRecords(t, i, upto, names);
      i = Math.max(i, upto);
    };
    if (r.spans.length > 0) onSpans?.(r.spans);
    const at = (m: ChunkMark): void => {
      replayTo(m.at);
      issues.combine(before, m.issues, line);
    };
    const beforeWindow = aggregate.beforeWindow;
    if (k === 0 && csvHeader === undefined) csvHeader = r.csvHeader;
    if (r.future !== undefined && future !== undefined) {
      at(r.future);
      aggregate.beforeWindow = beforeWindow + r.future.beforeWindow;
      future(r.future.offset, line + r.future.line, csvHeader);
      future = undefined;
    }
    if (r.tail !== undefined && beforeTail !== undefined) {
      at(r.tail);
      aggregate.beforeWindow = beforeWindow + r.tail.beforeWindow;
      beforeTail(r.tail.offset, line + r.tail.line, csvHeader);
    }
    replayTo(r.count);
    issues.combine(before, r.issues, line);
    aggregate.beforeWindow = beforeWindow + r.beforeWindow;
    line += r.endLine;
    endOffset = r.endOffset;
    tailBytes = r.tailBytes;
    bytesRead += r.bytesRead;
    missing = missing === undefined ? r.missingFields : missing.filter((f) => r.missingFields.includes(f));
    for (const f of r.foundFields) if (found.size < 40) found.add(f);
    recycleTrades(t); // replayed: nothing reads these records any more
  });
  const res: ScanResult = {
    endOffset,
    endLine: line,
    tailBytes,
    bytesRead,
    missingFields: missing ?? [],
    foundFields: [...found],
  };
  return csvHeader === undefined ? res : { ...res, csvHeader };
}
