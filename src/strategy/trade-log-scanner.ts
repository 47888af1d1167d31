import type { EvaluationOptions } from './evaluation-options.js';
import { IssueReport } from './issue-report.js';
import { readLines, type ReadLinesResult } from './line-reader.js';
import { LineResult, TradeLineParser } from './trade-line-parser.js';
import type { WindowAggregate } from './window-aggregate.js';
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
  /** Runs before an unterminated last line, with the CSV header read so far. */
  readonly beforeTail?: (endOffset: number, endLine: number, csvHeader: string | undefined) => void;
}

/** A scan's result, plus the CSV header it read. */
export interface ScanResult extends ReadLinesResult {
  readonly csvHeader?: string;
}

/** Streams a trade log into a window aggregate, counting every line it cannot use. */
export function scanTradeLog(input: ScanInput): ScanResult {
  const { options, aggregate, issues, sink } = input;
  const parser = new TradeLineParser(options.fields, options.groupBy, input.format);
  let csvHeader = input.csvHeader;
  if (csvHeader !== undefined) parser.header(csvHeader, 0, csvHeader.length);
  const sum = issues.summary;
  const onLine = (s: string, a: number, b: number, lineNo: number): void => {
    if (!parser.ready) {
      if (s.slice(a, b).trim() === '') return;
      const missing = parser.header(s, a, b);
      csvHeader = s.slice(a, b);
      if (missing.length > 0)
        throw new TradeLogError(
          `${input.path}:${lineNo}: the CSV header lacks column(s) ${missing.join(', ')} (set the field names in the strategy config)`,
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
    else issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
  };
  const beforeTail = input.beforeTail;
  const res = readLines(
    input.path,
    input.start ?? 0,
    input.startLine ?? 0,
    onLine,
    beforeTail === undefined ? undefined : (off, line) => beforeTail(off, line, csvHeader),
  );
  return csvHeader === undefined ? res : { ...res, csvHeader };
}
