import { DayRecordFiles } from './day-record-files.js';
import {
  loadCursor,
  prefixChecksum,
  restoreBuckets,
  snapshotBuckets,
  writeCursor,
  type CursorData,
} from './incremental-cursor.js';
import { IssueReport } from '../trade-log/issue-report.js';
import type { TradeSink } from '../trade-log/trade-log-scanner.js';
import { DAY_MS, type WindowAggregate } from '../evaluate/window-aggregate.js';

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
}

/**
 * The incremental side of one evaluation: restores the cursor's sums and the raw trades of the
 * bucket the cutoff falls in (or starts afresh, saying why), receives the trades read, takes the
 * snapshot where the next run must resume, and writes the cursor at the end.
 */
export class CursorRun {
  readonly mode: 'full' | 'incremental';
  readonly fullReason: string | undefined;
  readonly start: number;
  readonly startLine: number;
  readonly csvHeader: string | undefined;
  readonly issues: IssueReport;
  /** Receives the trades in the window (null without a cursor). */
  readonly sink: TradeSink | undefined;
  readonly #p: CursorRunParams;
  readonly #aggregate: WindowAggregate;
  readonly #raw: DayRecordFiles | null;
  readonly #groups: string[] = [];
  readonly #gids = new Map<string, number>();
  #snapshot: Omit<CursorData, 'checksum'> | null = null;

  constructor(p: CursorRunParams, aggregate: WindowAggregate) {
    this.#p = p;
    this.#aggregate = aggregate;
    let mode: 'full' | 'incremental' = 'full';
    let fullReason = p.noCursorReason;
    let start = 0;
    let startLine = 0;
    let csvHeader: string | undefined;
    let issues = new IssueReport();
    this.#raw = p.cursorPath ? new DayRecordFiles(`${p.cursorPath}.d`) : null;
    const raw = this.#raw;
    if (p.cursorPath && raw !== null) {
      const loaded = p.full
        ? { ok: false as const, reason: 'forced' }
        : loadCursor(p.cursorPath, p.tradesPath, p.fingerprint, p.now);
      if (loaded.ok && raw.restore(loaded.cursor.rawCounts)) {
        const c = loaded.cursor;
        mode = 'incremental';
        start = c.offset;
        startLine = c.line;
        csvHeader = c.csvHeader;
        issues = new IssueReport(c.issues);
        for (const g of c.groups) this.#idOf(g);
        this.#restoreWindow(c);
      } else {
        fullReason = loaded.ok ? 'raw_files_missing' : loaded.reason;
        raw.reset();
      }
    }
    this.mode = mode;
    this.fullReason = fullReason;
    this.start = start;
    this.startLine = startLine;
    this.csvHeader = csvHeader;
    this.issues = issues;
    this.sink = raw === null ? undefined : (t, from, to, names) => this.#keepRaw(raw, t, from, to, names);
  }

  /**
   * Appends trades read (before the snapshot) to their day files, with the cursor's group ids: a
   * run of records of one UTC day at a time (a log in time order is a few runs per piece).
   */
  #keepRaw(raw: DayRecordFiles, t: Float64Array, from: number, to: number, names: readonly string[]): void {
    if (this.#snapshot !== null) return;
    const ids = new Int32Array(names.length).fill(-1);
    let i = from;
    while (i < to) {
      const day = Math.floor((t[i * 4 + 1] as number) / DAY_MS);
      const dayStart = day * DAY_MS;
      const dayEnd = dayStart + DAY_MS;
      let k = i;
      for (; k < to; k++) {
        const j = k * 4;
        const ts = t[j + 1] as number;
        if (!(ts >= dayStart && ts < dayEnd)) break;
        const g = t[j] as number;
        if ((ids[g] as number) < 0) ids[g] = this.#idOf(names[g] as string);
      }
      if (k === i) k = i + 1; // a time that floors to `day` yet lies outside it: never, but go on
      raw.appendRecords(day, t, i, k, ids);
      i = k;
    }
  }

  /** The cursor's buckets after the boundary, plus the boundary bucket summed from its raw trades. */
  #restoreWindow(c: CursorData): void {
    const agg = this.#aggregate;
    const raw = this.#raw as DayRecordFiles;
    const boundary = Math.floor(agg.cutoff / DAY_MS); // the day file holding the boundary bucket
    const boundaryBucket = Math.floor(agg.cutoff / agg.bucketMs);
    restoreBuckets(agg, c.buckets);
    const rec = raw.read(boundary);
    if (rec !== null) {
      for (let i = 0; i < rec.length; i += 4) {
        const ts = rec[i + 1] as number;
        if (Math.floor(ts / agg.bucketMs) !== boundaryBucket) continue; // later buckets: in the cursor
        agg.add(this.#groups[rec[i] as number] as string, ts, rec[i + 2] as number, rec[i + 3] as number);
      }
    }
    agg.beforeWindow = 0;
    raw.dropBefore(boundary);
  }

  #idOf(g: string): number {
    let id = this.#gids.get(g);
    if (id === undefined) {
      id = this.#groups.length;
      this.#groups.push(g);
      this.#gids.set(g, id);
    }
    return id;
  }

  /** Where the next run resumes (the first call wins): trades after it are not kept raw. */
  snapshot(endOffset: number, endLine: number, header: string | undefined): void {
    const raw = this.#raw;
    if (raw === null || this.#snapshot !== null) return;
    raw.close();
    const agg = this.#aggregate;
    this.#snapshot = {
      version: 4,
      trades: this.#p.tradesPath,
      ino: this.#p.ino,
      offset: endOffset,
      line: endLine,
      fingerprint: this.#p.fingerprint,
      now: this.#p.now,
      ...(header !== undefined ? { csvHeader: header } : {}),
      groups: [...this.#groups],
      buckets: snapshotBuckets(agg, Math.floor(agg.cutoff / agg.bucketMs)),
      rawCounts: raw.counts(),
      issues: structuredClone(this.issues.summary),
    };
  }

  /** Flushes the raw trades (after the scan). */
  close(): void {
    this.#raw?.close();
  }

  /** Writes the cursor (after the state file). */
  write(): void {
    const s = this.#snapshot;
    if (this.#p.cursorPath && s !== null)
      writeCursor(this.#p.cursorPath, { ...s, checksum: prefixChecksum(this.#p.tradesPath, s.offset) });
  }
}
