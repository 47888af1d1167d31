import { readFileSync } from 'node:fs';
import { atomicWriteFileSync } from '../../util/atomic-write.js';
import type { GroupEntry, StateFile } from '../types.js';
import { StateFileError } from './state-file-error.js';
import { isSection, sectionKeyOf } from './state-key.js';

/**
 * Reads a state file; null when it does not exist. A file that exists but is not a JSON
 * object throws: unlike the seed (which starts afresh), the evaluator must not forget which
 * strategies were blocked because the file was damaged.
 */
export function readStateFile(path: string): StateFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`${path}: cannot read the state file (${(err as Error).message})`, {
      cause: err,
    });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(
      `${path}: the state file is not valid JSON (${(err as Error).message}); restore it or delete it to start afresh`,
      { cause: err },
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new StateFileError(`${path}: the state file is not a JSON object; restore it or delete it`);
  return v as StateFile;
}

/** The entries under `stateKey`, or under the other known key when only that one is there (empty when absent). */
export function entriesOf(state: StateFile | null, stateKey: string): Record<string, GroupEntry> {
  if (state === null) return {};
  const v = state[sectionKeyOf(state, stateKey)];
  if (!isSection(v)) return {};
  return v as Record<string, GroupEntry>;
}

/** Builds the state file's object in the seed's layout (`as_of`, `as_of_unix`, `<stateKey>`). */
export function buildStateFile(
  nowMs: number,
  stateKey: string,
  entries: Record<string, GroupEntry>,
  meta?: Record<string, unknown>,
): StateFile {
  const state: StateFile = {
    as_of: new Date(nowMs).toISOString(),
    as_of_unix: Math.floor(nowMs / 1000),
    [stateKey]: entries,
  };
  if (meta !== undefined) state['warden'] = meta;
  return state;
}

/** Writes the state atomically (temp, fsync, rename, fsync dir), indented as the seed does. */
export function writeStateFile(path: string, state: StateFile): void {
  atomicWriteFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}
