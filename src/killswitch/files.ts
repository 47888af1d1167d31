import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync, overwriteInPlaceSync } from '../util/atomic-write.js';
import { isNoSpaceError } from '../store/space-reserve.js';

/** Names of the kill switch's files in the data dir. */
export const STOP_FILE = 'STOP';
export const CIRCUIT_FILE = 'circuit.json';

export const stopFilePath = (dataDir: string): string => join(dataDir, STOP_FILE);
export const circuitFilePath = (dataDir: string): string => join(dataDir, CIRCUIT_FILE);

/** The seed's circuit.json, plus Warden's own fields (it never renames the seed's). */
export interface CircuitFile {
  paused: boolean;
  reason: string | null;
  /** Seconds since the epoch, as Python's time.time() (seed 001). */
  since: number | null;
  /**
   * Set (possibly null) when Warden wrote the file: the newest store event it had read. Absent
   * means someone else wrote the file (a seed script, a person with an editor).
   */
  warden_event_id?: number | null;
  by?: string | null;
  /** What the halt (or the running state) came from: `store`, `stop_file`, `memory`, `unreadable`... */
  source?: string;
}

/** What reading circuit.json found. */
export type CircuitRead =
  | { kind: 'absent' }
  | { kind: 'ok'; value: CircuitFile; byWarden: boolean }
  | { kind: 'corrupt'; error: string };

/** Reads circuit.json; a file someone else wrote that is not valid is reported as corrupt, never thrown. */
export function readCircuitFile(dataDir: string): CircuitRead {
  let text: string;
  try {
    text = readFileSync(circuitFilePath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'corrupt', error: `cannot read: ${(err as Error).message}` };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { kind: 'corrupt', error: `not JSON (${(err as Error).message})` };
  }
  if (v === null || typeof v !== 'object' || typeof (v as { paused?: unknown }).paused !== 'boolean') {
    return { kind: 'corrupt', error: 'expected an object with a boolean "paused"' };
  }
  const o = v as Record<string, unknown>;
  const value: CircuitFile = {
    paused: o['paused'] as boolean,
    reason: typeof o['reason'] === 'string' ? o['reason'] : null,
    since: typeof o['since'] === 'number' ? o['since'] : null,
  };
  const id = o['warden_event_id'];
  const byWarden = 'warden_event_id' in o && (id === null || typeof id === 'number');
  if (byWarden) value.warden_event_id = id as number | null;
  if (typeof o['by'] === 'string') value.by = o['by'];
  if (typeof o['source'] === 'string') value.source = o['source'];
  return { kind: 'ok', value, byWarden };
}

/**
 * Writes circuit.json atomically (temp, fsync, rename, directory fsync). On a full disk it
 * calls `onNoSpace` once (which may free space: the reserve) and retries, then falls back to
 * rewriting the existing file in place, which needs no new block. Throws when all fail.
 */
export function writeCircuitFile(dataDir: string, value: CircuitFile, onNoSpace?: () => boolean): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    atomicWriteFileSync(circuitFilePath(dataDir), text);
    return;
  } catch (err) {
    if (!isNoSpaceError(err)) throw err;
    if (onNoSpace?.()) {
      try {
        atomicWriteFileSync(circuitFilePath(dataDir), text);
        return;
      } catch (again) {
        if (!isNoSpaceError(again)) throw again;
      }
    }
    overwriteInPlaceSync(circuitFilePath(dataDir), text);
  }
}

/** The STOP file, if present: when it appeared and the first line written in it (a reason). */
export function readStopFile(dataDir: string): { mtimeMs: number; note: string } | null {
  try {
    const st = statSync(stopFilePath(dataDir));
    let note = '';
    try {
      note = readFileSync(stopFilePath(dataDir), 'utf8').slice(0, 500).split('\n')[0]!.trim();
    } catch {
      /* unreadable contents: the file's presence is what counts */
    }
    return { mtimeMs: st.mtimeMs, note };
  } catch {
    return null;
  }
}

/**
 * Creates the STOP file (an empty file needs no data block, so this works on a full disk), then
 * tries to write `note` in it. Returns whether the file exists afterwards.
 */
export function createStopFile(dataDir: string, note: string): boolean {
  let fd: number;
  try {
    fd = openSync(stopFilePath(dataDir), 'wx');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST';
  }
  try {
    writeSync(fd, `${note.replace(/\s+/g, ' ').slice(0, 400)}\n`);
  } catch {
    /* full disk: the empty file still halts */
  } finally {
    closeSync(fd);
  }
  return true;
}
