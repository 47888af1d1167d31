import { storeAdvice } from './store-advice.js';
import type { SpaceReserve } from '../store/index.js';
import { circuitFilePath, createStopFile, writeCircuitFile, type CircuitFile } from './files.js';
import { unwritableDetail } from '../util/unwritable.js';

const lastMirrorError = new Map<string, string>();

/**
 * Writes circuit.json (the mirror other programs read); on a full disk releases the reserve,
 * then rewrites in place. Never throws: a mirror that cannot be written is shouted, once per
 * distinct error, because a reader of circuit.json would otherwise trade on a stale file.
 */
export function mirrorCircuit(
  dataDir: string,
  value: CircuitFile,
  reserve: SpaceReserve | undefined,
  shout: (line: string) => void,
): boolean {
  try {
    writeCircuitFile(dataDir, value, () => reserve?.release() ?? false);
    lastMirrorError.delete(dataDir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
    const detail = denied ? unwritableDetail(circuitFilePath(dataDir)) : null;
    const msg = `${(err as Error).message}${detail === null ? '' : `; ${detail}`}`;
    if (lastMirrorError.get(dataDir) !== msg) {
      lastMirrorError.set(dataDir, msg);
      shout(
        `warden: CANNOT WRITE circuit.json in ${dataDir} (${msg}): readers of circuit.json may not see that trading is ${value.paused ? 'HALTED' : 'running'}`,
      );
    }
    return false;
  }
}

/** What a halt that the store could not record needs. */
export interface FileHaltRequest {
  readonly reason: string;
  readonly by: string;
  readonly at: number;
  /** The newest store event known when it tripped (null when none or unreadable). */
  readonly baseId: number | null;
  /** Why the store could not record it. */
  readonly error: string;
  readonly reserve?: SpaceReserve | undefined;
  /** The caller keeps the halt in memory (a long-running process), so readers it serves see it. */
  readonly inMemory: boolean;
  readonly shout: (line: string) => void;
}

/**
 * Halts by the paths that need no space: creates the STOP file (an empty file needs no data
 * block), mirrors the halt into circuit.json (source `memory`), and shouts on stderr. Returns
 * what now halts.
 */
export function haltByFiles(dataDir: string, r: FileHaltRequest): string[] {
  const by: string[] = [];
  if (createStopFile(dataDir, `${r.reason} (tripped by ${r.by}; not recorded: ${r.error})`))
    by.push('STOP file');
  const mirrored = mirrorCircuit(
    dataDir,
    {
      paused: true,
      reason: r.reason,
      since: r.at / 1000,
      warden_event_id: r.baseId,
      by: r.by,
      source: 'memory',
    },
    r.reserve,
    r.shout,
  );
  if (mirrored) by.push('circuit.json');
  if (r.inMemory) by.push('memory');
  const denied = by.length > 0 ? null : unwritableDetail(dataDir);
  r.shout(
    `warden: KILL SWITCH TRIPPED BUT NOT RECORDED: the store cannot be written (${r.error}). ${by.length > 0 ? `Trading is halted by ${by.join(', ')}` : 'NOTHING could be written to halt trading'}: ${r.reason}.${denied === null ? '' : ` ${denied}.`} ${storeAdvice(r.error, dataDir)}`,
  );
  return by;
}
