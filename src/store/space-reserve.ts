import { closeSync, fsyncSync, openSync, statSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';

/** The reserve file's name in the data dir. */
export const RESERVE_FILE = '.warden-reserve';
/** Its size: room for a trip, its audit row, circuit.json and a few outbox rows. */
export const DEFAULT_RESERVE_BYTES = 256 * 1024;

/** True when `err` (or its cause) says the disk is full (ENOSPC, SQLITE_FULL, EDQUOT). */
export function isNoSpaceError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Free bytes on the filesystem holding `dir`, or null when it cannot be asked. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/**
 * A preallocated file of zeros in the data dir, released (deleted) when a write the kill switch
 * needs fails for lack of space, so the trip, its audit row and circuit.json can still be written.
 * Re-created when the disk has room again.
 */
export class SpaceReserve {
  readonly path: string;
  readonly #dir: string;
  readonly #bytes: number;

  constructor(dataDir: string, bytes: number = DEFAULT_RESERVE_BYTES) {
    if (!(Number.isInteger(bytes) && bytes > 0))
      throw new RangeError(`reserve bytes: expected a positive integer, got ${bytes}`);
    this.#dir = dataDir;
    this.#bytes = bytes;
    this.path = join(dataDir, RESERVE_FILE);
  }

  /** Whether the reserve file is there at its full size. */
  present(): boolean {
    try {
      return statSync(this.path).size >= this.#bytes;
    } catch {
      return false;
    }
  }

  /**
   * Creates the reserve when it is missing and the disk has at least twice its size free
   * (filling the last bytes of a disk with it would cause the failure it is meant for).
   * Returns whether it is in place. Never throws.
   */
  ensure(): boolean {
    if (this.present()) return true;
    const free = freeBytes(this.#dir);
    if (free !== null && free < 2 * this.#bytes) return false;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'w', 0o600);
      const zeros = Buffer.alloc(64 * 1024);
      for (let off = 0; off < this.#bytes;) {
        off += writeSync(fd, zeros, 0, Math.min(zeros.length, this.#bytes - off));
      }
      fsyncSync(fd);
      return true;
    } catch {
      try {
        unlinkSync(this.path);
      } catch {
        /* nothing was created */
      }
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Deletes the reserve to free its space; returns true when there was one to release. */
  release(): boolean {
    try {
      unlinkSync(this.path);
      return true;
    } catch {
      return false;
    }
  }
}

/** The data dir's space reserve, or undefined when `killSwitch.reserveBytes` is 0. */
export function reserveFor(loaded: LoadedConfig): SpaceReserve | undefined {
  const bytes = loaded.config.killSwitch.reserveBytes;
  return bytes > 0 ? new SpaceReserve(loaded.dataDir, bytes) : undefined;
}
