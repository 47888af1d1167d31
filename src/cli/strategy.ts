import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
// Deep imports, and the evaluator and the tuner loaded by their commands only: `warden check` is
// on a bot's hot path (see commands.ts).
import { applyOverride } from '../strategy/state/manual-override.js';
import { checkOnce } from '../strategy/runtime/strategy-breaker.js';
import { ShadowLedger } from '../strategy/shadow/shadow-ledger.js';
import { strategyPaths } from '../strategy/from-config.js';
import { roiFractionHint } from '../strategy/evaluate/evaluation-options.js';
import { DEFAULT_TUNE_GRID } from '../strategy/tune/tune-grid.js';
import { CliError } from './cli-error.js';
import { registerEvaluate } from './evaluate-command.js';
import { nowOf, num, numList, userError } from './strategy-args.js';
import { configFor, out } from './context.js';
import type { LoadedConfig } from '../config/index.js';

/** The strategy section's files for a loaded config (strategy/from-config.ts's rules). */
const pathsOf = (loaded: LoadedConfig) => strategyPaths(loaded.config.strategy, loaded.dataDir);

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
      .action(async (key: string, f: OverrideFlags, cmd: Command) => override(key, action, f, cmd));
  }
  registerShadow(group);
}

interface OverrideFlags {
  reason: string;
  by: string;
  state?: string;
  stateKey?: string;
  json?: boolean;
}

/** One block or unblock: in the store in fleet mode (unless `--state` names a file), else in the state file and its audit log. */
async function override(
  key: string,
  action: 'block' | 'unblock',
  f: OverrideFlags,
  cmd: Command,
): Promise<void> {
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
}

/** `warden strategy shadow record|resolve`: rejected signals and their would-be outcomes. */
function registerShadow(group: Command): void {
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
