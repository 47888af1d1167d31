import { statSync } from 'node:fs';
import type { TradeFields } from '../evaluate/evaluation-options.js';
import { DEFAULT_FIELDS } from '../evaluate/evaluation-options.js';
import { IssueReport, type IssueSummary } from '../trade-log/issue-report.js';
import { readLines } from '../trade-log/line-reader.js';
import { LineResult, TradeLineParser } from '../trade-log/trade-line-parser.js';
import { TradeLogError } from '../trade-log/trade-log-error.js';
import { DAY_MS } from '../evaluate/window-aggregate.js';

/** One group's trades summed per UTC day, from `firstDay` for `days` days. */
export interface GroupSeries {
  readonly key: string;
  readonly pnl: Float64Array;
  readonly cost: Float64Array;
  readonly n: Float64Array;
  /** Trades marked by the label field (a real degradation), per day. */
  readonly labelled: Float64Array;
}

/** A trade history reduced to daily sums per group: all the walk-forward needs. */
export interface TradeHistory {
  readonly firstDay: number;
  readonly days: number;
  readonly groups: GroupSeries[];
  readonly hasLabels: boolean;
  readonly issues: IssueSummary;
}

/** Options of `loadHistory`. */
export interface HistoryOptions {
  readonly groupBy: string;
  readonly fields?: Partial<TradeFields>;
  readonly format?: 'jsonl' | 'csv' | 'auto';
  readonly labelField?: string;
}

/** Streams a trade log once into daily sums per group (memory: groups × days). */
export function loadHistory(path: string, o: HistoryOptions): TradeHistory {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new TradeLogError(`${path}: trade log not found`, { cause: err });
  }
  if (size === 0) throw new TradeLogError(`${path}: trade log is empty; nothing to tune`);
  const format = o.format === 'csv' || (o.format !== 'jsonl' && /\.csv$/i.test(path)) ? 'csv' : 'jsonl';
  const parser = new TradeLineParser({ ...DEFAULT_FIELDS, ...o.fields }, o.groupBy, format, o.labelField);
  const issues = new IssueReport();
  const byGroup = new Map<string, Map<number, [number, number, number, number]>>();
  let lo = Infinity;
  let hi = -Infinity;
  let hasLabels = false;
  readLines(
    path,
    0,
    0,
    (s, a, b, lineNo) => {
      if (!parser.ready) {
        const missing = parser.header(s, a, b);
        if (missing.length > 0)
          throw new TradeLogError(`${path}:${lineNo}: the CSV header lacks ${missing.join(', ')}`);
        return;
      }
      const r = parser.parse(s, a, b);
      if (r === LineResult.Issue) issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
      if (r !== LineResult.Trade) return;
      issues.summary.resolved++;
      const day = Math.floor(parser.ts / DAY_MS);
      if (day < lo) lo = day;
      if (day > hi) hi = day;
      let g = byGroup.get(parser.group);
      if (g === undefined) {
        g = new Map();
        byGroup.set(parser.group, g);
      }
      let cell = g.get(day);
      if (cell === undefined) {
        cell = [0, 0, 0, 0];
        g.set(day, cell);
      }
      cell[0] += parser.pnl * parser.size;
      cell[1] += parser.entry * parser.size;
      cell[2]++;
      if (parser.extra) {
        cell[3]++;
        hasLabels = true;
      }
    },
    undefined,
    (lineNo, bytes) => issues.addOversized(lineNo, bytes),
  );
  if (byGroup.size === 0) throw new TradeLogError(`${path}: no resolved trades to tune on`);
  const days = hi - lo + 1;
  const groups = [...byGroup.keys()].sort().map((key) => {
    const s: GroupSeries = {
      key,
      pnl: new Float64Array(days),
      cost: new Float64Array(days),
      n: new Float64Array(days),
      labelled: new Float64Array(days),
    };
    for (const [d, c] of byGroup.get(key) as Map<number, [number, number, number, number]>) {
      s.pnl[d - lo] = c[0];
      s.cost[d - lo] = c[1];
      s.n[d - lo] = c[2];
      s.labelled[d - lo] = c[3];
    }
    return s;
  });
  return { firstDay: lo, days, groups, hasLabels, issues: issues.summary };
}
