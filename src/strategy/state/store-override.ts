import type { StrategyStateRepo } from '../../store/store.js';
import type { StrategyStateEvent } from '../../store/shared-state-types.js';
import { checkOverride, overrideState, type OverrideRequest } from './manual-override.js';
import { buildStateFile } from './state-file.js';
import type { GroupEntry, StateFile, StrategyStatus } from '../types.js';

/** A manual block or unblock written to the store's strategy state (fleet mode). */
export interface StoreOverrideParams extends OverrideRequest {
  readonly repo: StrategyStateRepo;
  /**
   * The version the caller decided on (what it showed the person). Default: the version read
   * here. Either way the write is compare-and-set on it.
   */
  readonly expectedVersion?: number;
}

/** What the override did: written at `version`, or refused because the state changed since `expected`. */
export type StoreOverrideResult =
  | {
      readonly ok: true;
      readonly previous: StrategyStatus | null;
      readonly entry: GroupEntry;
      readonly version: number;
      readonly stateStale: boolean;
    }
  | {
      readonly ok: false;
      readonly expected: number;
      readonly current: number;
      /** The changes written since `expected`, oldest first. */
      readonly since: readonly StrategyStateEvent[];
    };

/**
 * Blocks or unblocks a group in the store, as `applyOverride` does in the file: the entry gets the
 * override record, an audit row is written with it, and `pg_notify` wakes every process in the
 * same transaction. Compare-and-set on the state's version: of two overrides racing on one
 * version one wins and the other is refused with what changed, so an unblock never silently
 * undoes a block it did not see. The evaluation keeps a manual block (decide.ts).
 */
export async function applyStoreOverride(p: StoreOverrideParams): Promise<StoreOverrideResult> {
  checkOverride(p);
  const stored = await p.repo.get(p.stateKey);
  const expected = p.expectedVersion ?? stored?.version ?? 0;
  const state: StateFile =
    stored === null ? buildStateFile(p.now, p.stateKey, {}) : (structuredClone(stored.doc) as StateFile);
  const { previous, entry, stateStale } = overrideState(state, p);
  const r = await p.repo.put(
    p.stateKey,
    expected,
    state,
    [{ action: p.action, key: p.key, reason: p.reason, by: p.by, at: p.now }],
    p.by,
  );
  if (!r.ok) return { ok: false, expected, current: r.current?.version ?? 0, since: r.since };
  return { ok: true, previous: previous?.status ?? null, entry, version: r.state.version, stateStale };
}
