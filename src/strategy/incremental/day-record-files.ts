import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const RECORD = 4; // group id, ts, pnl × size, entry × size
const BUF_RECORDS = 4096;

interface Writer {
  readonly day: number;
  fd: number;
  buf: Float64Array;
  len: number;
  /** Records appended to the day's file by this writer, not yet added to the counts. */
  added: number;
}

/**
 * The incremental cursor's raw trades, one append-only binary file per UTC day
 * (`<day>.bin`, float64 records [group id, ts, pnl × size, entry × size] in file order).
 * Only the day the window's cutoff falls in is ever read back; the other days live in the
 * cursor as sums. Days before the window are deleted.
 */
export class DayRecordFiles {
  readonly #dir: string;
  readonly #writers = new Map<number, Writer>();
  readonly #counts = new Map<number, number>();
  /** The writer of the last append (trades come in time order: mostly the same day). */
  #last: Writer | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Deletes every day file (before a full read). */
  reset(): void {
    this.close();
    this.#counts.clear();
    rmSync(this.#dir, { recursive: true, force: true });
    mkdirSync(this.#dir, { recursive: true });
  }

  /**
   * Brings the files back to what a cursor recorded: a file longer than its count (records
   * appended by a run that crashed before writing its cursor) is cut, and unknown files go.
   * Returns false when a file is shorter than recorded (the cursor cannot be trusted).
   */
  restore(counts: Readonly<Record<string, number>>): boolean {
    this.close();
    this.#counts.clear();
    for (const d of this.days()) {
      const want = counts[String(d)];
      const p = join(this.#dir, `${d}.bin`);
      if (want === undefined) {
        unlinkSync(p);
        continue;
      }
      const have = Math.floor(statSync(p).size / 8);
      if (have < want * RECORD) return false;
      if (have > want * RECORD) truncateSync(p, want * RECORD * 8);
      this.#counts.set(d, want);
    }
    for (const [d, n] of Object.entries(counts)) if (n > 0 && !this.#counts.has(Number(d))) return false;
    return true;
  }

  /** Records per day, for the cursor. */
  counts(): Record<string, number> {
    this.#settle();
    return Object.fromEntries([...this.#counts].map(([d, n]) => [String(d), n]));
  }

  /** Days that have a file. */
  days(): number[] {
    try {
      return readdirSync(this.#dir)
        .filter((n) => /^-?\d+\.bin$/.test(n))
        .map((n) => Number(n.slice(0, -4)));
    } catch {
      return [];
    }
  }

  /** Deletes the files of days before `day`. */
  dropBefore(day: number): void {
    for (const d of this.days()) {
      if (d >= day) continue;
      const w = this.#writers.get(d);
      if (w !== undefined) {
        closeSync(w.fd);
        this.#writers.delete(d);
        if (this.#last === w) this.#last = undefined;
      }
      unlinkSync(join(this.#dir, `${d}.bin`));
      this.#counts.delete(d);
    }
  }

  /** The records of one day, in the order they were appended; null when the file is missing. */
  read(day: number): Float64Array | null {
    let b: Buffer;
    try {
      b = readFileSync(join(this.#dir, `${day}.bin`));
    } catch {
      return null;
    }
    const n = Math.floor(b.length / 8 / RECORD) * RECORD;
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(b.subarray(0, n * 8));
    return out;
  }

  /** The writer of `day`'s file (opened at its first record). */
  #writer(day: number): Writer {
    let w = this.#last;
    if (w === undefined || w.day !== day) {
      w = this.#writers.get(day);
      if (w === undefined) {
        mkdirSync(this.#dir, { recursive: true });
        w = {
          day,
          fd: openSync(join(this.#dir, `${day}.bin`), 'a'),
          buf: new Float64Array(BUF_RECORDS * RECORD),
          len: 0,
          added: 0,
        };
        this.#writers.set(day, w);
      }
      this.#last = w;
    }
    return w;
  }

  /**
   * Appends records `from` to `to - 1` of `t` (each [group, ts, pnl × size, entry × size], all
   * of `day`), each group replaced by `ids[group]`: copied a block at a time.
   */
  appendRecords(day: number, t: Float64Array, from: number, to: number, ids: Int32Array): void {
    const w = this.#writer(day);
    const buf = w.buf;
    let i = from;
    while (i < to) {
      const n = Math.min(to - i, (buf.length - w.len) / RECORD);
      const at = w.len;
      buf.set(t.subarray(i * RECORD, (i + n) * RECORD), at);
      const stop = at + n * RECORD;
      for (let j = at; j < stop; j += RECORD) buf[j] = ids[buf[j] as number] as number;
      w.len = stop;
      w.added += n;
      i += n;
      if (w.len === buf.length) this.#flush(w);
    }
  }

  /** Adds the writers' appended records to the counts. */
  #settle(): void {
    for (const w of this.#writers.values()) {
      if (w.added === 0) continue;
      this.#counts.set(w.day, (this.#counts.get(w.day) ?? 0) + w.added);
      w.added = 0;
    }
  }

  #flush(w: Writer): void {
    if (w.len === 0) return;
    writeSync(w.fd, new Uint8Array(w.buf.buffer, 0, w.len * 8));
    w.len = 0;
  }

  /** Flushes and closes every open file. */
  close(): void {
    this.#settle();
    this.#last = undefined;
    for (const w of this.#writers.values()) {
      this.#flush(w);
      closeSync(w.fd);
    }
    this.#writers.clear();
  }
}
