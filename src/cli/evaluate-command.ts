import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
// Deep imports, and the evaluator loaded by the command's action only (see commands.ts).
import { describeIssues } from '../strategy/trade-log/issue-report.js';
import { evaluateParamsFromConfig, evaluationOptionsOf } from '../strategy/from-config.js';
import { roiFractionHint, type EvaluationOptions } from '../strategy/evaluate/evaluation-options.js';
import type { EvaluationResult } from '../strategy/evaluate/evaluate.js';
import { CliError } from './cli-error.js';
import { configFor, out } from './context.js';
import { nowOf, num, userError } from './strategy-args.js';
import type { LoadedConfig } from '../config/index.js';
import type { AlertInput } from '../util/alert-sink.js';

// `warden evaluate`: one evaluation of the trade log, its alerts, the state file written.

interface EvaluateFlags {
  trades?: string;
  state?: string;
  now?: string;
  groupBy?: string;
  stateKey?: string;
  trip?: string;
  recover?: string;
  minN?: string;
  windowDays?: string;
  recoveryBasis?: string;
  full?: boolean;
  alert?: boolean;
  json?: boolean;
}

/** Where a threshold came from, as the error should name it: the flag given, or the config field. */
function sourceOf(loaded: LoadedConfig, flag: string, given: string | undefined, field: string): string {
  if (given !== undefined) return `${flag} ${given}`;
  const value = (loaded.config.strategy as Record<string, unknown>)[field];
  return `strategy.${field} ${JSON.stringify(value)} (from ${loaded.path ?? 'the defaults'})`;
}

function evaluationOptions(loaded: LoadedConfig, f: EvaluateFlags): EvaluationOptions {
  if (f.recoveryBasis !== undefined && f.recoveryBasis !== 'shadow' && f.recoveryBasis !== 'trades')
    throw new CliError(`--recovery-basis must be shadow or trades (got ${JSON.stringify(f.recoveryBasis)})`);
  const base = evaluationOptionsOf(loaded.config.strategy);
  const o: EvaluationOptions = {
    ...base,
    groupBy: f.groupBy ?? base.groupBy,
    stateKey: f.stateKey ?? base.stateKey,
    trip: num('--trip', f.trip) ?? base.trip,
    recover: num('--recover', f.recover) ?? base.recover,
    minN: num('--min-n', f.minN, true) ?? base.minN,
    windowDays: num('--window-days', f.windowDays) ?? base.windowDays,
    recoveryBasis: (f.recoveryBasis as EvaluationOptions['recoveryBasis'] | undefined) ?? base.recoveryBasis,
  };
  if (o.minN < 1) throw new CliError(`--min-n must be >= 1 (got ${o.minN})`);
  if (o.windowDays <= 0) throw new CliError(`--window-days must be > 0 (got ${o.windowDays})`);
  for (const [flag, given, x] of [
    ['--trip', f.trip, o.trip],
    ['--recover', f.recover, o.recover],
  ] as const) {
    const hint = given === undefined ? null : roiFractionHint(x);
    if (hint !== null) throw new CliError(`${flag} ${hint}`);
  }
  if (o.recover < o.trip) {
    const trip = sourceOf(loaded, '--trip', f.trip, 'trip');
    const recover = sourceOf(loaded, '--recover', f.recover, 'recover');
    // Name the option the user gave first: that is the one to change.
    throw new CliError(
      f.trip !== undefined && f.recover === undefined
        ? `${trip} must be <= the recovery threshold, ${recover}`
        : `${recover} must be >= the trip threshold, ${trip}`,
    );
  }
  return o;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`;
}

/** What `warden evaluate --alert` sends through, opened before the run (the store must exist). */
interface EvaluationAlerts {
  transitions(r: EvaluationResult): Promise<void>;
  failed(err: unknown): Promise<void>;
  close(): Promise<void>;
}

/** The strategy alerts of `warden serve`, sent by this process through the store's outbox. */
async function openAlerts(cmd: Command, loaded: LoadedConfig): Promise<EvaluationAlerts> {
  const [{ openRuntime }, { strategyAlerts }] = await Promise.all([
    import('./runtime.js'),
    import('../alerts/strategy-alerts.js'),
  ]);
  const rt = await openRuntime(cmd, loaded);
  const wording = strategyAlerts();
  const send = (a: AlertInput): Promise<void> =>
    rt.alerts.alert(a).then(
      () => undefined,
      (err: unknown) => {
        process.stderr.write(`warden: alert not queued: ${(err as Error).message}\n`);
      },
    );
  return {
    async transitions(r) {
      for (const t of r.transitions)
        if (t.kind === 'trip') await send(wording.trip(t));
        else if (t.kind === 'recover') await send(wording.recover(t));
    },
    failed: (err) => send(wording.failed(err)),
    close: () => rt.close(),
  };
}

/** `warden evaluate` in fleet mode: the verdicts go to the store's strategy state (as the daemon's run). */
async function evaluateInFleet(
  loaded: LoadedConfig,
  params: Parameters<typeof import('../strategy/evaluate/evaluate.js').evaluateStrategies>[0],
): Promise<EvaluationResult> {
  const { openStore } = await import('../store/open-store.js');
  const { evaluateIntoStore } = await import('../strategy/evaluate/evaluate-into-store.js');
  const store = await openStore(loaded.config, loaded.dataDir);
  try {
    return await evaluateIntoStore(params, store.strategyState, { by: 'cli' });
  } finally {
    await store.close();
  }
}

/** What one run evaluated, and where its files are. */
interface EvaluateRun {
  readonly r: EvaluationResult;
  readonly options: EvaluationOptions;
  readonly statePath: string;
  readonly tradesPath: string;
}

/**
 * One evaluation from the flags and the config: in the store in fleet mode (unless `--state`
 * names a file), else into the state file; with `--alert`, the transitions and a failed run are
 * alerted as `warden serve` alerts them.
 */
async function evaluateOnce(f: EvaluateFlags, cmd: Command): Promise<EvaluateRun> {
  const { evaluateStrategies } = await import('../strategy/evaluate/evaluate.js');
  const loaded = configFor(cmd);
  const options = evaluationOptions(loaded, f);
  const base = evaluateParamsFromConfig(loaded.config.strategy, loaded.dataDir, nowOf(f.now));
  const statePath = f.state !== undefined ? resolve(f.state) : base.statePath;
  const tradesPath = f.trades !== undefined ? resolve(f.trades) : base.tradesPath;
  const alerts = f.alert === true ? await openAlerts(cmd, loaded) : null;
  mkdirSync(loaded.dataDir, { recursive: true });
  try {
    const params = { ...base, options, statePath, tradesPath, full: f.full === true };
    const r =
      loaded.config.store.kind === 'postgres' && f.state === undefined
        ? await evaluateInFleet(loaded, params)
        : evaluateStrategies(params);
    await alerts?.transitions(r);
    return { r, options, statePath, tradesPath };
  } catch (err) {
    await alerts?.failed(err);
    throw userError(err) ?? err;
  } finally {
    await alerts?.close();
  }
}

/** The trade log's and the shadow ledger's bad lines, on stderr. */
function warnIssues({ r, tradesPath }: EvaluateRun): void {
  for (const line of describeIssues(r.issues, tradesPath)) process.stderr.write(`warden: ${line}\n`);
  if (r.shadow.bad > 0)
    process.stderr.write(
      `warden: shadow ledger: ${r.shadow.bad} bad line(s) (lines ${r.shadow.badLines.join(', ')})\n`,
    );
}

function printJson({ r, options, statePath }: EvaluateRun): void {
  out(
    {
      as_of: r.state.as_of,
      state: statePath,
      [options.stateKey as string]: r.entries,
      transitions: r.transitions,
      counted: r.counted,
      before_window: r.beforeWindow,
      skipped: r.issues,
      read: r.read,
    },
    true,
  );
}

/** One row per strategy, columns padded; written in batches (one string of a million rows could pass V8's string limit). */
function printTable(r: EvaluationResult): void {
  const rows = Object.entries(r.entries).map(([k, e]) => [
    k,
    e.status,
    pct(e.roi_30d),
    String(e.n_30d),
    e.basis === 'shadow' ? `shadow ${pct(e.shadow_roi_30d)} n=${e.shadow_n_30d ?? 0}` : '',
    e.reason ?? e.note ?? '',
  ]);
  const head = ['key', 'status', 'roi', 'n', 'shadow', 'reason'];
  // A loop, not Math.max(...rows): a million strategies would overflow the call stack.
  const w = head.map((h) => h.length);
  for (const row of rows)
    for (let i = 0; i < w.length; i++) w[i] = Math.max(w[i] as number, (row[i] as string).length);
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(w[i] as number))
      .join('  ')
      .trimEnd();
  const batch: string[] = [fmt(head)];
  for (const row of rows) {
    batch.push(fmt(row));
    if (batch.length === 10_000) {
      out(batch.join('\n'), false);
      batch.length = 0;
    }
  }
  if (batch.length > 0) out(batch.join('\n'), false);
}

/** The trips and recoveries, then what was written and read. */
function printSummary({ r, statePath }: EvaluateRun): void {
  const lines: string[] = [];
  for (const t of r.transitions.filter((x) => x.kind !== 'other'))
    lines.push(
      `${t.kind === 'trip' ? 'TRIPPED' : 'RECOVERED'}: ${t.key} ${t.from ?? 'new'} -> ${t.to} (${t.reason})`,
    );
  lines.push(
    `wrote ${statePath} (${r.read.mode} read of ${r.read.lines} line(s)${r.read.fullReason ? `, ${r.read.fullReason}` : ''}; ${r.counted} trade(s) in the window)`,
  );
  out(lines.join('\n'), false);
}

/** `warden evaluate`: one evaluation of the trade log, its alerts, the state file written. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate the trade log and write the strategy breaker state')
    .option('--trades <file>', 'trade log (JSON lines or CSV)')
    .option('--state <file>', 'state file to write')
    .option('--now <iso>', 'evaluation time (default now): makes a run reproducible')
    .option('--group-by <column>', 'group column (default sport)')
    .option('--state-key <key>', 'top-level key of the state file (sports = seed reader)')
    .option('--trip <x>', 'trip below this ROI (default -0.05)')
    .option('--recover <x>', 'recover at or above this ROI (default 0)')
    .option('--min-n <n>', 'minimum trades in the window (default 30)')
    .option('--window-days <d>', 'window length in days (default 30)')
    .option(
      '--recovery-basis <basis>',
      "what a blocked strategy recovers on: shadow (default) or trades (seed 000's rule)",
    )
    .option('--full', 'ignore the incremental cursor and read the whole log')
    .option(
      '--alert',
      'send the alerts warden serve sends: trips, recoveries and a failed run (for a timer without the daemon)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (f: EvaluateFlags, cmd: Command) => {
      const run = await evaluateOnce(f, cmd);
      warnIssues(run);
      if (f.json) return printJson(run);
      printTable(run.r);
      printSummary(run);
    });
}
