import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { overrideEntry, type OverrideLogLine } from './override-log.js';
import { buildStateFile, entriesOf, readStateFile, writeStateFile } from './state-file.js';
import { lockState } from './state-lock.js';
import { sectionKeyOf } from './state-key.js';
import {
  ownEntry,
  setEntry,
  type GroupEntry,
  type OverrideRecord,
  type StateFile,
  type StrategyStatus,
} from '../types.js';

/** What a manual block or unblock asks for, wherever the state lives (a file, or the store in fleet mode). */
export interface OverrideRequest {
  readonly stateKey: string;
  readonly key: string;
  readonly action: 'block' | 'unblock';
  readonly reason: string;
  readonly by: string;
  readonly now: number;
}

/** What an override changed in a state document. */
export interface OverrideChange {
  /** The group's entry before the override, if it had one. */
  readonly previous: GroupEntry | undefined;
  readonly entry: GroupEntry;
  readonly record: OverrideRecord;
  /** The state's `as_of` is older than 30 h: the runtime check fails open until the next evaluation. */
  readonly stateStale: boolean;
}

/** Refuses an override without a key, reason or author, or with another action (RangeError naming the field). */
export function checkOverride(p: OverrideRequest): void {
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
}

/**
 * Applies an override to `state` in place, for the file and the store alike: the group's entry
 * gets the override record (`override: {action, reason, by, at}`, reason `manual_block` /
 * `manual_unblock`), its section is written under the key the state already uses, and `as_of`
 * is left alone so a manual edit never hides a broken schedule.
 */
export function overrideState(state: StateFile, p: OverrideRequest): OverrideChange {
  const sectionKey = sectionKeyOf(state, p.stateKey);
  const entries = Object.assign(
    Object.create(null) as Record<string, GroupEntry>,
    entriesOf(state, p.stateKey),
  );
  const previous = ownEntry(entries, p.key);
  const record: OverrideRecord = {
    action: p.action,
    reason: p.reason,
    by: p.by,
    at: new Date(p.now).toISOString(),
  };
  const entry = overrideEntry(previous, record);
  setEntry(entries, p.key, entry);
  state[sectionKey] = entries;
  return { previous, entry, record, stateStale: staleOf(state, p.now) };
}

/** A manual block or unblock of one group in the state file. */
export interface OverrideParams extends OverrideRequest {
  readonly statePath: string;
  /** Audit log (JSON lines), e.g. `<data dir>/strategy-overrides.jsonl`. */
  readonly auditPath: string;
  /** How long to wait for the state lock (an evaluation holds it only to read or write). */
  readonly lockWaitMs?: number;
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
 * The append and the write happen under the state lock, and an evaluation's writer applies
 * the log again under that lock, so an override made while an evaluation runs survives it.
 */
export function applyOverride(p: OverrideParams): OverrideResult {
  checkOverride(p);
  const release = lockState(p.statePath, p.lockWaitMs);
  try {
    const state = readStateFile(p.statePath) ?? buildStateFile(p.now, p.stateKey, {});
    const { previous, entry, record, stateStale } = overrideState(state, p);
    const line: OverrideLogLine = {
      at: record.at,
      action: p.action,
      key: p.key,
      reason: p.reason,
      by: p.by,
      previous_status: previous?.status ?? null,
      state: resolve(p.statePath),
    };
    appendFileSync(p.auditPath, `${JSON.stringify(line)}\n`);
    writeStateFile(p.statePath, state);
    return { previous: previous?.status ?? null, entry, stateStale };
  } finally {
    release();
  }
}

function staleOf(state: { as_of_unix?: unknown }, now: number): boolean {
  const asOf = typeof state.as_of_unix === 'number' ? state.as_of_unix * 1000 : 0;
  return now - asOf > 30 * 3_600_000;
}
