import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ownEntry, setEntry, type GroupEntry, type OverrideRecord } from '../types.js';

/** One line of the override log (`strategy-overrides.jsonl`), as `warden strategy block|unblock` appends it. */
export interface OverrideLogLine {
  readonly at: string;
  readonly action: 'block' | 'unblock';
  readonly key: string;
  readonly reason: string;
  readonly by: string;
  readonly previous_status: string | null;
  /** The state file the override is for (absolute). */
  readonly state: string;
}

/** The last override of one key, and where its line starts in the log. */
export interface LastOverride {
  readonly record: OverrideRecord;
  readonly offset: number;
}

/** Bytes in the override log now (0 when it does not exist): what an evaluation has seen. */
export function overrideLogSize(path: string | null): number {
  if (path === null) return 0;
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * The last override per key for `statePath`, read from the log. Lines for another state file
 * and lines that are not overrides are skipped; a last line without its newline is an append
 * in progress, but the writer holds the state lock then, so a reader under the lock never sees one.
 */
export function lastOverrides(path: string | null, statePath: string): Map<string, LastOverride> {
  const out = new Map<string, LastOverride>();
  if (path === null) return out;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  const want = resolve(statePath);
  let offset = 0;
  for (const line of text.split('\n')) {
    const at = offset;
    offset += Buffer.byteLength(line, 'utf8') + 1;
    if (line.trim() === '') continue;
    let o: Partial<OverrideLogLine>;
    try {
      o = JSON.parse(line) as Partial<OverrideLogLine>;
    } catch {
      continue;
    }
    if (o === null || typeof o !== 'object') continue;
    if (o.action !== 'block' && o.action !== 'unblock') continue;
    if (typeof o.key !== 'string' || typeof o.at !== 'string') continue;
    if (typeof o.state === 'string' && resolve(o.state) !== want) continue;
    out.set(o.key, {
      record: { action: o.action, reason: String(o.reason ?? ''), by: String(o.by ?? ''), at: o.at },
      offset: at,
    });
  }
  return out;
}

/** The entry of a group after an override, built on its current entry (or a blank one). */
export function overrideEntry(base: GroupEntry | undefined, o: OverrideRecord): GroupEntry {
  const b: GroupEntry = base ?? { status: 'active', roi_30d: null, n_30d: 0 };
  const entry: GroupEntry =
    o.action === 'block'
      ? {
          ...b,
          status: 'blocked',
          reason: 'manual_block',
          tripped_at: b.status === 'blocked' ? (b.tripped_at ?? o.at) : o.at,
          override: o,
        }
      : { ...b, status: 'active', reason: 'manual_unblock', override: o };
  delete entry.note;
  return entry;
}

/**
 * Applies the override log to freshly decided entries, as the state's writer does under the
 * state lock: a key whose last override is a block is blocked (a block holds until an
 * unblock, whenever it was made); a key whose last override is an unblock made after the
 * evaluation read its inputs (`seen` bytes of the log) is unblocked until the next evaluation.
 * Returns the keys it changed.
 */
export function applyOverrideLog(
  entries: Record<string, GroupEntry>,
  last: ReadonlyMap<string, LastOverride>,
  seen: number,
): Set<string> {
  const changed = new Set<string>();
  for (const [key, { record, offset }] of last) {
    if (record.action === 'unblock' && offset < seen) continue; // the rules already ran after it
    const cur = ownEntry(entries, key);
    if (
      record.action === 'block' &&
      cur?.status === 'blocked' &&
      cur.override?.action === 'block' &&
      cur.override.at === record.at
    )
      continue;
    setEntry(entries, key, overrideEntry(cur, record));
    changed.add(key);
  }
  return changed;
}
