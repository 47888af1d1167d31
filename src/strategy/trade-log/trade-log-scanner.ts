import type { EvaluationOptions } from '../evaluate/evaluation-options.js';
import { IssueReport } from './issue-report.js';
import { readLines, type ReadLinesResult } from './line-reader.js';
import { LineResult, TradeLineParser } from './trade-line-parser.js';
import type { WindowAggregate } from '../evaluate/window-aggregate.js';
import { TradeLogError } from './trade-log-error.js';

/** Receives every trade counted in the window (the incremental cursor keeps them per day). */
export type TradeSink = (group: string, ts: number, pnl: number, cost: number) => void;

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
  readonly sink?: TradeSink;
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
}

/** A scan's result, plus the CSV header it read. */
export interface ScanResult extends ReadLinesResult {
  readonly csvHeader?: string;
  /** Configured field names that no line scanned had. */
  readonly missingFields: string[];
  /** Field names found in the first lines (or the CSV header). */
  readonly foundFields: string[];
}

/** Streams a trade log into a window aggregate, counting every line it cannot use. */
export function scanTradeLog(input: ScanInput): ScanResult {
  const { options, aggregate, issues, sink } = input;
  const parser = new TradeLineParser(options.fields, options.groupBy, input.format);
  if (input.maxTs !== undefined) parser.maxTs = input.maxTs;
  let csvHeader = input.csvHeader;
  if (csvHeader !== undefined) parser.header(csvHeader, 0, csvHeader.length);
  const sum = issues.summary;
  let future = input.beforeFuture;
  const onLine = (s: string, a: number, b: number, lineNo: number, offsetOf: (a: number) => number): void => {
    if (!parser.ready) {
      if (s.slice(a, b).trim() === '') return;
      const missing = parser.header(s, a, b);
      csvHeader = s.slice(a, b);
      if (missing.length > 0)
        throw new TradeLogError(
          `${input.path}:${lineNo}: the CSV header lacks column(s) ${missing.join(', ')}; it has ${parser.foundFields().join(', ')} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
        );
      return;
    }
    const r = parser.parse(s, a, b);
    if (r === LineResult.Trade) {
      const size = parser.size;
      const pnl = parser.pnl * size;
      const cost = parser.entry * size;
      sum.resolved++;
      if (aggregate.add(parser.group, parser.ts, pnl, cost) && sink !== undefined)
        sink(parser.group, parser.ts, pnl, cost);
    } else if (r === LineResult.Unresolved) sum.unresolved++;
    else if (r === LineResult.Blank) sum.blank++;
    else {
      if (future !== undefined && parser.issue === 'future_timestamp') {
        future(offsetOf(a), lineNo - 1, csvHeader);
        future = undefined;
      }
      issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
    }
  };
  const beforeTail = input.beforeTail;
  const res = readLines(
    input.path,
    input.start ?? 0,
    input.startLine ?? 0,
    onLine,
    beforeTail === undefined ? undefined : (off, line) => beforeTail(off, line, csvHeader),
    (lineNo, bytes) => issues.addOversized(lineNo, bytes),
    input.maxLineBytes,
  );
  const fields = { missingFields: parser.missingFields(), foundFields: parser.foundFields() };
  return csvHeader === undefined ? { ...res, ...fields } : { ...res, ...fields, csvHeader };
}
