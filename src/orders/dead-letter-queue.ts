import { systemClock, type Clock } from '../util/clock.js';
import { DlqEntryError } from './dlq-entry-error.js';
import type { DlqStore } from './dlq-store.js';
import type { Executor, SubmitOptions } from './executor.js';
import { intentFromPayload } from './intent.js';
import { newOwnerId } from './owner.js';
import { recordError, type DlqEntry, type DlqStatus, type SubmitResult } from './types.js';

/** What a replay did: the executor's answer, and the entry's status afterwards. */
export interface ReplayOutcome {
  readonly entry: DlqEntry;
  readonly result: SubmitResult;
}

/** Options of `DeadLetterQueue`. */
export interface DeadLetterQueueOptions {
  readonly clock?: Clock;
  /** How long a replay holds its entry before another replay may take it over (its replayer died). Default 300000. */
  readonly replayLeaseMs?: number;
}

/** Parses a DLQ id from user input: a positive integer; else a `RangeError` with a one-line message. */
export function parseDlqId(input: unknown): number {
  const s = String(input);
  if (!/^[1-9][0-9]{0,15}$/.test(s))
    throw new RangeError(`DLQ id must be a positive integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

/** Why a transition was refused, from the entry as it stands. */
function refusal(id: number, entry: DlqEntry | null, doing: 'replayed' | 'resolved'): DlqEntryError {
  if (entry === null) return new DlqEntryError(id, 'no such entry');
  switch (entry.status) {
    case 'replaying':
      return new DlqEntryError(
        id,
        `a replay is in flight; it cannot be ${doing} now (try again when it ends)`,
      );
    case 'resolved':
      return new DlqEntryError(id, `is already resolved (${entry.note ?? 'no note'})`);
    case 'replayed':
    case 'placed':
      return new DlqEntryError(id, `is ${entry.status}: the order was placed (${entry.note ?? ''})`);
    case 'open':
      return new DlqEntryError(id, 'changed meanwhile; look at it again');
    default:
      return new DlqEntryError(id, `unknown status ${String(entry.status satisfies never)}`);
  }
}

/**
 * The dead-letter queue as people use it: list, show, replay (through the executor, under the
 * same idempotency key, so the venue is asked first and an order cannot be doubled), resolve with a note.
 */
export class DeadLetterQueue {
  readonly #store: DlqStore;
  readonly #clock: Clock;
  readonly #replayLeaseMs: number;

  constructor(store: DlqStore, options: DeadLetterQueueOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    const lease = options.replayLeaseMs ?? 300_000;
    if (!Number.isInteger(lease) || lease < 1)
      throw new RangeError(`replayLeaseMs must be an integer >= 1, got ${String(lease)}`);
    this.#replayLeaseMs = lease;
  }

  list(options: { status?: DlqStatus; limit?: number } = {}): Promise<DlqEntry[]> {
    return this.#store.list(options);
  }

  /** The entry, or `DlqEntryError` when there is none. */
  async show(id: number): Promise<DlqEntry> {
    const e = await this.#store.get(id);
    if (e === null) throw new DlqEntryError(id, 'no such entry');
    return e;
  }

  /**
   * Replays an open entry through `executor.resubmit` (same key, same client order id). The entry
   * is claimed first (compare-and-set `open` → `replaying`): a resolved entry is never replayed,
   * and while the replay runs a resolve is refused. Placed → `replayed`; denied or failed again →
   * back to `open` (a new failure appends its errors).
   */
  async replay(
    id: number,
    executor: Pick<Executor, 'resubmit'>,
    options: SubmitOptions = {},
  ): Promise<ReplayOutcome> {
    const owner = newOwnerId();
    const now = this.#clock.now();
    const claim = await this.#store.claimReplay(id, owner, now + this.#replayLeaseMs, now);
    if (!claim.ok) throw refusal(id, claim.entry, 'replayed');
    let result: SubmitResult;
    try {
      result = await executor.resubmit(intentFromPayload(claim.entry.payload), options);
    } catch (err) {
      const t = this.#clock.now();
      await this.#store.addError(id, recordError(err, t), t);
      await this.#store.finishReplay(id, owner, 'open', null, t);
      throw err;
    }
    const t = this.#clock.now();
    if (result.status === 'placed')
      await this.#store.finishReplay(id, owner, 'replayed', `replayed: placed as ${result.order.id}`, t);
    else await this.#store.finishReplay(id, owner, 'open', null, t);
    return { entry: await this.show(id), result };
  }

  /** Closes an open entry by hand with a note (required): compare-and-set `open` → `resolved`; refused while a replay is in flight. */
  async resolve(id: number, note: string): Promise<DlqEntry> {
    if (typeof note !== 'string' || note.trim() === '')
      throw new RangeError('resolve note must be a non-empty string');
    const r = await this.#store.resolve(id, note, this.#clock.now());
    if (!r.ok) throw refusal(id, r.entry, 'resolved');
    return r.entry;
  }
}
