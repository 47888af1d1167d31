import { z } from 'zod';

/** A ROI threshold: a fraction strictly between -1 and 1 (`-5` is -5 % typed as a percentage). */
const roiThreshold = z.number().refine(
  (x) => x > -1 && x < 1,
  (x) => ({
    message: `must be a fraction of the cost between -1 and 1 (got ${x}); did you mean ${x / 100} (${x} %)?`,
  }),
);

/** The `strategy` section: the performance breaker's evaluation and runtime check. */
export const strategySectionSchema = z
  .object({
    /** Trade log read by `warden evaluate` (JSON lines or CSV). */
    trades: z.string().default('trades.jsonl'),
    /** State file written by the evaluator, read by the runtime check (relative to the data dir). */
    state: z.string().default('strategy_state.json'),
    /** Top-level key of the state file; `sports` makes seed 000's Python reader work unchanged. */
    stateKey: z.string().min(1).default('strategies'),
    /** Column that names the group (strategy, sport, pair). */
    groupBy: z.string().min(1).default('sport'),
    /** Trip below this rolling ROI. */
    trip: roiThreshold.default(-0.05),
    /** Recover at or above this rolling ROI. */
    recover: roiThreshold.default(0),
    /**
     * What a blocked strategy recovers on: `shadow` (its logged shadow trades; Warden's rule) or
     * `trades` (its real trades, seed 000's rule, for a setup that logs no shadow trades).
     */
    recoveryBasis: z.enum(['shadow', 'trades']).default('shadow'),
    /** A trade stamped more than this many minutes after the evaluation time is a bad line. */
    futureToleranceMinutes: z.number().nonnegative().default(5),
    /** Below this many trades in the window the status is `monitor`. */
    minN: z.number().int().positive().default(30),
    /** Length of the rolling window in days. */
    windowDays: z.number().positive().default(30),
    /** The runtime check fails open when the state is older than this (hours). */
    staleAfterHours: z.number().positive().default(30),
    /** When the daemon (or the timer `warden install --timers` writes) runs the evaluation (croner syntax; `schedule` is its old, deprecated name). */
    cron: z.string().default('49 3 * * *'),
    /** Time zone of `cron`. */
    timezone: z.string().default('UTC'),
    /** Alert when no evaluation succeeded this long after a scheduled run (minutes). */
    missedRunGraceMinutes: z.number().nonnegative().default(60),
    /** Trade log format; `auto` picks CSV for a `.csv` file, JSON lines otherwise. */
    format: z.enum(['auto', 'jsonl', 'csv']).default('auto'),
    /** Names of the trade log's fields (seed 000's by default). */
    fields: z
      .object({
        ts: z.string().min(1).default('ts'),
        resolved: z.string().min(1).default('resolved'),
        pnl: z.string().min(1).default('pnl_c'),
        size: z.string().min(1).default('size'),
        entryPrice: z.string().min(1).default('entry_price_c'),
      })
      .strict()
      .default({}),
    /** Shadow-trade ledger (JSON lines, relative to the data dir). */
    shadow: z.string().default('shadow.jsonl'),
    /** Read only the new bytes of a log that only grew (cursor in the data dir). */
    incremental: z.boolean().default(true),
  })
  .strict();

export type StrategySection = z.infer<typeof strategySectionSchema>;
