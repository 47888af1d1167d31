import type { StrategyStateRepo } from '../../store/store.js';
import type { NewStrategyStateEvent } from '../../store/shared-state-types.js';
import type { StateFile } from '../types.js';
import { evaluateStrategies, type EvaluateParams, type EvaluationResult } from './evaluate.js';
import { resolveEvaluationOptions } from './evaluation-options.js';

/** What an evaluation into the store produced: the run's result and the version it wrote. */
export interface StoreEvaluationResult extends EvaluationResult {
  readonly version: number;
  /** Runs needed: more than 1 when an override was written during a run (compare-and-set refused it). */
  readonly attempts: number;
}

/** Options of `evaluateIntoStore`. */
export interface EvaluateIntoStoreOptions {
  /** Who writes (the audit rows' `by`). Default `evaluator`. */
  readonly by?: string;
  /** Runs before giving up when every write is refused. Default 5. */
  readonly maxAttempts?: number;
}

/**
 * Fleet mode's evaluation: reads the previous state from the store, evaluates (the trade log, the
 * cursor and the shadow ledger as on one host; no state file), and writes the verdicts
 * compare-and-set on the version it read, with one audit row per trip / recovery and the
 * `strategy` notification in the same transaction. When an override was written meanwhile the
 * write is refused and the evaluation runs again on the new state (with a cursor this rereads
 * nothing), so a manual block or unblock is never lost to an evaluation.
 */
export async function evaluateIntoStore(
  p: EvaluateParams,
  repo: StrategyStateRepo,
  opts: EvaluateIntoStoreOptions = {},
): Promise<StoreEvaluationResult> {
  const name = resolveEvaluationOptions(p.options).stateKey;
  const by = opts.by ?? 'evaluator';
  const max = opts.maxAttempts ?? 5;
  let last: { expected: number; current: number } | null = null;
  for (let attempt = 1; attempt <= max; attempt++) {
    const stored = await repo.get(name);
    const expected = stored?.version ?? 0;
    const r = evaluateStrategies({ ...p, previous: (stored?.doc as StateFile | undefined) ?? null });
    const events: NewStrategyStateEvent[] = [
      {
        action: 'evaluate',
        key: null,
        reason: `evaluation: ${Object.keys(r.entries).length} key(s), ${r.transitions.length} change(s)`,
        by,
        at: p.now,
      },
      ...r.transitions.map((t) => ({
        action: 'evaluate' as const,
        key: t.key,
        reason: `${t.kind}: ${t.from ?? 'new'} -> ${t.to} (${t.reason})`,
        by,
        at: p.now,
      })),
    ];
    const w = await repo.put(name, expected, r.state, events, by);
    if (w.ok) return { ...r, version: w.state.version, attempts: attempt };
    last = { expected, current: w.current?.version ?? 0 };
  }
  throw new Error(
    `strategy state ${name}: every write was refused (${max} runs; version ${last?.expected ?? 0} -> ${last?.current ?? 0}): something writes the state continuously`,
  );
}
