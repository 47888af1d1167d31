import { systemClock, type Clock } from '../util/clock.js';
import { DlqEntryError } from './dlq-entry-error.js';
import type { DlqStore } from './dlq-store.js';
import type { Executor, SubmitOptions } from './executor.js';
import { intentFromPayload } from './intent.js';
import { recordError, type DlqEntry, type DlqStatus, type SubmitResult } from './types.js';

/** What a replay did: the executor's answer, and the entry's status afterwards. */
export interface ReplayOutcome {
  readonly entry: DlqEntry;
  readonly result: SubmitResult;
}

/** Parses a DLQ id from user input: a positive integer; else a `RangeError` with a one-line message. */
export function parseDlqId(input: unknown): number {
  const s = String(input);
  if (!/^[1-9][0-9]{0,15}$/.test(s))
    throw new RangeError(`DLQ id must be a positive integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

/**
 * The dead-letter queue as people use it: list, show, replay (through the executor, under the
 * same idempotency key, so the venue is asked first and an order cannot be doubled), resolve with a note.
 */
export class DeadLetterQueue {
  readonly #store: DlqStore;
  readonly #clock: Clock;

  constructor(store: DlqStore, options: { clock?: Clock } = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
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
   * Replays an open entry through `executor.resubmit` (same key, same client order id). Placed →
   * the entry becomes `replayed`; denied or failed again → it stays open (a new failure appends its errors).
   */
  async replay(
    id: number,
    executor: Pick<Executor, 'resubmit'>,
    options: SubmitOptions = {},
  ): Promise<ReplayOutcome> {
    const entry = await this.show(id);
    if (entry.status !== 'open')
      throw new DlqEntryError(id, `is ${entry.status}, only open entries can be replayed`);
    let result: SubmitResult;
    try {
      result = await executor.resubmit(intentFromPayload(entry.payload), options);
    } catch (err) {
      await this.#store.addError(id, recordError(err, this.#clock.now()), this.#clock.now());
      throw err;
    }
    if (result.status === 'placed')
      await this.#store.setStatus(
        id,
        'replayed',
        `replayed: placed as ${result.order.id}`,
        this.#clock.now(),
      );
    return { entry: await this.show(id), result };
  }

  /** Closes an entry by hand with a note (required): what a person did about it. */
  async resolve(id: number, note: string): Promise<DlqEntry> {
    if (typeof note !== 'string' || note.trim() === '')
      throw new RangeError('resolve note must be a non-empty string');
    const entry = await this.show(id);
    if (entry.status === 'resolved') throw new DlqEntryError(id, 'is already resolved');
    await this.#store.setStatus(id, 'resolved', note, this.#clock.now());
    return this.show(id);
  }
}
