import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../util/atomic-write.js';

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
  /** Set when Warden wrote the file: the store event it mirrors. */
  warden_event_id?: number;
  by?: string | null;
  source?: string;
}

/** What reading circuit.json found. */
export type CircuitRead =
  { kind: 'absent' } | { kind: 'ok'; value: CircuitFile } | { kind: 'corrupt'; error: string };

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
  if (typeof o['warden_event_id'] === 'number') value.warden_event_id = o['warden_event_id'];
  return { kind: 'ok', value };
}

/** Writes circuit.json atomically (temp, fsync, rename, directory fsync). */
export function writeCircuitFile(dataDir: string, value: CircuitFile): void {
  atomicWriteFileSync(circuitFilePath(dataDir), `${JSON.stringify(value, null, 2)}\n`);
}
