import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { lockCursor } from '../incremental/cursor-lock.js';
import { CursorRun } from '../incremental/cursor-run.js';
import { decide } from './decide.js';
import { resolveEvaluationOptions, type EvaluationOptions } from './evaluation-options.js';
import type { IssueSummary } from '../trade-log/issue-report.js';
import { applyOverrideLog, lastOverrides, overrideLogSize } from '../state/override-log.js';
import { readShadowFigures } from '../shadow/shadow-ledger.js';
import { buildStateFile, entriesOf, readStateFile, writeStateFile } from '../state/state-file.js';
import { lockState } from '../state/state-lock.js';
import { scanTradeLog, type ScanResult } from '../trade-log/trade-log-scanner.js';
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
   * The previous state from the store (fleet mode, `evaluateIntoStore`): given, the state file is
   * neither read nor written, no state lock is taken and no override log is applied (the store's
   * overrides are in this state, and its compare-and-set catches one made during the run).
   */
  readonly previous?: StateFile | null;
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
  /** Slot of the cursor's spans (default 256 KiB); smaller only for tests. */
  readonly spanBytes?: number;
}

/** How the log was read. */
export interface ReadInfo {
  readonly mode: 'full' | 'incremental';
  /** Why a cursor was not used. */
  readonly fullReason?: string;
  readonly bytesRead: number;
  /** Bytes read again for the hour (or day) the cutoff falls in: the cursor's spans that hold it. */
  readonly rereadBytes: number;
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

/** What changes which lines count and how: a cursor made with other values is not used. */
function fingerprintOf(format: string, o: EvaluationOptions, maxLineBytes: number | undefined): string {
  return JSON.stringify([format, o.groupBy, o.fields, o.windowDays, maxLineBytes ?? null]);
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

/** The trade log's path, size and inode; throws TradeLogError for a missing or empty one. */
function openTradeLog(path: string): { path: string; size: number; ino: number } {
  const tradesPath = resolve(path);
  let st;
  try {
    st = statSync(tradesPath);
  } catch (err) {
    throw new TradeLogError(`${tradesPath}: trade log not found (give --trades or set strategy.trades)`, {
      cause: err,
    });
  }
  if (st.size === 0) throw new TradeLogError(`${tradesPath}: trade log is empty; nothing to evaluate`);
  return { path: tradesPath, size: st.size, ino: st.ino };
}

/**
 * The previous state and how much of the override log it has seen, read under the state lock so
 * the two agree: every override past `seen` bytes is one this evaluation has not seen.
 */
function readInputs(
  p: EvaluateParams,
  overridesPath: string | null,
): { prev: StateFile | null; seen: number } {
  if (p.previous !== undefined) return { prev: p.previous, seen: 0 };
  const release = p.write !== false ? lockState(p.statePath, p.lockWaitMs) : null;
  try {
    return { prev: readStateFile(p.statePath), seen: overrideLogSize(overridesPath) };
  } finally {
    release?.();
  }
}

/** Refuses a full read that found no trade at all, naming what the lines have instead. */
function checkLogShape(tradesPath: string, sum: IssueSummary, scan: ScanResult, o: EvaluationOptions): void {
  if (sum.resolved === 0 && sum.unresolved === 0 && sum.total === 0)
    throw new TradeLogError(`${tradesPath}: trade log has no trade lines; nothing to evaluate`);
  // A log of open trades has no `resolved` or P&L yet, but every trade line has these four:
  // when one of them is on no line at all, the field names are wrong, not the trades.
  const shape = [o.fields.ts, o.groupBy, o.fields.size, o.fields.entryPrice];
  if (sum.resolved === 0 && scan.missingFields.some((f) => shape.includes(f))) {
    const found = scan.foundFields;
    throw new TradeLogError(
      `${tradesPath}: no line has the configured field(s) ${scan.missingFields.join(', ')}; the lines have ${found.length > 0 ? found.join(', ') : 'no field names'} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
    );
  }
}

/**
 * Applies the overrides made since the inputs were read (or ever, for a block) and writes the
 * state, under the lock an override's writer takes too, so none is lost to this write.
 */
function writeState(
  p: EvaluateParams,
  tradesPath: string,
  options: EvaluationOptions,
  decided: { entries: Record<string, GroupEntry>; transitions: Transition[] },
  overridesPath: string | null,
  seen: number,
  sum: IssueSummary,
): { state: StateFile; transitions: Transition[] } {
  const writing = p.write !== false && p.previous === undefined;
  const release = writing ? lockState(p.statePath, p.lockWaitMs) : null;
  try {
    const late = applyOverrideLog(decided.entries, lastOverrides(overridesPath, p.statePath), seen);
    const transitions =
      late.size > 0 ? decided.transitions.filter((t) => !late.has(t.key)) : decided.transitions;
    const state = buildStateFile(p.now, options.stateKey, decided.entries, {
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
    return { state, transitions };
  } finally {
    release?.();
  }
}

function evaluate(p: EvaluateParams, noCursorReason: string | undefined): EvaluationResult {
  const options = resolveEvaluationOptions(p.options);
  if (!Number.isFinite(p.now)) throw new RangeError(`now must be a time in ms (got ${p.now})`);
  const log = openTradeLog(p.tradesPath);
  const tradesPath = log.path;
  const format = formatOf(tradesPath, options);
  const overridesPath =
    p.previous !== undefined
      ? null
      : p.overridesPath === undefined
        ? join(dirname(resolve(p.statePath)), 'strategy-overrides.jsonl')
        : p.overridesPath;
  const { prev: prevState, seen } = readInputs(p, overridesPath);
  const prev = entriesOf(prevState, options.stateKey);

  // 1. The window's sums so far: from the cursor, or none.
  const t0 = performance.now();
  const cutoff = p.now - options.windowDays * DAY_MS;
  const aggregate = new WindowAggregate(cutoff, bucketSizeFor(options.windowDays));
  const run = new CursorRun(
    {
      cursorPath: p.cursorPath ?? null,
      tradesPath,
      ino: log.ino,
      fingerprint: fingerprintOf(format, options, p.maxLineBytes),
      now: p.now,
      full: p.full === true,
      ...(noCursorReason !== undefined ? { noCursorReason } : {}),
      job: {
        path: tradesPath,
        format,
        fields: options.fields,
        groupBy: options.groupBy,
        ...(p.maxLineBytes !== undefined ? { maxLineBytes: p.maxLineBytes } : {}),
        ...(p.spanBytes !== undefined ? { spanBytes: p.spanBytes } : {}),
      },
    },
    aggregate,
  );
  const issues = run.issues;

  // 2. The bytes not read yet.
  const t1 = performance.now();
  const scan = scanTradeLog({
    path: tradesPath,
    format,
    options,
    aggregate,
    issues,
    start: run.start,
    startLine: run.startLine,
    maxTs: p.now + options.futureToleranceMs,
    ...(p.maxLineBytes !== undefined ? { maxLineBytes: p.maxLineBytes } : {}),
    ...(p.threads !== undefined ? { threads: p.threads } : {}),
    ...(p.chunkBytes !== undefined ? { chunkBytes: p.chunkBytes } : {}),
    ...(p.spanBytes !== undefined ? { spanBytes: p.spanBytes } : {}),
    ...(run.csvHeader !== undefined ? { csvHeader: run.csvHeader } : {}),
    ...(run.onSpans !== undefined ? { onSpans: run.onSpans } : {}),
    beforeTail: (endOffset, endLine, header) => run.snapshot(endOffset, endLine, header),
    beforeFuture: (offset, line, header) => run.snapshot(offset, line, header),
  });
  run.snapshot(scan.endOffset, scan.endLine, scan.csvHeader ?? run.csvHeader);

  // 3. The figures, the rules, the state file, the cursor.
  const t2 = performance.now();
  const real = aggregate.figures();
  let counted = 0;
  for (const f of real.values()) counted += f.n;
  const sum = issues.summary;
  if (run.mode === 'full') checkLogShape(tradesPath, sum, scan, options);
  const shadow = p.shadowPath
    ? readShadowFigures(p.shadowPath, cutoff)
    : { figures: new Map(), pending: 0, bad: 0, badLines: [] };
  const nowIso = new Date(p.now).toISOString();
  const decided = decide({ prev, real, shadow: shadow.figures, options, nowIso });
  const { state, transitions } = writeState(p, tradesPath, options, decided, overridesPath, seen, sum);
  if (p.write !== false) run.write();
  const t3 = performance.now();
  return {
    state,
    entries: decided.entries,
    transitions,
    issues: sum,
    counted,
    beforeWindow: sum.resolved - counted,
    shadow: { pending: shadow.pending, bad: shadow.bad, badLines: shadow.badLines },
    read: {
      mode: run.mode,
      ...(run.fullReason !== undefined ? { fullReason: run.fullReason } : {}),
      bytesRead: scan.bytesRead,
      rereadBytes: run.rereadBytes,
      lines: scan.endLine - run.startLine + (scan.tailBytes > 0 ? 1 : 0),
      ms: { cursor: t1 - t0, scan: t2 - t1, write: t3 - t2 },
    },
    options,
  };
}
