import { appendFileSync } from 'node:fs';
import { buildStateFile, entriesOf, readStateFile, writeStateFile } from './state-file.js';
import type { GroupEntry, OverrideRecord, StrategyStatus } from './types.js';

/** A manual block or unblock of one group. */
export interface OverrideParams {
  readonly statePath: string;
  readonly stateKey: string;
  /** Audit log (JSON lines), e.g. `<data dir>/strategy-overrides.jsonl`. */
  readonly auditPath: string;
  readonly key: string;
  readonly action: 'block' | 'unblock';
  readonly reason: string;
  readonly by: string;
  readonly now: number;
}

/** What the override changed. */
export interface OverrideResult {
  readonly previous: StrategyStatus | null;
  readonly entry: GroupEntry;
  /** The state's `as_of` is older than 30 h: the runtime check fails open until the next evaluation. */
  readonly stateStale: boolean;
}

/**
 * Blocks or unblocks a group by hand. The override is written into the group's entry
 * (`override: {action, reason, by, at}`, reason `manual_block` / `manual_unblock`) and
 * appended to an audit log. A manual block holds across evaluations until unblocked; a
 * manual unblock lasts until the next evaluation applies the rules again (trust the breaker).
 * The state's `as_of` is left alone so a manual edit never hides a broken schedule.
 */
export function applyOverride(p: OverrideParams): OverrideResult {
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
  const state = readStateFile(p.statePath) ?? buildStateFile(p.now, p.stateKey, {});
  const entries = { ...entriesOf(state, p.stateKey) };
  const prev = entries[p.key];
  const at = new Date(p.now).toISOString();
  const override: OverrideRecord = { action: p.action, reason: p.reason, by: p.by, at };
  const base = prev ?? { status: 'active' as const, roi_30d: null, n_30d: 0 };
  const entry: GroupEntry =
    p.action === 'block'
      ? {
          ...base,
          status: 'blocked',
          reason: 'manual_block',
          tripped_at: prev?.status === 'blocked' ? (prev.tripped_at ?? at) : at,
          override,
        }
      : { ...base, status: 'active', reason: 'manual_unblock', override };
  delete entry.note;
  entries[p.key] = entry;
  state[p.stateKey] = entries;
  const line = {
    at,
    action: p.action,
    key: p.key,
    reason: p.reason,
    by: p.by,
    previous_status: prev?.status ?? null,
    state: p.statePath,
  };
  appendFileSync(p.auditPath, `${JSON.stringify(line)}\n`);
  writeStateFile(p.statePath, state);
  const asOf = typeof state.as_of_unix === 'number' ? state.as_of_unix * 1000 : 0;
  return { previous: prev?.status ?? null, entry, stateStale: p.now - asOf > 30 * 3_600_000 };
}
