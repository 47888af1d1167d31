import type { TradeFields } from '../evaluate/evaluation-options.js';
import { IssueReport, type IssueSummary } from './issue-report.js';
import { readLines } from './line-reader.js';
import { LineResult, TradeLineParser } from './trade-line-parser.js';
import { TradeLogError } from './trade-log-error.js';

/** One piece of a trade log to parse: the lines that start in `[start, end)`. */
export interface ChunkJob {
  readonly path: string;
  /** The start of a line. */
  readonly start: number;
  /** The start of a line, or the end of what is read. */
  readonly end: number;
  readonly format: 'jsonl' | 'csv';
  readonly fields: TradeFields;
  readonly groupBy: string;
  /** The CSV header, when this piece does not begin the log. */
  readonly csvHeader?: string;
  /** A trade stamped after this (ms) is a `future_timestamp` bad line. */
  readonly maxTs: number;
  /** Trades before this (ms) are only counted, not kept. */
  readonly cutoff: number;
  readonly maxLineBytes?: number;
}

/** A point in a piece where a cursor may stop: the counts of the lines before it. */
export interface ChunkMark {
  /** Trades kept before the line. */
  readonly at: number;
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** Lines of the piece before it. */
  readonly line: number;
  readonly issues: IssueSummary;
  readonly beforeWindow: number;
}

/** What a piece of the log holds, in file order; line numbers count from its start. */
export interface ChunkResult {
  /** `count` trades in the window: [group index, ts, pnl × size, entry × size] each. */
  readonly trades: Float64Array;
  readonly count: number;
  /** Group names by index. */
  readonly groups: string[];
  readonly issues: IssueSummary;
  /** Resolved trades before the window. */
  readonly beforeWindow: number;
  readonly endOffset: number;
  readonly endLine: number;
  readonly tailBytes: number;
  readonly bytesRead: number;
  /** The first `future_timestamp` line. */
  readonly future?: ChunkMark;
  /** An unterminated last line. */
  readonly tail?: ChunkMark;
  readonly csvHeader?: string;
  readonly missingFields: string[];
  readonly foundFields: string[];
}

const RECORD = 4;

/**
 * Parses the lines of one piece of a trade log into trades, counts and bad lines, without
 * touching any shared state: the pieces of one log can be parsed on several threads and replayed
 * in file order (see `trade-log-scanner.ts`), which gives what one pass would.
 */
export function parseChunk(job: ChunkJob): ChunkResult {
  const parser = new TradeLineParser(job.fields, job.groupBy, job.format);
  parser.maxTs = job.maxTs;
  let csvHeader = job.csvHeader;
  if (csvHeader !== undefined) parser.header(csvHeader, 0, csvHeader.length);
  const issues = new IssueReport();
  const sum = issues.summary;
  const cutoff = job.cutoff;
  let trades = new Float64Array(RECORD * 4096);
  let count = 0;
  const groups: string[] = [];
  const ids = new Map<string, number>();
  let lastGroup = '';
  let lastId = -1;
  let beforeWindow = 0;
  let future: ChunkMark | undefined;
  let tail: ChunkMark | undefined;
  const mark = (offset: number, line: number): ChunkMark => ({
    at: count,
    offset,
    line,
    issues: structuredClone(sum),
    beforeWindow,
  });
  const res = readLines(
    job.path,
    job.start,
    0,
    (s, a, b, lineNo, offsetOf) => {
      if (!parser.ready) {
        if (s.slice(a, b).trim() === '') return;
        const missing = parser.header(s, a, b);
        csvHeader = s.slice(a, b);
        if (missing.length > 0)
          throw new TradeLogError(
            `${job.path}:${lineNo}: the CSV header lacks column(s) ${missing.join(', ')}; it has ${parser.foundFields().join(', ')} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
          );
        return;
      }
      const r = parser.parse(s, a, b);
      if (r === LineResult.Trade) {
        sum.resolved++;
        const ts = parser.ts;
        if (!(ts >= cutoff)) {
          beforeWindow++;
          return;
        }
        const g = parser.group;
        if (g !== lastGroup || lastId < 0) {
          let id = ids.get(g);
          if (id === undefined) {
            id = groups.length;
            groups.push(g);
            ids.set(g, id);
          }
          lastGroup = g;
          lastId = id;
        }
        if (count * RECORD === trades.length) {
          const bigger = new Float64Array(trades.length * 2);
          bigger.set(trades);
          trades = bigger;
        }
        const k = count * RECORD;
        const size = parser.size;
        trades[k] = lastId;
        trades[k + 1] = ts;
        trades[k + 2] = parser.pnl * size;
        trades[k + 3] = parser.entry * size;
        count++;
      } else if (r === LineResult.Unresolved) sum.unresolved++;
      else if (r === LineResult.Blank) sum.blank++;
      else {
        if (future === undefined && parser.issue === 'future_timestamp')
          future = mark(offsetOf(a), lineNo - 1);
        issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
      }
    },
    (offset, line) => {
      tail = mark(offset, line);
    },
    (lineNo, bytes) => issues.addOversized(lineNo, bytes),
    job.maxLineBytes,
    job.end,
  );
  return {
    trades,
    count,
    groups,
    issues: sum,
    beforeWindow,
    endOffset: res.endOffset,
    endLine: res.endLine,
    tailBytes: res.tailBytes,
    bytesRead: res.bytesRead,
    ...(future !== undefined ? { future } : {}),
    ...(tail !== undefined ? { tail } : {}),
    ...(csvHeader !== undefined ? { csvHeader } : {}),
    missingFields: parser.missingFields(),
    foundFields: parser.foundFields(),
  };
}
