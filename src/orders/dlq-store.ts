import type { DlqEntry, DlqStatus, NewDlqEntry, RecordedError } from './types.js';

/**
 * The dead-letter queue's storage. At most one `open` entry per idempotency key: a second
 * failure of the same intent appends its errors to the open entry.
 */
export interface DlqStore {
  /** Adds (or appends to the open entry of the key); resolves with the entry id once durable. */
  enqueue(entry: NewDlqEntry): Promise<number>;
  get(id: number): Promise<DlqEntry | null>;
  /** The open entry of a key, if any. */
  openFor(idempotencyKey: string): Promise<DlqEntry | null>;
  /** Newest first. */
  list(options?: { status?: DlqStatus; limit?: number }): Promise<DlqEntry[]>;
  countOpen(): Promise<number>;
  /** Sets the status (and a note) of an entry; false when no such entry. */
  setStatus(id: number, status: DlqStatus, note: string | null, now: number): Promise<boolean>;
  /** Appends an error to an entry (a failed replay). */
  addError(id: number, error: RecordedError, now: number): Promise<boolean>;
  close(): Promise<void>;
}
