import { rmSync } from 'node:fs';
import { parseChunk, SPAN_BYTES, type ChunkJob } from '../trade-log/chunk-parse.js';
import {
  loadCursor,
  prefixChecksum,
  restoreBuckets,
  snapshotBuckets,
  writeCursor,
  type CursorData,
} from './incremental-cursor.js';
import { IssueReport } from '../trade-log/issue-report.js';
import type { SpanSink } from '../trade-log/trade-log-scanner.js';
import type { WindowAggregate } from '../evaluate/window-aggregate.js';

/** How the log's lines are read (what a span is read again with). */
export type SpanJob = Omit<ChunkJob, 'start' | 'end' | 'csvHeader' | 'maxTs' | 'cutoff'>;

/** What one evaluation's cursor is about: the log, the options' fingerprint, the time. */
export interface CursorRunParams {
  /** The cursor file; null: the whole log is read and no cursor is kept. */
  readonly cursorPath: string | null;
  readonly tradesPath: string;
  readonly ino: number;
  readonly fingerprint: string;
  readonly now: number;
  /** Ignore the cursor (it is rewritten). */
  readonly full: boolean;
  /** Why no cursor is used, when the caller knows (it is locked by another run). */
  readonly noCursorReason?: string;
  /** How the log is parsed (its span slot size too), to read a span of it again. */
  readonly job: SpanJob;
}

/**
 * The incremental side of one evaluation: restores the cursor's sums, and the bucket the cutoff
 * falls in from the trade log itself (the spans that hold its trades, read again), or starts
 * afresh, saying why; receives where the trades read are, takes the snapshot where the next run
 * must resume, and writes the cursor at the end.
 */
export class CursorRun {
  readonly mode: 'full' | 'incremental';
  readonly fullReason: string | undefined;
  readonly start: number;
  readonly startLine: number;
  readonly csvHeader: string | undefined;
  readonly issues: IssueReport;
  /** Bytes of the log read again for the bucket the cutoff falls in (incremental runs). */
  rereadBytes = 0;
  /** Receives where the trades read are (none without a cursor). */
  readonly onSpans: SpanSink | undefined;
  readonly #p: CursorRunParams;
  readonly #aggregate: WindowAggregate;
  readonly #spanBytes: number;
  /** The cursor's spans still of use: [start, end, first bucket, last bucket] each. */
  #kept: number[] = [];
  /** The spans the scan found: [start, end, min ts, max ts] each. */
  readonly #found: number[] = [];
  #snapshot: Omit<CursorData, 'checksum'> | null = null;

  constructor(p: CursorRunParams, aggregate: WindowAggregate) {
    this.#p = p;
    this.#aggregate = aggregate;
    this.#spanBytes = p.job.spanBytes ?? SPAN_BYTES;
    let mode: 'full' | 'incremental' = 'full';
    let fullReason = p.noCursorReason;
    let start = 0;
    let startLine = 0;
    let csvHeader: string | undefined;
    let issues = new IssueReport();
    if (p.cursorPath) {
      const loaded = p.full
        ? { ok: false as const, reason: 'forced' }
        : loadCursor(p.cursorPath, p.tradesPath, p.fingerprint, p.now);
      const boundary = loaded.ok ? this.#boundaryTrades(loaded.cursor) : null;
      if (loaded.ok && boundary !== null) {
        const c = loaded.cursor;
        mode = 'incremental';
        start = c.offset;
        startLine = c.line;
        csvHeader = c.csvHeader;
        issues = new IssueReport(c.issues);
        restoreBuckets(aggregate, c.buckets);
        for (const t of boundary) aggregate.add(t.g, t.ts, t.pnl, t.cost);
        aggregate.beforeWindow = 0;
        this.#kept = c.spans;
      } else {
        fullReason = loaded.ok ? 'spans_unreadable' : loaded.reason;
        // Cursors before version 5 kept the window's trades in per-day files beside them.
        rmSync(`${p.cursorPath}.d`, { recursive: true, force: true });
      }
    }
    this.mode = mode;
    this.fullReason = fullReason;
    this.start = start;
    this.startLine = startLine;
    this.csvHeader = csvHeader;
    this.issues = issues;
    this.onSpans = p.cursorPath
      ? (spans) => {
          if (this.#snapshot === null) for (const x of spans) this.#found.push(x);
        }
      : undefined;
  }

  /**
   * The trades of the bucket the cutoff falls in, read again from the spans of the log that
   * hold some (the later buckets are in the cursor as sums), in file order; null when a span
   * cannot be read (the log then is read in full).
   */
  #boundaryTrades(c: CursorData): { g: string; ts: number; pnl: number; cost: number }[] | null {
    const agg = this.#aggregate;
    const bucketMs = agg.bucketMs;
    const boundary = Math.floor(agg.cutoff / bucketMs);
    const out: { g: string; ts: number; pnl: number; cost: number }[] = [];
    const s = c.spans;
    try {
      for (let i = 0; i + 3 < s.length; i += 4) {
        if (!((s[i + 2] as number) <= boundary && boundary <= (s[i + 3] as number))) continue;
        const start = s[i] as number;
        this.rereadBytes += (s[i + 1] as number) - start;
        const r = parseChunk({
          ...this.#p.job,
          start,
          end: s[i + 1] as number,
          maxTs: Infinity, // a span ends before the first line its run found stamped in the future
          cutoff: agg.cutoff,
          ...(c.csvHeader !== undefined && start > 0 ? { csvHeader: c.csvHeader } : {}),
        });
        const t = r.trades;
        for (let j = 0; j < r.count * 4; j += 4) {
          const ts = t[j + 1] as number;
          if (Math.floor(ts / bucketMs) === boundary)
            out.push({
              g: r.groups[t[j] as number] as string,
              ts,
              pnl: t[j + 2] as number,
              cost: t[j + 3] as number,
            });
        }
      }
    } catch {
      return null;
    }
    return out;
  }

  /**
   * The spans the next run may read again: the cursor's and those found before `endOffset`,
   * with their times as buckets; two in one slot joined (a piece's start or a run's end cut
   * it); none wholly before the bucket the cutoff falls in (the cutoff only moves on).
   */
  #spansBefore(endOffset: number): number[] {
    const bucketMs = this.#aggregate.bucketMs;
    const boundary = Math.floor(this.#aggregate.cutoff / bucketMs);
    const slot = this.#spanBytes;
    const out: number[] = [];
    const add = (start: number, end: number, first: number, last: number): void => {
      if (last < boundary) return;
      const n = out.length;
      if (n > 0 && Math.floor((out[n - 4] as number) / slot) === Math.floor(start / slot)) {
        out[n - 3] = end;
        out[n - 2] = Math.min(out[n - 2] as number, first);
        out[n - 1] = Math.max(out[n - 1] as number, last);
      } else out.push(start, end, first, last);
    };
    const k = this.#kept;
    for (let i = 0; i + 3 < k.length; i += 4)
      add(k[i] as number, k[i + 1] as number, k[i + 2] as number, k[i + 3] as number);
    const f = this.#found;
    for (let i = 0; i + 3 < f.length; i += 4) {
      const start = f[i] as number;
      if (start >= endOffset) break;
      const first = Math.floor((f[i + 2] as number) / bucketMs);
      add(start, Math.min(f[i + 1] as number, endOffset), first, Math.floor((f[i + 3] as number) / bucketMs));
    }
    return out;
  }

  /** Where the next run resumes (the first call wins): what is read after it is not kept. */
  snapshot(endOffset: number, endLine: number, header: string | undefined): void {
    if (!this.#p.cursorPath || this.#snapshot !== null) return;
    const agg = this.#aggregate;
    this.#snapshot = {
      version: 5,
      trades: this.#p.tradesPath,
      ino: this.#p.ino,
      offset: endOffset,
      line: endLine,
      fingerprint: this.#p.fingerprint,
      now: this.#p.now,
      ...(header !== undefined ? { csvHeader: header } : {}),
      buckets: snapshotBuckets(agg, Math.floor(agg.cutoff / agg.bucketMs)),
      spans: this.#spansBefore(endOffset),
      issues: structuredClone(this.issues.summary),
    };
  }

  /** Writes the cursor (after the state file). */
  write(): void {
    const s = this.#snapshot;
    if (this.#p.cursorPath && s !== null)
      writeCursor(this.#p.cursorPath, { ...s, checksum: prefixChecksum(this.#p.tradesPath, s.offset) });
  }
}
