import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../util/atomic-write.js';

/** The seed's heartbeat file, `{at, iso, status, ...extra}`, with Warden's `name` added. */
export interface HeartbeatFile {
  /** Seconds since the epoch (Python's time.time()). */
  at: number;
  /** UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
  iso: string;
  status: string;
  [extra: string]: unknown;
}

export const HEARTBEAT_FILE = 'heartbeat.json';

/** `heartbeat.json` holds the latest beat of any name (seed 001); `heartbeat-NAME.json` one per name. */
export const heartbeatFilePath = (dataDir: string, name?: string): string =>
  join(dataDir, name === undefined ? HEARTBEAT_FILE : `heartbeat-${name}.json`);

/** Seconds-precision UTC time as the seed writes it. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Writes the heartbeat files atomically. */
export function writeHeartbeatFiles(
  dataDir: string,
  name: string,
  at: number,
  status: string,
  extra: Record<string, unknown>,
): void {
  const body: HeartbeatFile = { ...extra, at: at / 1000, iso: isoSeconds(at), status, name };
  const text = `${JSON.stringify(body)}\n`;
  atomicWriteFileSync(heartbeatFilePath(dataDir, name), text);
  atomicWriteFileSync(heartbeatFilePath(dataDir), text);
}

/** What reading a heartbeat file found; a corrupt file written by someone else is reported, never thrown. */
export type HeartbeatFileRead =
  { kind: 'absent' } | { kind: 'ok'; value: HeartbeatFile } | { kind: 'corrupt'; error: string };

export function readHeartbeatFile(path: string): HeartbeatFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'corrupt', error: (err as Error).message };
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (
      v &&
      typeof v === 'object' &&
      typeof (v as HeartbeatFile).at === 'number' &&
      Number.isFinite((v as HeartbeatFile).at)
    ) {
      const o = v as HeartbeatFile;
      return {
        kind: 'ok',
        value: { ...o, status: typeof o.status === 'string' ? o.status : String(o.status) },
      };
    }
    return { kind: 'corrupt', error: 'expected an object with a numeric "at"' };
  } catch (err) {
    return { kind: 'corrupt', error: `not JSON (${(err as Error).message})` };
  }
}
