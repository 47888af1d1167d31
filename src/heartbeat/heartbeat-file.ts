import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../util/atomic-write.js';

/** The seed's heartbeat file, `{at, iso, status, ...extra}`, with Warden's `name` and `writer` added. */
export interface HeartbeatFile {
  /** Seconds since the epoch (Python's time.time()). */
  at: number;
  /** UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
  iso: string;
  status: string;
  [extra: string]: unknown;
}

export const HEARTBEAT_FILE = 'heartbeat.json';

/** The `writer` field of every heartbeat file Warden writes, so a watchdog can tell them from the bot's. */
export const WARDEN_WRITER = 'warden';

/** The name whose beats write `heartbeat.json` when nothing else is configured. */
export const DEFAULT_BOT_HEARTBEAT = 'bot';

/** `heartbeat.json` holds the bot's own beat (seed 001); `heartbeat-NAME.json` one per name. */
export const heartbeatFilePath = (dataDir: string, name?: string): string =>
  join(dataDir, name === undefined ? HEARTBEAT_FILE : `heartbeat-${name}.json`);

/** Which heartbeat files a writer may write. */
export interface HeartbeatFilePolicy {
  /** The heartbeat whose beats also write `heartbeat.json` (the bot's own); null: no name does. */
  readonly botHeartbeat: string | null;
  /** Files some heartbeat is watched through (`"file"`): Warden never writes them. */
  readonly watchedFiles: readonly string[];
}

/** The policy when nothing is configured: `bot` writes heartbeat.json, nothing is watched. */
export const DEFAULT_HEARTBEAT_FILE_POLICY: HeartbeatFilePolicy = Object.freeze({
  botHeartbeat: DEFAULT_BOT_HEARTBEAT,
  watchedFiles: Object.freeze([]) as readonly string[],
});

/** Where a `file` heartbeat is read from: relative paths are relative to the data dir. */
export const resolveHeartbeatFile = (dataDir: string, file: string): string =>
  isAbsolute(file) ? file : resolve(dataDir, file);

/** The path with symlinks resolved (of its folder when it does not exist yet), for comparing. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** The files a beat of `name` writes under `policy`: never one a heartbeat is watched through. */
export function heartbeatFileTargets(dataDir: string, name: string, policy: HeartbeatFilePolicy): string[] {
  const wanted = [heartbeatFilePath(dataDir, name)];
  if (policy.botHeartbeat !== null && name === policy.botHeartbeat) wanted.push(heartbeatFilePath(dataDir));
  if (policy.watchedFiles.length === 0) return wanted;
  const watched = new Set(policy.watchedFiles.map(canonical));
  return wanted.filter((p) => !watched.has(canonical(p)));
}

/** Seconds-precision UTC time as the seed writes it. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Writes the heartbeat files of one beat atomically; returns the paths written. */
export function writeHeartbeatFiles(
  dataDir: string,
  name: string,
  at: number,
  status: string,
  extra: Record<string, unknown>,
  policy: HeartbeatFilePolicy = DEFAULT_HEARTBEAT_FILE_POLICY,
): string[] {
  const body: HeartbeatFile = {
    ...extra,
    at: at / 1000,
    iso: isoSeconds(at),
    status,
    name,
    writer: WARDEN_WRITER,
  };
  const text = `${JSON.stringify(body)}\n`;
  const targets = heartbeatFileTargets(dataDir, name, policy);
  for (const path of targets) atomicWriteFileSync(path, text);
  return targets;
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
