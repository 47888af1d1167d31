import { isAbsolute, resolve } from 'node:path';
import type { StrategySection } from '../config/strategy-section.js';
import type { EvaluateParams } from './evaluate/evaluate.js';
import type { EvaluationOptions } from './evaluate/evaluation-options.js';

/** Where the breaker's files live for a config: the same rules for the CLI and the daemon. */
export interface StrategyPaths {
  /** The trade log (relative to the working directory). */
  readonly trades: string;
  /** The state file (relative to the data dir). */
  readonly state: string;
  /** The shadow-trade ledger (relative to the data dir). */
  readonly shadow: string;
  /** The incremental cursor, or null when `incremental` is off. */
  readonly cursor: string | null;
  /** The audit log of manual overrides. */
  readonly overrides: string;
}

function inDir(dir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dir, p);
}

/** Resolves the strategy section's paths against the data dir. */
export function strategyPaths(s: StrategySection, dataDir: string, cwd = process.cwd()): StrategyPaths {
  return {
    trades: inDir(cwd, s.trades),
    state: inDir(dataDir, s.state),
    shadow: inDir(dataDir, s.shadow),
    cursor: s.incremental ? resolve(dataDir, 'strategy-cursor.json') : null,
    overrides: resolve(dataDir, 'strategy-overrides.jsonl'),
  };
}

/** The evaluation options of a strategy section. */
export function evaluationOptionsOf(s: StrategySection): EvaluationOptions {
  return {
    groupBy: s.groupBy,
    fields: s.fields,
    format: s.format,
    trip: s.trip,
    recover: s.recover,
    minN: s.minN,
    windowDays: s.windowDays,
    stateKey: s.stateKey,
    recoveryBasis: s.recoveryBasis,
    futureToleranceMs: s.futureToleranceMinutes * 60_000,
  };
}

/** Parameters of one evaluation at `now` from a config section: what the daemon's schedule runs. */
export function evaluateParamsFromConfig(s: StrategySection, dataDir: string, now: number): EvaluateParams {
  const p = strategyPaths(s, dataDir);
  return {
    tradesPath: p.trades,
    statePath: p.state,
    now,
    options: evaluationOptionsOf(s),
    shadowPath: p.shadow,
    cursorPath: p.cursor,
    overridesPath: p.overrides,
  };
}
