import {
  closeSync,
  fsync,
  fsyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { EventSource, type Subscribe } from '../resilience/event.js';
import { fsyncDir } from '../util/atomic-write.js';
import { systemClock, type Clock } from '../util/clock.js';
import { DecisionLogBacklogError } from './decision-log-backlog-error.js';
import { DecisionLogClosedError } from './decision-log-closed-error.js';
import { DecisionLogLockLostError } from './decision-log-lock-lost-error.js';
import { DecisionLogWriteError } from './decision-log-write-error.js';
import {
  resolveDecisionLogOptions,
  type DecisionLogOptions,
  type ResolvedDecisionLogOptions,
} from './decision-log-options.js';
import { formatLine, type DecisionHead, type DecisionInput } from './line-format.js';
import { segmentName, utcDay } from './segment-files.js';
import { findResumePoint, type TornTail } from './tail-recovery.js';
import { acquireWriterLock, type WriterLock } from './writer-lock.js';

/** Lines waiting to be written; `firstSeq` set = they start a new segment of that name. */
interface Chunk {
  readonly firstSeq: number | null;
  readonly parts: string[];
  last: DecisionHead;
}

interface Waiter {
  readonly seq: number;
  /** The record's own head (a durable append), or null to resolve with the durable head (flush). */
  readonly head: DecisionHead | null;
  readonly resolve: (h: DecisionHead) => void;
  readonly reject: (e: Error) => void;
}

/** Where a log stands: taking appends, stopped by a write failure, or closed. */
export type DecisionLogState = 'open' | 'failed' | 'closed';

/**
 * The append-only, hash-chained decision log of one directory, with one writer (a lock file).
 * `append()` chains and buffers a line and returns its head at once; a timer writes and fsyncs
 * every buffered line together (group commit). `append(x, {durable: true})` and `flush()` resolve
 * once the line is on disk. A write that fails (full disk) truncates the half-written batch,
 * rejects every promise not yet kept, and stops the log: it never leaves a line that breaks the chain.
 */
export class DecisionLog {
  readonly #o: ResolvedDecisionLogOptions;
  readonly #clock: Clock;
  readonly #lock: WriterLock;
  /** The torn tail repaired on open, if any (also recorded in the log as a `log.torn_tail` line). */
  readonly recovered: TornTail | null;
  #fd: number | null = null;
  #file: string | null;
  #fileSize: number;
  #head: DecisionHead;
  #written: DecisionHead;
  #durable: DecisionHead;
  #planSize: number;
  #planDay: number | null;
  #needFile: boolean;
  #chunks: Chunk[] = [];
  #pendingBytes = 0;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | null = null;
  #syncing = false;
  #idle: (() => void) | null = null;
  #error: Error | null = null;
  #state: DecisionLogState = 'open';
  readonly #onDurable = new EventSource<DecisionHead>();
  readonly #onError = new EventSource<Error>();

  private constructor(o: ResolvedDecisionLogOptions, clock: Clock, lock: WriterLock) {
    this.#o = o;
    this.#clock = clock;
    this.#lock = lock;
    const r = findResumePoint(o.dir, clock.now());
    this.recovered = r.torn;
    this.#head = this.#written = this.#durable = r.head;
    this.#file = r.segment?.path ?? null;
    this.#fileSize = r.size;
    this.#planSize = r.size;
    this.#planDay = r.lastTs === null || r.size === 0 ? null : utcDay(r.lastTs);
    this.#needFile = r.segment === null;
    if (this.#file !== null) this.#fd = openSync(this.#file, 'a');
  }

  /**
   * Opens (creating) the log in `opts.dir`, takes its writer lock and resumes after the last good
   * line. Throws `DecisionLogLockedError` if a live process holds it, `DecisionLogCorruptError` if
   * its last complete line is damaged.
   */
  static open(opts: DecisionLogOptions): DecisionLog {
    const o = resolveDecisionLogOptions(opts);
    try {
      mkdirSync(o.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const lock = acquireWriterLock(o.dir);
    let log: DecisionLog;
    try {
      log = new DecisionLog(o, opts.clock ?? systemClock, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
    if (log.recovered) {
      const t = log.recovered;
      log.append({
        kind: 'log.torn_tail',
        by: 'warden',
        data: { file: basename(t.file), bytes: t.bytes, movedTo: basename(t.movedTo) },
      });
    }
    return log;
  }

  /** The head of everything appended (durable or not). */
  get head(): DecisionHead {
    return this.#head;
  }

  /** The head of what is on disk (fsync'd): the value to send off the host. */
  get durableHead(): DecisionHead {
    return this.#durable;
  }

  /** `open`, `failed` (a write failed: appends throw `error`) or `closed`. */
  get state(): DecisionLogState {
    return this.#state;
  }

  /** Why the log stopped, or null while it is open. */
  get error(): Error | null {
    return this.#state === 'open' ? null : this.#error;
  }

  /** The directory of the log. */
  get dir(): string {
    return this.#o.dir;
  }

  /** Fires with the new durable head after each group commit. */
  get onDurable(): Subscribe<DecisionHead> {
    return this.#onDurable.subscribe;
  }

  /** Fires once when a write or fsync fails and the log stops. */
  get onError(): Subscribe<Error> {
    return this.#onError.subscribe;
  }

  /** Chains and buffers one decision; returns its `{seq, hash}` now (durable within `flushIntervalMs` plus an fsync). */
  append(input: DecisionInput): DecisionHead;
  /** Chains one decision and resolves once it is fsync'd; rejects with `DecisionLogWriteError` if it never is. */
  append(input: DecisionInput, opts: { durable: true }): Promise<DecisionHead>;
  append(input: DecisionInput, opts?: { durable?: boolean }): DecisionHead | Promise<DecisionHead>;
  append(input: DecisionInput, opts?: { durable?: boolean }): DecisionHead | Promise<DecisionHead> {
    if (this.#error !== null) {
      if (opts?.durable) return Promise.reject(this.#error);
      throw this.#error;
    }
    const ts = this.#clock.now();
    const seq = this.#head.seq + 1;
    const f = formatLine(input, this.#head.hash, seq, ts);
    const bytes = Buffer.byteLength(f.line);
    if (this.#pendingBytes + bytes > this.#o.maxPendingBytes) {
      const e = new DecisionLogBacklogError(this.#pendingBytes, this.#o.maxPendingBytes);
      if (opts?.durable) return Promise.reject(e);
      throw e;
    }
    const day = utcDay(ts);
    let chunk = this.#chunks.at(-1);
    if (
      this.#needFile ||
      (this.#planSize > 0 &&
        ((this.#o.rotateBytes > 0 && this.#planSize + bytes > this.#o.rotateBytes) ||
          (this.#o.rotateDaily && day !== this.#planDay)))
    ) {
      chunk = { firstSeq: seq, parts: [], last: this.#head };
      this.#chunks.push(chunk);
      this.#planSize = 0;
      this.#needFile = false;
    } else if (chunk === undefined) {
      chunk = { firstSeq: null, parts: [], last: this.#head };
      this.#chunks.push(chunk);
    }
    const head: DecisionHead = { seq, hash: f.hash };
    chunk.parts.push(f.line);
    chunk.last = head;
    this.#planSize += bytes;
    this.#planDay = day;
    this.#pendingBytes += bytes;
    this.#head = head;
    if (!this.#syncing) {
      if (this.#pendingBytes >= this.#o.maxBatchBytes) this.#writeOut();
      if (this.#timer === null && this.#error === null)
        this.#timer = setTimeout(this.#onTimer, this.#o.flushIntervalMs);
    }
    if (this.#error !== null) {
      if (opts?.durable) return Promise.reject(this.#error);
      throw this.#error;
    }
    if (opts?.durable) return this.#waitFor(seq, head);
    return head;
  }

  /** Resolves with the durable head once everything appended so far is fsync'd (now, not at the next tick). */
  flush(): Promise<DecisionHead> {
    if (this.#head.seq === this.#durable.seq) return Promise.resolve(this.#durable);
    if (this.#error !== null) return Promise.reject(this.#error);
    const p = this.#waitFor(this.#head.seq, null);
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#commit();
    return p;
  }

  /** Flushes, closes the file and releases the lock; rejects with the write error if the log had failed. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#error === null) await this.flush().catch(() => undefined);
    if (this.#syncing) await new Promise<void>((r) => (this.#idle = r));
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const failure = this.#error;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    this.#lock.release();
    this.#state = 'closed';
    this.#error = new DecisionLogClosedError();
    if (failure !== null) throw failure;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #waitFor(seq: number, head: DecisionHead | null): Promise<DecisionHead> {
    return new Promise((resolve, reject) => this.#waiters.push({ seq, head, resolve, reject }));
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#commit();
  };

  /** Writes what is buffered, then starts one fsync; more lines wait for it to finish. */
  #commit(): void {
    if (this.#syncing || this.#error !== null) return;
    if (this.#chunks.length > 0 && !this.#writeOut()) return;
    if (this.#written.seq === this.#durable.seq || this.#fd === null) return;
    const target = this.#written;
    this.#syncing = true;
    fsync(this.#fd, (err) => {
      this.#syncing = false;
      if (err) this.#fail(err, this.#file ?? this.#o.dir);
      else this.#synced(target);
      const idle = this.#idle;
      this.#idle = null;
      idle?.();
    });
  }

  #synced(target: DecisionHead): void {
    this.#durable = target;
    const w = this.#waiters;
    let i = 0;
    while (i < w.length && w[i]!.seq <= target.seq) i++;
    if (i > 0) {
      const done = w.splice(0, i);
      for (const x of done) x.resolve(x.head ?? target);
    }
    if (this.#onDurable.size > 0) this.#onDurable.emit(target);
    if (this.#error !== null) return;
    if (this.#waiters.length > 0) this.#commit();
    else if (this.#chunks.length > 0 && this.#timer === null)
      this.#timer = setTimeout(this.#onTimer, this.#o.flushIntervalMs);
  }

  /** Writes every buffered chunk (rotating where planned); false after a failure. */
  #writeOut(): boolean {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#pendingBytes = 0;
    for (const c of chunks) {
      if (c.firstSeq !== null && !this.#openSegment(c.firstSeq)) return false;
      const fd = this.#fd!;
      const buf = Buffer.from(c.parts.length === 1 ? c.parts[0]! : c.parts.join(''), 'utf8');
      const lost = this.#lock.check() ?? this.#checkSize(fd);
      if (lost !== null) {
        this.#fail(new DecisionLogLockLostError(this.#file!, lost), this.#file!);
        return false;
      }
      try {
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      } catch (err) {
        // Cut the half-written batch off, so the file still ends with a whole, chained line.
        try {
          ftruncateSync(fd, this.#fileSize);
        } catch {
          /* the next open moves the torn tail aside */
        }
        this.#fail(err, this.#file!);
        return false;
      }
      this.#fileSize += buf.length;
      this.#written = c.last;
    }
    return true;
  }

  #checkSize(fd: number): string | null {
    const size = fstatSync(fd).size;
    return size === this.#fileSize
      ? null
      : `the file is ${size} bytes, this writer wrote ${this.#fileSize}: another process appended`;
  }

  #openSegment(firstSeq: number): boolean {
    const path = join(this.#o.dir, segmentName(firstSeq));
    try {
      if (this.#fd !== null) {
        fsyncSync(this.#fd);
        closeSync(this.#fd);
        this.#fd = null;
      }
      this.#fd = openSync(path, 'wx', 0o644); // a new segment: never append to a file we did not resume
      fsyncDir(this.#o.dir);
    } catch (err) {
      this.#fail(err, path);
      return false;
    }
    this.#file = path;
    this.#fileSize = fstatSync(this.#fd).size;
    return true;
  }

  #fail(err: unknown, file: string): void {
    if (this.#error !== null) return;
    const e = err instanceof DecisionLogLockLostError ? err : new DecisionLogWriteError(file, { cause: err });
    this.#error = e;
    this.#state = 'failed';
    this.#head = this.#written;
    this.#chunks = [];
    this.#pendingBytes = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const w = this.#waiters;
    this.#waiters = [];
    for (const x of w) x.reject(e);
    if (this.#onError.size > 0) this.#onError.emit(e);
  }
}
