import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
// Deep imports, and the evaluator and the tuner loaded by their commands only: `warden check` is
// on a bot's hot path (see commands.ts).
import { applyOverride } from '../strategy/state/manual-override.js';
import { checkOnce } from '../strategy/runtime/strategy-breaker.js';
import { describeIssues } from '../strategy/trade-log/issue-report.js';
import { parseIsoMs } from '../strategy/trade-log/iso-time.js';
import { ShadowLedger } from '../strategy/shadow/shadow-ledger.js';
import { strategyPaths } from '../strategy/from-config.js';
import { roiFractionHint, type EvaluationOptions } from '../strategy/evaluate/evaluation-options.js';
import { DEFAULT_TUNE_GRID } from '../strategy/tune/tune-grid.js';
import { CliError } from './cli-error.js';
import { configFor, out } from './context.js';
import type { LoadedConfig } from '../config/index.js';

function num(option: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const x = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new CliError(`${option} must be ${integer ? 'an integer' : 'a number'} (got ${JSON.stringify(v)})`);
  return x;
}

function nowOf(v: string | undefined): number {
  if (v === undefined) return Date.now();
  const t = parseIsoMs(v);
  if (Number.isNaN(t))
    throw new CliError(
      `--now must be an ISO-8601 time such as 2026-05-05T03:49:00Z (got ${JSON.stringify(v)})`,
    );
  return t;
}

function inData(loaded: LoadedConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(loaded.dataDir, p);
}

function numList(option: string, v: string | undefined, integer = false): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((x) => num(option, x, integer) as number);
}

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
  json?: boolean;
}

/** Where a threshold came from, as the error should name it: the flag given, or the config field. */
function sourceOf(loaded: LoadedConfig, flag: string, given: string | undefined, field: string): string {
  if (given !== undefined) return `${flag} ${given}`;
  const value = (loaded.config.strategy as Record<string, unknown>)[field];
  return `strategy.${field} ${JSON.stringify(value)} (from ${loaded.path ?? 'the defaults'})`;
}

function evaluationOptions(loaded: LoadedConfig, f: EvaluateFlags): Partial<EvaluationOptions> {
  const s = loaded.config.strategy;
  if (f.recoveryBasis !== undefined && f.recoveryBasis !== 'shadow' && f.recoveryBasis !== 'trades')
    throw new CliError(`--recovery-basis must be shadow or trades (got ${JSON.stringify(f.recoveryBasis)})`);
  const o = {
    groupBy: f.groupBy ?? s.groupBy,
    stateKey: f.stateKey ?? s.stateKey,
    trip: num('--trip', f.trip) ?? s.trip,
    recover: num('--recover', f.recover) ?? s.recover,
    minN: num('--min-n', f.minN, true) ?? s.minN,
    windowDays: num('--window-days', f.windowDays) ?? s.windowDays,
    format: s.format,
    fields: s.fields,
    recoveryBasis: (f.recoveryBasis as 'shadow' | 'trades' | undefined) ?? s.recoveryBasis,
    futureToleranceMs: s.futureToleranceMinutes * 60_000,
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

/** `warden evaluate`, `warden check`, `warden strategy block|unblock`, `warden tune`. */
export function registerStrategyCommands(program: Command): void {
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
    .option('--json', 'print the result as JSON')
    .action(async (f: EvaluateFlags, cmd: Command) => {
      const { evaluateStrategies } = await import('../strategy/evaluate/evaluate.js');
      const loaded = configFor(cmd);
      const s = loaded.config.strategy;
      const options = evaluationOptions(loaded, f);
      const now = nowOf(f.now);
      const paths = strategyPaths(s, loaded.dataDir);
      const statePath = f.state !== undefined ? resolve(f.state) : paths.state;
      const tradesPath = f.trades !== undefined ? resolve(f.trades) : paths.trades;
      mkdirSync(loaded.dataDir, { recursive: true });
      let r;
      try {
        r = evaluateStrategies({
          tradesPath,
          statePath,
          now,
          options,
          shadowPath: paths.shadow,
          cursorPath: paths.cursor,
          overridesPath: paths.overrides,
          full: f.full === true,
        });
      } catch (err) {
        if (
          err instanceof Error &&
          (err.name === 'TradeLogError' ||
            err.name === 'StateFileError' ||
            err.name === 'StateLockError' ||
            err instanceof RangeError)
        )
          throw new CliError(err.message, 1, { cause: err });
        throw err;
      }
      for (const line of describeIssues(r.issues, tradesPath)) process.stderr.write(`warden: ${line}\n`);
      if (r.shadow.bad > 0)
        process.stderr.write(
          `warden: shadow ledger: ${r.shadow.bad} bad line(s) (lines ${r.shadow.badLines.join(', ')})\n`,
        );
      if (f.json) {
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
        return;
      }
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
      for (const r2 of rows)
        for (let i = 0; i < w.length; i++) w[i] = Math.max(w[i] as number, (r2[i] as string).length);
      const fmt = (cells: string[]): string =>
        cells
          .map((c, i) => c.padEnd(w[i] as number))
          .join('  ')
          .trimEnd();
      // Written in batches: one string of a million rows could pass V8's string limit.
      const batch: string[] = [fmt(head)];
      for (const row of rows) {
        batch.push(fmt(row));
        if (batch.length === 10_000) {
          out(batch.join('\n'), false);
          batch.length = 0;
        }
      }
      if (batch.length > 0) out(batch.join('\n'), false);
      const lines: string[] = [];
      for (const t of r.transitions.filter((x) => x.kind !== 'other'))
        lines.push(
          `${t.kind === 'trip' ? 'TRIPPED' : 'RECOVERED'}: ${t.key} ${t.from ?? 'new'} -> ${t.to} (${t.reason})`,
        );
      lines.push(
        `wrote ${statePath} (${r.read.mode} read of ${r.read.lines} line(s)${r.read.fullReason ? `, ${r.read.fullReason}` : ''}; ${r.counted} trade(s) in the window)`,
      );
      out(lines.join('\n'), false);
    });

  program
    .command('check <key>')
    .description('runtime check of one strategy: prints {"allow":…,"reason":…}; exit 0 allow, 3 deny')
    .option('--state <file>', 'state file')
    .option('--state-key <key>', 'top-level key of the state file')
    .action((key: string, f: { state?: string; stateKey?: string }, cmd: Command) => {
      const loaded = configFor(cmd);
      const s = loaded.config.strategy;
      const statePath = f.state !== undefined ? resolve(f.state) : inData(loaded, s.state);
      const r = checkOnce(statePath, key, {
        stateKey: f.stateKey ?? s.stateKey,
        staleAfterMs: s.staleAfterHours * 3_600_000,
      });
      out({ allow: r.allow, reason: r.reason }, true);
      if (!r.allow) process.exitCode = 3;
    });

  const group = program
    .command('strategy')
    .description('manual override of the strategy breaker (logged loudly)');
  for (const action of ['block', 'unblock'] as const) {
    group
      .command(`${action} <key>`)
      .description(`${action} a strategy by hand; recorded in the state and the audit log`)
      .requiredOption('--reason <text>', 'why')
      .requiredOption('--by <name>', 'who')
      .option('--state <file>', 'state file')
      .option('--state-key <key>', 'top-level key of the state file')
      .option('--json', 'print the new entry as JSON')
      .action(
        (
          key: string,
          f: { reason: string; by: string; state?: string; stateKey?: string; json?: boolean },
          cmd: Command,
        ) => {
          const loaded = configFor(cmd);
          const s = loaded.config.strategy;
          mkdirSync(loaded.dataDir, { recursive: true });
          const statePath = f.state !== undefined ? resolve(f.state) : inData(loaded, s.state);
          let r;
          try {
            r = applyOverride({
              statePath,
              stateKey: f.stateKey ?? s.stateKey,
              auditPath: strategyPaths(s, loaded.dataDir).overrides,
              key,
              action,
              reason: f.reason,
              by: f.by,
              now: Date.now(),
            });
          } catch (err) {
            if (
              err instanceof RangeError ||
              (err instanceof Error && (err.name === 'StateFileError' || err.name === 'StateLockError'))
            )
              throw new CliError(err.message, 1, { cause: err });
            throw err;
          }
          process.stderr.write(
            `warden: MANUAL OVERRIDE: ${key} ${r.previous ?? 'unknown'} -> ${r.entry.status} by ${f.by}: ${f.reason} (recorded in ${statePath} and the audit log)\n`,
          );
          if (action === 'unblock')
            process.stderr.write(
              'warden: the next evaluation applies the rules again and may trip it back: trust the breaker\n',
            );
          if (r.stateStale)
            process.stderr.write(
              'warden: WARNING: the state is stale, so the runtime check fails open until the next evaluation\n',
            );
          if (f.json) out({ key, ...r.entry }, true);
        },
      );
  }

  const shadow = group
    .command('shadow')
    .description('shadow trades: rejected signals and their would-be outcomes');
  shadow
    .command('record <id> <key>')
    .description('log a rejected signal of strategy KEY under id ID')
    .requiredOption('--entry <cents>', 'entry price in cents (entry_price_c)')
    .requiredOption('--size <n>', 'size')
    .option('--ts <iso>', 'time of the signal (default now)')
    .action((id: string, key: string, f: { entry: string; size: string; ts?: string }, cmd: Command) => {
      const loaded = configFor(cmd);
      mkdirSync(loaded.dataDir, { recursive: true });
      const ledger = new ShadowLedger(inData(loaded, loaded.config.strategy.shadow));
      ledger.record({
        id,
        key,
        ts: new Date(nowOf(f.ts)).toISOString(),
        entryPriceC: num('--entry', f.entry) as number,
        size: num('--size', f.size) as number,
      });
    });
  shadow
    .command('resolve <id>')
    .description('report the outcome of rejected signal ID')
    .requiredOption('--pnl <cents>', 'P&L per unit in cents (pnl_c)')
    .action((id: string, f: { pnl: string }, cmd: Command) => {
      const loaded = configFor(cmd);
      mkdirSync(loaded.dataDir, { recursive: true });
      new ShadowLedger(inData(loaded, loaded.config.strategy.shadow)).resolve(
        id,
        num('--pnl', f.pnl) as number,
      );
    });

  program
    .command('tune')
    .description('walk forward over a trade log and score a grid of breaker parameters')
    .requiredOption('--trades <file>', 'trade log (JSON lines or CSV)')
    .option('--trip <list>', 'trip thresholds, comma separated', DEFAULT_TUNE_GRID.trip.join(','))
    .option('--recover <list>', 'recovery thresholds', DEFAULT_TUNE_GRID.recover.join(','))
    .option('--min-n <list>', 'minimum samples', DEFAULT_TUNE_GRID.minN.join(','))
    .option('--window-days <list>', 'window lengths in days', DEFAULT_TUNE_GRID.windowDays.join(','))
    .option('--group-by <column>', 'group column')
    .option('--label-field <name>', 'boolean field marking trades of a real degradation (optional)')
    .option('--out <dir>', 'directory for report.html and results.json', '.')
    .option('--json', 'print the results as JSON instead of a table')
    .action(
      async (
        f: {
          trades: string;
          trip: string;
          recover: string;
          minN: string;
          windowDays: string;
          groupBy?: string;
          labelField?: string;
          out: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const loaded = configFor(cmd);
        const s = loaded.config.strategy;
        const grid = {
          trip: numList('--trip', f.trip) as number[],
          recover: numList('--recover', f.recover) as number[],
          minN: numList('--min-n', f.minN, true) as number[],
          windowDays: numList('--window-days', f.windowDays, true) as number[],
        };
        for (const [flag, list] of [
          ['--trip', grid.trip],
          ['--recover', grid.recover],
        ] as const)
          for (const x of list) {
            const hint = roiFractionHint(x);
            if (hint !== null) throw new CliError(`${flag} values ${hint}`);
          }
        if (grid.minN.some((n) => n < 1)) throw new CliError(`--min-n values must be >= 1 (got ${f.minN})`);
        if (grid.windowDays.some((n) => n < 1))
          throw new CliError(`--window-days values must be >= 1 (got ${f.windowDays})`);
        const { runTune } = await import('../strategy/tune/tune.js');
        try {
          runTune({
            tradesPath: resolve(f.trades),
            outDir: resolve(f.out),
            grid,
            groupBy: f.groupBy ?? s.groupBy,
            fields: s.fields,
            format: s.format,
            ...(f.labelField !== undefined ? { labelField: f.labelField } : {}),
            json: f.json === true,
          });
        } catch (err) {
          if (err instanceof Error && (err.name === 'TradeLogError' || err instanceof RangeError))
            throw new CliError(err.message, 1, { cause: err });
          throw err;
        }
      },
    );
}
