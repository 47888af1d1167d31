import type { Disposable } from '../resilience/event.js';
import {
  closeSync,
  constants,
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
import { CheckpointSequenceError } from './checkpoint-sequence-error.js';
import { checkpointFileName as fileName, entryType, listCheckpointNames } from './checkpoint-dir.js';
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
  /** Sequence number: greater than that of every checkpoint on disk that verified when it was chosen. */
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

/** A temp file: `.checkpoint-<seq>.ckpt.<writer pid>.tmp`. */
const TEMP = /^\.checkpoint-\d+\.ckpt\.(\d+)\.tmp$/;
/** Creating a temp file: a fresh regular file, never through a symlink. */
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Checkpoints of a bot's state in one directory: each save is a new file written atomically
 * (temp file, fsync, rename, directory fsync) with a checksummed header; the last `keep` are
 * kept. One writer per directory.
 */
export class CheckpointStore {
  readonly #dir: string;
  readonly #keep: number;
  readonly #clock: Clock;
  /** Sequence numbers of the regular checkpoint files older than the next save, ascending: what pruning may delete. */
  readonly #older: number[] = [];
  #nextSeq = 1;
  readonly #skipListeners = new Set<(skip: SkippedCheckpoint) => void>();

  private constructor(dir: string, keep: number, clock: Clock) {
    this.#dir = dir;
    this.#keep = keep;
    this.#clock = clock;
  }

  /**
   * Opens (creating it if needed) a checkpoint directory: removes temp files a crash left
   * behind and continues the sequence after the newest checkpoint that verifies (header, name
   * and checksum), stepping over names already taken by any entry.
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
    for (const name of readdirSync(abs)) {
      const t = TEMP.exec(name);
      // Another live process's temp may be a save in flight (a reader opening the directory
      // must not break the writer's rename); a dead writer's, or a stale one of our pid, goes.
      if (t && !isOtherLiveProcess(Number(t[1]))) unlinkQuiet(join(abs, name));
    }
    const store = new CheckpointStore(abs, keep, clock);
    // Only a verified header moves the sequence: a planted or damaged file with a huge name does not.
    const verified = store.#scan()?.checkpoint.seq ?? 0;
    for (const { seq, file } of listCheckpointNames(abs)) {
      if (seq <= verified && entryType(file) === 'file') store.#older.push(seq);
    }
    store.#older.sort((a, b) => a - b);
    store.#nextSeq = verified + 1;
    store.#stepOverTaken();
    return store;
  }

  /** The directory (absolute). */
  get dir(): string {
    return this.#dir;
  }

  /** The sequence number the next `save()` will use (unless an entry with that name appears first). */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** How many checkpoints are kept. */
  get keep(): number {
    return this.#keep;
  }

  /**
   * Serializes `state` as JSON and writes it as the next checkpoint, durably, then deletes the
   * checkpoints beyond `keep`. Throws `CheckpointStateError` for a state JSON cannot hold,
   * `CheckpointWriteError` when the disk says no and `CheckpointSequenceError` when no sequence
   * number is left; the previous checkpoints stay either way.
   */
  save(state: unknown): SavedCheckpoint {
    const now = this.#clock.now();
    const savedAt = Math.floor(now);
    if (!Number.isSafeInteger(savedAt) || savedAt < 0) {
      // Such a header would never load again: refuse it here rather than write it.
      throw new RangeError(`checkpoint clock returned ${String(now)}, not a time in ms since the epoch`);
    }
    try {
      this.#stepOverTaken(); // never rename over an entry someone else put there
    } catch (err) {
      throw new CheckpointWriteError(join(this.#dir, fileName(this.#nextSeq)), { cause: err });
    }
    const seq = this.#nextSeq;
    // A name past the largest safe integer would not parse back: it would hide every later save.
    if (!Number.isSafeInteger(seq)) throw new CheckpointSequenceError(this.#dir, seq - 1);
    const { header, head, payload } = encodeCheckpoint(state, seq, savedAt);
    const name = fileName(seq);
    const file = join(this.#dir, name);
    const tmp = join(this.#dir, `.${name}.${process.pid}.tmp`);
    try {
      const fd = openSync(tmp, TEMP_FLAGS, 0o644);
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
    this.#older.push(seq);
    fsyncDir(this.#dir);
    this.#prune();
    return { seq, savedAt: header.savedAt, file, length: header.length, sha256: header.sha256 };
  }

  /**
   * Reads the checkpoints newest first and returns the first that verifies, with every newer
   * one it skipped and why. Returns null when none verifies (each skip is still reported to
   * `onSkip` listeners). Never throws for a bad file, and never opens one that is not a
   * regular file (a FIFO would block, a symlink would lead out of the directory).
   */
  loadLatest(): LoadResult | null {
    const result = this.#scan();
    const seq = result?.checkpoint.seq;
    if (seq !== undefined && seq >= this.#nextSeq) {
      // A valid checkpoint another tool put here: continue after it, and prune it in turn.
      this.#older.push(seq);
      this.#nextSeq = seq + 1;
    }
    return result;
  }

  /** Calls `listener` for each checkpoint `loadLatest()` skips, including when it then returns null. */
  onSkip(listener: (skip: SkippedCheckpoint) => void): Disposable {
    this.#skipListeners.add(listener);
    const dispose = () => void this.#skipListeners.delete(listener);
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** The newest checkpoint that verifies, and the newer entries skipped (each told to the listeners). */
  #scan(): LoadResult | null {
    const skipped: SkippedCheckpoint[] = [];
    for (const entry of listCheckpointNames(this.#dir)) {
      const r = tryLoad(entry.file, entry.seq);
      if (r === null) continue; // removed since the listing
      if ('state' in r) return { checkpoint: r, skipped };
      skipped.push(r);
      for (const l of this.#skipListeners) l(r);
    }
    return null;
  }

  /** Moves `#nextSeq` past names that some entry already holds (a damaged file, a directory, a FIFO). */
  #stepOverTaken(): void {
    for (;;) {
      const type = entryType(join(this.#dir, fileName(this.#nextSeq)));
      if (type === 'missing') return;
      if (type === 'file') this.#older.push(this.#nextSeq); // older than the next save: pruned in turn
      this.#nextSeq++;
    }
  }

  /**
   * Deletes the oldest checkpoints beyond `keep`; runs only after the newest is durable and never
   * touches the newest `keep`. One it cannot delete stays listed and is retried after the next save.
   */
  #prune(): void {
    const excess = this.#older.length - this.#keep;
    if (excess <= 0) return;
    const stuck: number[] = [];
    for (const seq of this.#older.slice(0, excess)) {
      try {
        unlinkSync(join(this.#dir, fileName(seq)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') stuck.push(seq);
      }
    }
    this.#older.splice(0, excess, ...stuck);
  }
}

/** Loads one entry, or says why it was skipped; null when it no longer exists. */
function tryLoad(file: string, seq: number): LoadedCheckpoint | SkippedCheckpoint | null {
  try {
    const type = entryType(file);
    if (type === 'missing') return null;
    if (type !== 'file') {
      return { file, seq, kind: 'special', reason: `a ${type}, not a regular file; not opened` };
    }
    const c = readCheckpointFile(file, seq);
    return { seq, savedAt: c.savedAt, file, length: c.length, sha256: c.sha256, state: c.state };
  } catch (err) {
    return err instanceof CheckpointCorruptError
      ? { file, seq, kind: err.kind, reason: err.message }
      : { file, seq, kind: 'io', reason: `cannot read: ${(err as Error).message}` };
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
