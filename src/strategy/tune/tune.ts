import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TuneGrid } from './tune-grid.js';
import type { TradeFields } from '../evaluate/evaluation-options.js';
import { describeIssues } from '../trade-log/issue-report.js';
import { loadHistory, type TradeHistory } from './tune-history.js';
import { renderTuneReport } from './tune-report.js';
import { scoreCandidate, type Candidate, type CandidateScore, type GroupRun } from './walk-forward.js';

export { DEFAULT_TUNE_GRID, type TuneGrid } from './tune-grid.js';

/** Scores and the best candidate. */
export interface TuneResult {
  readonly history: TradeHistory;
  readonly scores: CandidateScore[];
  readonly best: CandidateScore;
  readonly runs: GroupRun[];
}

/** Expands a grid (skipping recover < trip, which has no hysteresis) and validates it. */
export function expandGrid(grid: TuneGrid): Candidate[] {
  for (const [name, list] of Object.entries(grid) as [string, readonly number[]][]) {
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => !Number.isFinite(v)))
      throw new RangeError(`grid.${name} must be a non-empty list of numbers (got ${JSON.stringify(list)})`);
  }
  if (grid.minN.some((v) => !Number.isInteger(v) || v < 1))
    throw new RangeError(`grid.minN must hold integers >= 1 (got ${JSON.stringify(grid.minN)})`);
  if (grid.windowDays.some((v) => !Number.isInteger(v) || v < 1))
    throw new RangeError(
      `grid.windowDays must hold whole days >= 1 (got ${JSON.stringify(grid.windowDays)})`,
    );
  const out: Candidate[] = [];
  for (const trip of grid.trip)
    for (const recover of grid.recover)
      for (const minN of grid.minN)
        for (const windowDays of grid.windowDays)
          if (recover >= trip) out.push({ trip, recover, minN, windowDays });
  if (out.length === 0) throw new RangeError('grid has no candidate with recover >= trip');
  return out;
}

/** Walks every candidate over a history; `onProgress(done, total)` after each. */
export function tuneHistory(
  h: TradeHistory,
  grid: TuneGrid,
  onProgress?: (done: number, total: number) => void,
): TuneResult {
  const cands = expandGrid(grid);
  const scores: CandidateScore[] = [];
  cands.forEach((c, i) => {
    scores.push(scoreCandidate(h, c));
    onProgress?.(i + 1, cands.length);
  });
  const best = [...scores].sort(
    (x, y) => y.saved - x.saved || x.falseTrips - y.falseTrips,
  )[0] as CandidateScore;
  const runs: GroupRun[] = [];
  scoreCandidate(h, best, runs);
  return { history: h, scores, best, runs };
}

/** Options of `runTune` (the `warden tune` command). */
export interface RunTuneOptions {
  readonly tradesPath: string;
  readonly outDir: string;
  readonly grid: TuneGrid;
  readonly groupBy: string;
  readonly fields?: Partial<TradeFields>;
  readonly format?: 'jsonl' | 'csv' | 'auto';
  readonly labelField?: string;
  readonly json?: boolean;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}

function bar(done: number, total: number): string {
  const w = 30;
  const f = Math.round((w * done) / total);
  return `\r[${'#'.repeat(f)}${' '.repeat(w - f)}] ${String(Math.round((100 * done) / total)).padStart(3)}% ${done}/${total}`;
}

/** Loads, tunes, prints a table (progress bar on a TTY stderr) and writes report.html + results.json. */
export function runTune(o: RunTuneOptions): TuneResult {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  const h = loadHistory(o.tradesPath, {
    groupBy: o.groupBy,
    ...(o.fields ? { fields: o.fields } : {}),
    ...(o.format ? { format: o.format } : {}),
    ...(o.labelField ? { labelField: o.labelField } : {}),
  });
  for (const line of describeIssues(h.issues, o.tradesPath)) stderr.write(`warden: ${line}\n`);
  const r = tuneHistory(h, o.grid, tty ? (d, t) => stderr.write(bar(d, t)) : undefined);
  if (tty) stderr.write('\n');
  mkdirSync(o.outDir, { recursive: true });
  const report = join(o.outDir, 'report.html');
  writeFileSync(report, renderTuneReport(h, r.scores, r.best, r.runs, o.tradesPath));
  writeFileSync(
    join(o.outDir, 'results.json'),
    `${JSON.stringify({ best: r.best, scores: r.scores }, null, 2)}\n`,
  );
  if (o.json) {
    stdout.write(`${JSON.stringify({ best: r.best, report, scores: r.scores })}\n`);
    return r;
  }
  const head = [
    'trip',
    'recover',
    'min-n',
    'window',
    'trips',
    'caught',
    'missed',
    'lead d',
    'false',
    'saved $',
  ];
  const rows = [...r.scores]
    .sort((x, y) => y.saved - x.saved || x.falseTrips - y.falseTrips)
    .slice(0, 20)
    .map((s) =>
      [
        s.trip,
        s.recover,
        s.minN,
        s.windowDays,
        s.trips,
        s.caught,
        s.missed ?? '-',
        s.leadDays === null ? '-' : s.leadDays.toFixed(1),
        s.falseTrips,
        s.saved.toFixed(2),
      ].map(String),
    );
  const w = head.map((x, i) => Math.max(x.length, ...rows.map((row) => (row[i] as string).length)));
  const fmt = (c: string[]): string => c.map((x, i) => x.padStart(w[i] as number)).join('  ');
  stdout.write(`${[fmt(head), ...rows.map(fmt)].join('\n')}\n`);
  stdout.write(
    `best: trip ${r.best.trip} recover ${r.best.recover} min-n ${r.best.minN} window ${r.best.windowDays}d; report ${report}\n`,
  );
  return r;
}
