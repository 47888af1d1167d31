import type { StrategyStateRepo } from '../../store/store.js';
import type { StrategyStateEvent } from '../../store/shared-state-types.js';
import { overrideEntry } from './override-log.js';
import { buildStateFile, entriesOf } from './state-file.js';
import { sectionKeyOf } from './state-key.js';
import {
  ownEntry,
  setEntry,
  type GroupEntry,
  type OverrideRecord,
  type StateFile,
  type StrategyStatus,
} from '../types.js';

/** A manual block or unblock written to the store's strategy state (fleet mode). */
export interface StoreOverrideParams {
  readonly repo: StrategyStateRepo;
  readonly stateKey: string;
  readonly key: string;
  readonly action: 'block' | 'unblock';
  readonly reason: string;
  readonly by: string;
  readonly now: number;
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
  for (const [name, v] of [
    ['key', p.key],
    ['reason', p.reason],
    ['by', p.by],
  ] as const) {
    if (typeof v !== 'string' || v.trim() === '')
      throw new RangeError(`${name} must be a non-empty string (got ${JSON.stringify(v)})`);
  }
  if (p.action !== 'block' && p.action !== 'unblock')
    throw new RangeError(`action must be block or unblock (got ${String(p.action)})`);
  const stored = await p.repo.get(p.stateKey);
  const expected = p.expectedVersion ?? stored?.version ?? 0;
  const state: StateFile =
    stored === null ? buildStateFile(p.now, p.stateKey, {}) : (structuredClone(stored.doc) as StateFile);
  const sectionKey = sectionKeyOf(state, p.stateKey);
  const entries = Object.assign(
    Object.create(null) as Record<string, GroupEntry>,
    entriesOf(state, p.stateKey),
  );
  const prev = ownEntry(entries, p.key);
  const at = new Date(p.now).toISOString();
  const override: OverrideRecord = { action: p.action, reason: p.reason, by: p.by, at };
  const entry = overrideEntry(prev, override);
  setEntry(entries, p.key, entry);
  state[sectionKey] = entries;
  const r = await p.repo.put(
    p.stateKey,
    expected,
    state,
    [{ action: p.action, key: p.key, reason: p.reason, by: p.by, at: p.now }],
    p.by,
  );
  if (!r.ok) return { ok: false, expected, current: r.current?.version ?? 0, since: r.since };
  const asOf = typeof state.as_of_unix === 'number' ? state.as_of_unix * 1000 : 0;
  return {
    ok: true,
    previous: prev?.status ?? null,
    entry,
    version: r.state.version,
    stateStale: p.now - asOf > 30 * 3_600_000,
  };
}
