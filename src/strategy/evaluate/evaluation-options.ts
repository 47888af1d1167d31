/** Names of the trade log's fields (seed 000's schema by default). */
export interface TradeFields {
  readonly ts: string;
  readonly resolved: string;
  readonly pnl: string;
  readonly size: string;
  readonly entryPrice: string;
}

/** Options of one evaluation; every threshold as in seed 000 by default. */
export interface EvaluationOptions {
  /** Column naming the group (strategy, sport, pair). Default `sport`. */
  readonly groupBy: string;
  readonly fields: TradeFields;
  /** `jsonl` (default) or `csv` (first line is the header). `auto` picks by file extension. */
  readonly format: 'jsonl' | 'csv' | 'auto';
  /** Trip below this ROI. Default -0.05. */
  readonly trip: number;
  /** Recover at or above this ROI. Default 0. */
  readonly recover: number;
  /** Minimum trades in the window. Default 30. */
  readonly minN: number;
  /** Window length in days. Default 30. */
  readonly windowDays: number;
  /** Top-level key of the state file. Default `strategies`. */
  readonly stateKey: string;
  /**
   * What a blocked strategy recovers on: `shadow` (default; Warden's rule) or `trades` (seed
   * 000's rule, for a setup that logs no shadow trades).
   */
  readonly recoveryBasis: 'shadow' | 'trades';
  /** A trade stamped more than this after the evaluation time is a bad line. Default 5 min. */
  readonly futureToleranceMs: number;
}

export const DEFAULT_FIELDS: TradeFields = Object.freeze({
  ts: 'ts',
  resolved: 'resolved',
  pnl: 'pnl_c',
  size: 'size',
  entryPrice: 'entry_price_c',
});

export const DEFAULT_EVALUATION_OPTIONS: EvaluationOptions = Object.freeze({
  groupBy: 'sport',
  fields: DEFAULT_FIELDS,
  format: 'auto',
  trip: -0.05,
  recover: 0,
  minN: 30,
  windowDays: 30,
  stateKey: 'strategies',
  recoveryBasis: 'shadow',
  futureToleranceMs: 5 * 60_000,
});

function bad(option: string, value: unknown, want: string): RangeError {
  return new RangeError(`${option} must be ${want} (got ${JSON.stringify(value) ?? String(value)})`);
}

/** Merges `opts` over the defaults, validates and freezes; a bad value throws a RangeError naming it. */
export function resolveEvaluationOptions(opts: Partial<EvaluationOptions> = {}): EvaluationOptions {
  const o = { ...DEFAULT_EVALUATION_OPTIONS, ...opts };
  const fields = Object.freeze({ ...DEFAULT_FIELDS, ...(opts.fields ?? {}) });
  if (!Number.isFinite(o.trip)) throw bad('trip', o.trip, 'a finite number');
  if (!Number.isFinite(o.recover)) throw bad('recover', o.recover, 'a finite number');
  for (const name of ['trip', 'recover'] as const) {
    const hint = roiFractionHint(o[name]);
    if (hint !== null) throw new RangeError(`${name} ${hint}`);
  }
  if (o.recover < o.trip) throw bad('recover', o.recover, `>= trip (${o.trip})`);
  if (o.recoveryBasis !== 'shadow' && o.recoveryBasis !== 'trades')
    throw bad('recoveryBasis', o.recoveryBasis, 'shadow or trades');
  if (!Number.isFinite(o.futureToleranceMs) || o.futureToleranceMs < 0)
    throw bad('futureToleranceMs', o.futureToleranceMs, 'a number of ms >= 0');
  if (!Number.isInteger(o.minN) || o.minN < 1) throw bad('minN', o.minN, 'an integer >= 1');
  if (!Number.isFinite(o.windowDays) || o.windowDays <= 0)
    throw bad('windowDays', o.windowDays, 'a number > 0');
  if (typeof o.groupBy !== 'string' || o.groupBy === '') throw bad('groupBy', o.groupBy, 'a field name');
  if (
    typeof o.stateKey !== 'string' ||
    o.stateKey === '' ||
    o.stateKey === 'as_of' ||
    o.stateKey === 'as_of_unix'
  )
    throw bad('stateKey', o.stateKey, 'a key other than as_of / as_of_unix');
  if (o.format !== 'jsonl' && o.format !== 'csv' && o.format !== 'auto')
    throw bad('format', o.format, 'jsonl, csv or auto');
  for (const [k, v] of Object.entries(fields))
    if (typeof v !== 'string' || v === '') throw bad(`fields.${k}`, v, 'a field name');
  return Object.freeze({ ...o, fields });
}

/**
 * Null when `x` is a plausible ROI threshold (a fraction strictly between -1 and 1), else the
 * rest of an error message with a hint: `-5` is almost always -5 % typed as a percentage.
 */
export function roiFractionHint(x: number): string | null {
  if (x > -1 && x < 1) return null;
  return `must be a fraction of the cost between -1 and 1 (got ${x}, which is ${x * 100} %); did you mean ${x / 100} (${x} %)?`;
}
