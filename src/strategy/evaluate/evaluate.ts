import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { lockCursor } from '../incremental/cursor-lock.js';
import { decide } from './decide.js';
import { DayRecordFiles } from '../incremental/day-record-files.js';
import { resolveEvaluationOptions, type EvaluationOptions } from './evaluation-options.js';
import {
  loadCursor,
  prefixChecksum,
  restoreBuckets,
  snapshotBuckets,
  writeCursor,
  type CursorData,
} from '../incremental/incremental-cursor.js';
import { IssueReport, type IssueSummary } from '../trade-log/issue-report.js';
import { applyOverrideLog, lastOverrides, overrideLogSize } from '../state/override-log.js';
import { readShadowFigures } from '../shadow/shadow-ledger.js';
import { buildStateFile, entriesOf, readStateFile, writeStateFile } from '../state/state-file.js';
import { lockState } from '../state/state-lock.js';
import { scanTradeLog } from '../trade-log/trade-log-scanner.js';
import { TradeLogError } from '../trade-log/trade-log-error.js';
import type { GroupEntry, StateFile, Transition } from '../types.js';
import { DAY_MS, WindowAggregate, bucketSizeFor } from './window-aggregate.js';

/** One evaluation run. */
export interface EvaluateParams {
  readonly tradesPath: string;
  readonly statePath: string;
  /** Evaluation time in ms since the epoch (the window ends here). */
  readonly now: number;
  readonly options?: Partial<EvaluationOptions>;
  /** The shadow-trade ledger (absent file = no shadow trades). */
  readonly shadowPath?: string | null;
  /** The incremental cursor file; null reads the whole log every time. */
  readonly cursorPath?: string | null;
  /** Ignore the cursor and read the whole log (the cursor is rewritten). */
  readonly full?: boolean;
  /** Write the state file (default true). */
  readonly write?: boolean;
  /**
   * The log of manual overrides (`warden strategy block|unblock`), applied by this writer under
   * the state lock. Default: `strategy-overrides.jsonl` beside the state file; null: none.
   */
  readonly overridesPath?: string | null;
  /** How long to wait for the state lock. Default 10 s. */
  readonly lockWaitMs?: number;
  /** Longest trade-log line read (bytes); a longer one is an `oversized` bad line. Default 16 MiB. */
  readonly maxLineBytes?: number;
  /**
   * Worker threads that parse the log (0: this thread). Default: the machine's cores, up to 4,
   * for a read of 16 MiB or more (scan-pool.ts); none for a shorter one.
   */
  readonly threads?: number;
  /** Bytes parsed at a time (default 2 MiB); smaller pieces only for tests. */
  readonly chunkBytes?: number;
}

/** How the log was read. */
export interface ReadInfo {
  readonly mode: 'full' | 'incremental';
  /** Why a cursor was not used. */
  readonly fullReason?: string;
  readonly bytesRead: number;
  readonly lines: number;
  /** Milliseconds spent: restoring the cursor, scanning, deciding + writing. */
  readonly ms: { readonly cursor: number; readonly scan: number; readonly write: number };
}

/** What an evaluation produced. */
export interface EvaluationResult {
  readonly state: StateFile;
  readonly entries: Record<string, GroupEntry>;
  readonly transitions: Transition[];
  readonly issues: IssueSummary;
  /** Resolved trades in the window / before it. */
  readonly counted: number;
  readonly beforeWindow: number;
  readonly shadow: { readonly pending: number; readonly bad: number; readonly badLines: number[] };
  readonly read: ReadInfo;
  readonly options: EvaluationOptions;
}

function formatOf(path: string, o: EvaluationOptions): 'jsonl' | 'csv' {
  if (o.format !== 'auto') return o.format;
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

function fingerprintOf(format: string, o: EvaluationOptions): string {
  return JSON.stringify([format, o.groupBy, o.fields, o.windowDays]);
}

/**
 * Reads the trade log (incrementally when a valid cursor exists), sums the window per group,
 * joins the shadow trades, applies the rules and writes the state file atomically.
 * Throws TradeLogError for a missing or empty log, StateFileError for a damaged state.
 */
export function evaluateStrategies(p: EvaluateParams): EvaluationResult {
  if (!p.cursorPath || p.write === false) return evaluate({ ...p, cursorPath: null }, undefined);
  mkdirSync(dirname(p.cursorPath), { recursive: true });
  const release = lockCursor(p.cursorPath);
  if (release === null) return evaluate({ ...p, cursorPath: null }, 'cursor_locked');
  try {
    return evaluate(p, undefined);
  } finally {
    release();
  }
}

function evaluate(p: EvaluateParams, noCursorReason: string | undefined): EvaluationResult {
  const options = resolveEvaluationOptions(p.options);
  if (!Number.isFinite(p.now)) throw new RangeError(`now must be a time in ms (got ${p.now})`);
  const tradesPath = resolve(p.tradesPath);
  let size: number;
  let ino: number;
  try {
    const st = statSync(tradesPath);
    size = st.size;
    ino = st.ino;
  } catch (err) {
    throw new TradeLogError(`${tradesPath}: trade log not found (give --trades or set strategy.trades)`, {
      cause: err,
    });
  }
  if (size === 0) throw new TradeLogError(`${tradesPath}: trade log is empty; nothing to evaluate`);
  const format = formatOf(tradesPath, options);
  const overridesPath =
    p.overridesPath === undefined
      ? join(dirname(resolve(p.statePath)), 'strategy-overrides.jsonl')
      : p.overridesPath;
  const writing = p.write !== false;
  // The inputs are read under the state lock, so the state and the override log agree: every
  // override past `seen` bytes of the log is one this evaluation has not seen.
  let release = writing ? lockState(p.statePath, p.lockWaitMs) : null;
  let prevState;
  let seen: number;
  try {
    prevState = readStateFile(p.statePath);
    seen = overrideLogSize(overridesPath);
  } finally {
    release?.();
  }
  const prev = entriesOf(prevState, options.stateKey);

  const t0 = performance.now();
  const cutoff = p.now - options.windowDays * DAY_MS;
  const boundary = Math.floor(cutoff / DAY_MS); // day of the raw file holding the boundary bucket
  const bucketMs = bucketSizeFor(options.windowDays);
  const boundaryBucket = Math.floor(cutoff / bucketMs);
  const aggregate = new WindowAggregate(cutoff, bucketSizeFor(options.windowDays));
  const fingerprint = fingerprintOf(format, options);
  let issues = new IssueReport();
  let start = 0;
  let startLine = 0;
  let csvHeader: string | undefined;
  let mode: ReadInfo['mode'] = 'full';
  let fullReason: string | undefined = noCursorReason;
  let raw: DayRecordFiles | null = null;
  const gids = new Map<string, number>();
  let groups: string[] = [];

  if (p.cursorPath) {
    raw = new DayRecordFiles(`${p.cursorPath}.d`);
    const loaded = p.full
      ? { ok: false as const, reason: 'forced' }
      : loadCursor(p.cursorPath, tradesPath, fingerprint, p.now);
    if (loaded.ok && raw.restore(loaded.cursor.rawCounts)) {
      const c = loaded.cursor;
      mode = 'incremental';
      start = c.offset;
      startLine = c.line;
      csvHeader = c.csvHeader;
      issues = new IssueReport(c.issues);
      groups = [...c.groups];
      groups.forEach((g, i) => gids.set(g, i));
      restoreBuckets(aggregate, c.buckets);
      const rec = raw.read(boundary);
      if (rec !== null) {
        for (let i = 0; i < rec.length; i += 4) {
          const ts = rec[i + 1] as number;
          if (Math.floor(ts / bucketMs) !== boundaryBucket) continue; // later buckets: in the cursor
          aggregate.add(groups[rec[i] as number] as string, ts, rec[i + 2] as number, rec[i + 3] as number);
        }
      }
      aggregate.beforeWindow = 0;
      raw.dropBefore(boundary);
    } else {
      fullReason = loaded.ok ? 'raw_files_missing' : loaded.reason;
      raw.reset();
    }
  }

  const t1 = performance.now();
  let sinking = raw !== null;
  let snapshot: Omit<CursorData, 'checksum'> | null = null;
  const takeSnapshot = (endOffset: number, endLine: number, header: string | undefined): void => {
    if (raw === null || snapshot !== null) return;
    raw.close();
    snapshot = {
      version: 3,
      trades: tradesPath,
      ino,
      offset: endOffset,
      line: endLine,
      fingerprint,
      now: p.now,
      ...(header !== undefined ? { csvHeader: header } : {}),
      groups: [...groups],
      buckets: snapshotBuckets(aggregate, boundaryBucket),
      rawCounts: raw.counts(),
      issues: structuredClone(issues.summary),
    };
    sinking = false;
  };
  const scan = scanTradeLog({
    path: tradesPath,
    format,
    options,
    aggregate,
    issues,
    start,
    startLine,
    maxTs: p.now + options.futureToleranceMs,
    ...(p.maxLineBytes !== undefined ? { maxLineBytes: p.maxLineBytes } : {}),
    ...(p.threads !== undefined ? { threads: p.threads } : {}),
    ...(p.chunkBytes !== undefined ? { chunkBytes: p.chunkBytes } : {}),
    ...(csvHeader !== undefined ? { csvHeader } : {}),
    sink:
      raw === null
        ? undefined
        : (g, ts, pnl, cost) => {
            if (!sinking) return;
            let id = gids.get(g);
            if (id === undefined) {
              id = groups.length;
              groups.push(g);
              gids.set(g, id);
            }
            (raw as DayRecordFiles).append(Math.floor(ts / DAY_MS), id, ts, pnl, cost);
          },
    beforeTail: (endOffset, endLine, header) => takeSnapshot(endOffset, endLine, header),
    beforeFuture: (offset, line, header) => takeSnapshot(offset, line, header),
  });
  if (snapshot === null) takeSnapshot(scan.endOffset, scan.endLine, scan.csvHeader ?? csvHeader);
  raw?.close();

  const t2 = performance.now();
  const real = aggregate.figures();
  let counted = 0;
  for (const f of real.values()) counted += f.n;
  const sum = issues.summary;
  if (mode === 'full' && sum.resolved === 0 && sum.unresolved === 0 && sum.total === 0)
    throw new TradeLogError(`${tradesPath}: trade log has no trade lines; nothing to evaluate`);
  // A log of open trades has no `resolved` or P&L yet, but every trade line has these four:
  // when one of them is on no line at all, the field names are wrong, not the trades.
  const shape = [options.fields.ts, options.groupBy, options.fields.size, options.fields.entryPrice];
  if (mode === 'full' && sum.resolved === 0 && scan.missingFields.some((f) => shape.includes(f))) {
    const found = scan.foundFields;
    throw new TradeLogError(
      `${tradesPath}: no line has the configured field(s) ${scan.missingFields.join(', ')}; the lines have ${found.length > 0 ? found.join(', ') : 'no field names'} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
    );
  }

  const shadow = p.shadowPath
    ? readShadowFigures(p.shadowPath, cutoff)
    : { figures: new Map(), pending: 0, bad: 0, badLines: [] };
  const nowIso = new Date(p.now).toISOString();
  const decided = decide({ prev, real, shadow: shadow.figures, options, nowIso });
  const entries = decided.entries;
  let transitions = decided.transitions;
  release = writing ? lockState(p.statePath, p.lockWaitMs) : null;
  let state;
  try {
    // Overrides made since the inputs were read (or ever, for a block) are applied here, under
    // the lock an override's writer takes too, so none is lost to this write.
    const late = applyOverrideLog(entries, lastOverrides(overridesPath, p.statePath), seen);
    if (late.size > 0) transitions = transitions.filter((t) => !late.has(t.key));
    state = buildStateFile(p.now, options.stateKey, entries, {
      trades: tradesPath,
      window_days: options.windowDays,
      trip: options.trip,
      recover: options.recover,
      min_n: options.minN,
      group_by: options.groupBy,
      recovery_basis: options.recoveryBasis,
      skipped_lines: sum.total,
      skipped_by_kind: sum.counts,
    });
    if (writing) writeStateFile(p.statePath, state);
  } finally {
    release?.();
  }
  if (p.cursorPath && snapshot !== null) {
    const s: Omit<CursorData, 'checksum'> = snapshot;
    if (p.write !== false)
      writeCursor(p.cursorPath, { ...s, checksum: prefixChecksum(tradesPath, s.offset) });
  }
  const t3 = performance.now();
  return {
    state,
    entries,
    transitions,
    issues: sum,
    counted,
    beforeWindow: sum.resolved - counted,
    shadow: { pending: shadow.pending, bad: shadow.bad, badLines: shadow.badLines },
    read: {
      mode,
      ...(fullReason !== undefined ? { fullReason } : {}),
      bytesRead: scan.bytesRead,
      lines: scan.endLine - startLine + (scan.tailBytes > 0 ? 1 : 0),
      ms: { cursor: t1 - t0, scan: t2 - t1, write: t3 - t2 },
    },
    options,
  };
}
