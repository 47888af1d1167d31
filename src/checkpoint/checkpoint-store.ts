import type { Disposable } from '../resilience/event.js';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fsyncDir } from '../util/atomic-write.js';
import { systemClock, type Clock } from '../util/clock.js';
import { CheckpointCorruptError, type CorruptKind } from './checkpoint-corrupt-error.js';
import { CheckpointWriteError } from './checkpoint-write-error.js';
import { encodeCheckpoint, readCheckpointFile } from './format.js';

/** Options of `CheckpointStore.open`. */
export interface CheckpointStoreOptions {
  /** How many checkpoints to keep on disk, newest first (default 5, at least 1). */
  readonly keep?: number;
  /** Source of `savedAt` (default the wall clock). */
  readonly clock?: Clock;
}

/** A checkpoint that is durably on disk. */
export interface SavedCheckpoint {
  /** Sequence number: strictly increasing across saves and restarts. */
  readonly seq: number;
  /** When it was saved (ms since the epoch, from the store's clock). */
  readonly savedAt: number;
  /** Absolute path of the file. */
  readonly file: string;
  /** Payload length in bytes. */
  readonly length: number;
  /** SHA-256 of the payload, hex. */
  readonly sha256: string;
}

/** A checkpoint read back and verified, with its state. */
export interface LoadedCheckpoint extends SavedCheckpoint {
  /** The state as saved (parsed JSON; validate its shape before trusting it). */
  readonly state: unknown;
}

/** A checkpoint file that `loadLatest()` passed over, and why. */
export interface SkippedCheckpoint {
  /** Absolute path of the file. */
  readonly file: string;
  /** Sequence number from the file name. */
  readonly seq: number;
  /** Classification of the problem. */
  readonly kind: CorruptKind;
  /** What was wrong, for a log line. */
  readonly reason: string;
}

/** What `loadLatest()` found: the newest valid checkpoint and every newer one it skipped. */
export interface LoadResult {
  readonly checkpoint: LoadedCheckpoint;
  readonly skipped: readonly SkippedCheckpoint[];
}

const NAME = /^checkpoint-(\d{12,})\.ckpt$/;
/** A temp file: `.checkpoint-<seq>.ckpt.<writer pid>.tmp`. */
const TEMP = /^\.checkpoint-\d+\.ckpt\.(\d+)\.tmp$/;
const fileName = (seq: number): string => `checkpoint-${String(seq).padStart(12, '0')}.ckpt`;
/** The sequence number of a checkpoint file name in its canonical form, or null for any other name. */
function parseName(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) && fileName(seq) === name ? seq : null;
}

/**
 * Checkpoints of a bot's state in one directory: each save is a new file written atomically
 * (temp file, fsync, rename, directory fsync) with a checksummed header; the last `keep` are
 * kept. One writer per directory.
 */
export class CheckpointStore {
  readonly #dir: string;
  readonly #keep: number;
  readonly #clock: Clock;
  /** Sequence numbers of the checkpoint files on disk, ascending. */
  readonly #seqs: number[];
  #nextSeq: number;
  readonly #skipListeners = new Set<(skip: SkippedCheckpoint) => void>();

  private constructor(dir: string, keep: number, clock: Clock, seqs: number[]) {
    this.#dir = dir;
    this.#keep = keep;
    this.#clock = clock;
    this.#seqs = seqs;
    this.#nextSeq = (seqs.at(-1) ?? 0) + 1;
  }

  /**
   * Opens (creating it if needed) a checkpoint directory: removes temp files a crash left
   * behind and continues the sequence after the highest checkpoint file name found, valid or not.
   */
  static open(dir: string, options: CheckpointStoreOptions = {}): CheckpointStore {
    const keep = options.keep ?? 5;
    if (!Number.isSafeInteger(keep) || keep < 1) {
      throw new RangeError(`checkpoint option keep must be an integer >= 1, got ${String(keep)}`);
    }
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function') {
      throw new RangeError(`checkpoint option clock must have a now() method, got ${String(clock)}`);
    }
    const abs = resolve(dir);
    mkdirSync(abs, { recursive: true });
    const seqs: number[] = [];
    for (const name of readdirSync(abs)) {
      const seq = parseName(name);
      if (seq !== null) seqs.push(seq);
      else {
        const t = TEMP.exec(name);
        // Another live process's temp may be a save in flight (a reader opening the directory
        // must not break the writer's rename); a dead writer's, or a stale one of our pid, goes.
        if (t && !isOtherLiveProcess(Number(t[1]))) unlinkQuiet(join(abs, name));
      }
    }
    seqs.sort((a, b) => a - b);
    return new CheckpointStore(abs, keep, clock, seqs);
  }

  /** The directory (absolute). */
  get dir(): string {
    return this.#dir;
  }

  /** The sequence number the next `save()` will use. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** How many checkpoints are kept. */
  get keep(): number {
    return this.#keep;
  }

  /**
   * Serializes `state` as JSON and writes it as the next checkpoint, durably, then deletes the
   * checkpoints beyond `keep`. Throws `CheckpointStateError` for a state JSON cannot hold and
   * `CheckpointWriteError` when the disk says no; the previous checkpoints stay either way.
   */
  save(state: unknown): SavedCheckpoint {
    const seq = this.#nextSeq;
    const now = this.#clock.now();
    const savedAt = Math.floor(now);
    if (!Number.isSafeInteger(savedAt) || savedAt < 0) {
      // Such a header would never load again: refuse it here rather than write it.
      throw new RangeError(`checkpoint clock returned ${String(now)}, not a time in ms since the epoch`);
    }
    const { header, head, payload } = encodeCheckpoint(state, seq, savedAt);
    const name = fileName(seq);
    const file = join(this.#dir, name);
    const tmp = join(this.#dir, `.${name}.${process.pid}.tmp`);
    try {
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeAll(fd, head, payload);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (err) {
      unlinkQuiet(tmp);
      throw new CheckpointWriteError(file, { cause: err });
    }
    // The sequence number is spent once the name exists, even if the directory fsync below is lost.
    this.#nextSeq = seq + 1;
    this.#seqs.push(seq);
    fsyncDir(this.#dir);
    this.#prune();
    return { seq, savedAt: header.savedAt, file, length: header.length, sha256: header.sha256 };
  }

  /**
   * Reads the checkpoints newest first and returns the first that verifies, with every newer
   * one it skipped and why. Returns null when none verifies (each skip is still reported to
   * `onSkip` listeners). Never throws for a bad file.
   */
  loadLatest(): LoadResult | null {
    const seqs: number[] = [];
    for (const name of readdirSync(this.#dir)) {
      const seq = parseName(name);
      if (seq !== null) seqs.push(seq);
    }
    seqs.sort((a, b) => b - a);
    const skipped: SkippedCheckpoint[] = [];
    for (const seq of seqs) {
      if (seq >= this.#nextSeq) this.#nextSeq = seq + 1; // a file another tool put here
      const file = join(this.#dir, fileName(seq));
      try {
        const c = readCheckpointFile(file, seq);
        return {
          checkpoint: { seq, savedAt: c.savedAt, file, length: c.length, sha256: c.sha256, state: c.state },
          skipped,
        };
      } catch (err) {
        const skip: SkippedCheckpoint =
          err instanceof CheckpointCorruptError
            ? { file, seq, kind: err.kind, reason: err.message }
            : { file, seq, kind: 'io', reason: `cannot read: ${(err as Error).message}` };
        skipped.push(skip);
        for (const l of this.#skipListeners) l(skip);
      }
    }
    return null;
  }

  /** Calls `listener` for each checkpoint `loadLatest()` skips, including when it then returns null. */
  onSkip(listener: (skip: SkippedCheckpoint) => void): Disposable {
    this.#skipListeners.add(listener);
    const dispose = () => void this.#skipListeners.delete(listener);
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** Deletes the oldest checkpoints beyond `keep`; runs only after the newest is durable. */
  #prune(): void {
    while (this.#seqs.length > this.#keep) {
      const seq = this.#seqs[0]!;
      try {
        unlinkSync(join(this.#dir, fileName(seq)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return; // retried after the next save
      }
      this.#seqs.shift();
    }
  }
}

function writeAll(fd: number, head: Buffer, payload: Buffer): void {
  const total = head.length + payload.length;
  let done = writevSync(fd, [head, payload]);
  while (done < total) {
    done +=
      done < head.length
        ? writeSync(fd, head, done, head.length - done)
        : writeSync(fd, payload, done - head.length, total - done);
  }
}

function isOtherLiveProcess(pid: number): boolean {
  if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
