import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
// Deep imports, and the evaluator and the tuner loaded by their commands only: `warden check` is
// on a bot's hot path (see commands.ts).
import { applyOverride } from '../strategy/state/manual-override.js';
import { checkOnce } from '../strategy/runtime/strategy-breaker.js';
import { describeIssues } from '../strategy/trade-log/issue-report.js';
import { parseIsoMs } from '../strategy/trade-log/iso-time.js';
import { ShadowLedger } from '../strategy/shadow/shadow-ledger.js';
import { evaluateParamsFromConfig, evaluationOptionsOf, strategyPaths } from '../strategy/from-config.js';
import { roiFractionHint, type EvaluationOptions } from '../strategy/evaluate/evaluation-options.js';
import { TradeLogError } from '../strategy/trade-log/trade-log-error.js';
import { StateFileError } from '../strategy/state/state-file-error.js';
import { StateLockError } from '../strategy/state/state-lock-error.js';
import type { EvaluationResult } from '../strategy/evaluate/evaluate.js';
import { DEFAULT_TUNE_GRID } from '../strategy/tune/tune-grid.js';
import { CliError } from './cli-error.js';
import { configFor, out } from './context.js';
import type { LoadedConfig } from '../config/index.js';
import type { AlertInput } from '../util/alert-sink.js';

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

/** An error the user can fix (a bad trade log or state file, a lock held, a bad option): one line, exit 1. */
function userError(err: unknown): CliError | null {
  return err instanceof TradeLogError ||
    err instanceof StateFileError ||
    err instanceof StateLockError ||
    err instanceof RangeError
    ? new CliError(err.message, 1, { cause: err })
    : null;
}

/** The strategy section's files for a loaded config (strategy/from-config.ts's rules). */
const pathsOf = (loaded: LoadedConfig) => strategyPaths(loaded.config.strategy, loaded.dataDir);

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

/**
 * `warden check` in fleet mode: one read of the store's strategy state. A store that cannot be
 * read fails open, as the runtime check does past its lease (`store_unconfirmed_fail_open`),
 * with the reason on stderr.
 */
async function checkInStore(
  loaded: LoadedConfig,
  key: string,
  stateKey: string,
): Promise<{ allow: boolean; reason: string }> {
  const { openStore } = await import('../store/open-store.js');
  const { decideCheck, parseStateObject, STORE_UNCONFIRMED } =
    await import('../strategy/runtime/check-decision.js');
  let store;
  try {
    store = await openStore(loaded.config, loaded.dataDir);
    const stored = await store.strategyState.get(stateKey);
    return decideCheck(
      stored === null ? null : parseStateObject(stored.doc, stateKey),
      key,
      Date.now(),
      loaded.config.strategy.staleAfterHours * 3_600_000,
    );
  } catch (err) {
    process.stderr.write(`warden: strategy state unreadable, failing open: ${(err as Error).message}\n`);
    return STORE_UNCONFIRMED;
  } finally {
    await store?.close();
  }
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

/**
 * `warden strategy block|unblock` in fleet mode: the override goes to the store's strategy state,
 * compare-and-set on the version just read; a concurrent change refuses it with what changed.
 */
async function overrideInStore(
  loaded: LoadedConfig,
  o: {
    key: string;
    action: 'block' | 'unblock';
    reason: string;
    by: string;
    stateKey: string;
    json?: boolean;
  },
): Promise<void> {
  const { openStore } = await import('../store/open-store.js');
  const { applyStoreOverride } = await import('../strategy/state/store-override.js');
  const store = await openStore(loaded.config, loaded.dataDir);
  try {
    let r;
    try {
      r = await applyStoreOverride({ repo: store.strategyState, ...o, now: Date.now() });
    } catch (err) {
      throw userError(err) ?? err;
    }
    if (!r.ok) {
      const what = r.since.map((e) => `${e.action}${e.key ? ` ${e.key}` : ''} by ${e.by}`).join('; ');
      throw new CliError(
        `the strategy state changed while this override was written (version ${r.expected} -> ${r.current}: ${what || 'unknown change'}); nothing was written: look at it and run the command again`,
      );
    }
    process.stderr.write(
      `warden: MANUAL OVERRIDE: ${o.key} ${r.previous ?? 'unknown'} -> ${r.entry.status} by ${o.by}: ${o.reason} (recorded in the store ${store.location}, version ${r.version}, with its audit row)\n`,
    );
    if (o.action === 'unblock')
      process.stderr.write(
        'warden: the next evaluation applies the rules again and may trip it back: trust the breaker\n',
      );
    if (r.stateStale)
      process.stderr.write(
        'warden: WARNING: the state is stale, so the runtime check fails open until the next evaluation\n',
      );
    if (o.json) out({ key: o.key, version: r.version, ...r.entry }, true);
  } finally {
    await store.close();
  }
}

/** `warden evaluate`: one evaluation of the trade log, its alerts, the state file written. */
function registerEvaluate(program: Command): void {
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
      const { evaluateStrategies } = await import('../strategy/evaluate/evaluate.js');
      const loaded = configFor(cmd);
      const options = evaluationOptions(loaded, f);
      const base = evaluateParamsFromConfig(loaded.config.strategy, loaded.dataDir, nowOf(f.now));
      const statePath = f.state !== undefined ? resolve(f.state) : base.statePath;
      const tradesPath = f.trades !== undefined ? resolve(f.trades) : base.tradesPath;
      const alerts = f.alert === true ? await openAlerts(cmd, loaded) : null;
      mkdirSync(loaded.dataDir, { recursive: true });
      let r: EvaluationResult;
      try {
        const params = { ...base, options, statePath, tradesPath, full: f.full === true };
        r =
          loaded.config.store.kind === 'postgres' && f.state === undefined
            ? await evaluateInFleet(loaded, params)
            : evaluateStrategies(params);
        await alerts?.transitions(r);
      } catch (err) {
        await alerts?.failed(err);
        throw userError(err) ?? err;
      } finally {
        await alerts?.close();
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
}

/** `warden evaluate`, `warden check`, `warden strategy block|unblock|shadow`, `warden tune`. */
export function registerStrategyCommands(program: Command): void {
  registerEvaluate(program);

  program
    .command('check <key>')
    .description('runtime check of one strategy: prints {"allow":…,"reason":…}; exit 0 allow, 3 deny')
    .option('--state <file>', 'state file')
    .option('--state-key <key>', 'top-level key of the state file')
    .action(async (key: string, f: { state?: string; stateKey?: string }, cmd: Command) => {
      const loaded = configFor(cmd);
      const s = loaded.config.strategy;
      if (loaded.config.store.kind === 'postgres' && f.state === undefined) {
        const r = await checkInStore(loaded, key, f.stateKey ?? s.stateKey);
        out({ allow: r.allow, reason: r.reason }, true);
        if (!r.allow) process.exitCode = 3;
        return;
      }
      const statePath = f.state !== undefined ? resolve(f.state) : pathsOf(loaded).state;
      const r = checkOnce(statePath, key, {
        stateKey: f.stateKey ?? s.stateKey,
        staleAfterMs: s.staleAfterHours * 3_600_000,
      });
      out({ allow: r.allow, reason: r.reason }, true);
      if (!r.allow) process.exitCode = 3;
    });

  registerOverrides(program);
  registerTune(program);
}

/** `warden strategy block|unblock` (manual overrides) and `warden strategy shadow record|resolve`. */
function registerOverrides(program: Command): void {
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
        async (
          key: string,
          f: { reason: string; by: string; state?: string; stateKey?: string; json?: boolean },
          cmd: Command,
        ) => {
          const loaded = configFor(cmd);
          const s = loaded.config.strategy;
          if (loaded.config.store.kind === 'postgres' && f.state === undefined) {
            await overrideInStore(loaded, { ...f, key, action, stateKey: f.stateKey ?? s.stateKey });
            return;
          }
          mkdirSync(loaded.dataDir, { recursive: true });
          const statePath = f.state !== undefined ? resolve(f.state) : pathsOf(loaded).state;
          let r;
          try {
            r = applyOverride({
              statePath,
              stateKey: f.stateKey ?? s.stateKey,
              auditPath: pathsOf(loaded).overrides,
              key,
              action,
              reason: f.reason,
              by: f.by,
              now: Date.now(),
            });
          } catch (err) {
            throw userError(err) ?? err;
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
      const ledger = new ShadowLedger(pathsOf(loaded).shadow);
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
      new ShadowLedger(pathsOf(loaded).shadow).resolve(id, num('--pnl', f.pnl) as number);
    });
}

/** `warden tune`: the walk-forward grid search (its module loaded only when it runs). */
function registerTune(program: Command): void {
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
          throw userError(err) ?? err;
        }
      },
    );
}
