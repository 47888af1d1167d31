import type { DlqEntry, NewDlqEntry, RecordedError, DlqStatus } from './types.js';

/** The answer of a compare-and-set transition: done (the entry after it), or refused (the entry as it is, `null` when there is none). */
export type DlqTransition =
  { readonly ok: true; readonly entry: DlqEntry } | { readonly ok: false; readonly entry: DlqEntry | null };

/** Where the DLQ-growth alert stands after a change: `started` is true once per growth episode. */
export interface DlqGrowth {
  /** Open (and replaying) entries. */
  readonly open: number;
  /** The growth episode in progress for this threshold, or `null` when the open entries do not exceed it. */
  readonly episode: number | null;
  /** True only for the call that started the episode. */
  readonly started: boolean;
}

/**
 * The dead-letter queue's storage. At most one active (`open` or `replaying`) entry per
 * idempotency key: a second failure of the same intent appends its errors to it. Every status
 * change is a compare-and-set, so two actors (a replay and a person resolving) cannot both win.
 */
export interface DlqStore {
  /** Adds (or appends to the active entry of the key); resolves with the entry id once durable. */
  enqueue(entry: NewDlqEntry): Promise<number>;
  get(id: number): Promise<DlqEntry | null>;
  /** The active (`open` or `replaying`) entry of a key, if any. */
  openFor(idempotencyKey: string): Promise<DlqEntry | null>;
  /** Newest first. */
  list(options?: { status?: DlqStatus; limit?: number }): Promise<DlqEntry[]>;
  /** Active (`open` or `replaying`) entries. */
  countOpen(): Promise<number>;
  /** `open` (or `replaying` whose replay lease lapsed) → `replaying`, held by `owner` until `leaseUntil`. */
  claimReplay(id: number, owner: string, leaseUntil: number, now: number): Promise<DlqTransition>;
  /** `replaying` held by `owner` → `replayed` (with `note`) or back to `open`. False when the claim was lost. */
  finishReplay(
    id: number,
    owner: string,
    status: 'replayed' | 'open',
    note: string | null,
    now: number,
  ): Promise<boolean>;
  /** `open` → `resolved` with a person's note. Refused for any other status (a replay in flight, already closed). */
  resolve(id: number, note: string, now: number): Promise<DlqTransition>;
  /** The `open` entry of a key → `placed`: a later submit or reconciliation confirmed the order exists. False when none was open. */
  closePlaced(idempotencyKey: string, note: string, now: number): Promise<boolean>;
  /** Appends an error to an entry (a failed replay). */
  addError(id: number, error: RecordedError, now: number): Promise<boolean>;
  /** Counts the open entries and starts (once) or ends the growth episode of `threshold`. */
  trackGrowth(threshold: number, now: number): Promise<DlqGrowth>;
  close(): Promise<void>;
}
