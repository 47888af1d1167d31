import { systemClock, type Clock } from '../util/clock.js';
import type { SavedCheckpoint } from './checkpoint-store.js';
import type { Disposable } from '../resilience/event.js';
import { CheckpointerClosedError } from './checkpointer-closed-error.js';

/** What an AutoCheckpointer needs of a store: `CheckpointStore` has it. */
export interface CheckpointSaver {
  save(state: unknown): SavedCheckpoint;
}

/** Options of `AutoCheckpointer`. */
export interface AutoCheckpointerOptions {
  /** Where checkpoints go. */
  readonly store: CheckpointSaver;
  /** Returns the state to save; called once per save, synchronously. */
  readonly getState: () => unknown;
  /** Period of the background save, in ms (an integer >= 1). */
  readonly intervalMs: number;
  /** Decides whether an interval tick comes too soon after another save (default the wall clock). */
  readonly clock?: Clock;
}

/**
 * Saves the state on an `unref()`'d interval and on demand. `markDirty()` after each state
 * change schedules one save for the end of the current tick, however many changes it saw;
 * `checkpointNow()` saves at once. Errors in background saves go to `onError` listeners
 * (a process warning when there are none); they never escape a timer.
 */
export class AutoCheckpointer {
  readonly #store: CheckpointSaver;
  readonly #getState: () => unknown;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #timer: NodeJS.Timeout;
  #pending: NodeJS.Immediate | undefined;
  #dirty = false;
  #closed = false;
  #lastSaveAt = Number.NEGATIVE_INFINITY;
  #lastSaved: SavedCheckpoint | null = null;
  readonly #errorListeners = new Set<(err: unknown) => void>();
  readonly #saveListeners = new Set<(saved: SavedCheckpoint) => void>();

  constructor(options: AutoCheckpointerOptions) {
    const { store, getState, intervalMs, clock = systemClock } = options;
    if (typeof store?.save !== 'function') {
      throw new RangeError(`auto-checkpointer option store must have a save() method, got ${String(store)}`);
    }
    if (typeof getState !== 'function') {
      throw new RangeError(`auto-checkpointer option getState must be a function, got ${String(getState)}`);
    }
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1 || intervalMs > 2_147_483_647) {
      throw new RangeError(
        `auto-checkpointer option intervalMs must be an integer in [1, 2147483647], got ${String(intervalMs)}`,
      );
    }
    if (typeof clock?.now !== 'function') {
      throw new RangeError(`auto-checkpointer option clock must have a now() method, got ${String(clock)}`);
    }
    this.#store = store;
    this.#getState = getState;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /** True when a state change has not been saved yet. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** The last checkpoint this instance saved, or null. */
  get lastSaved(): SavedCheckpoint | null {
    return this.#lastSaved;
  }

  /** Records a state change; one save follows at the end of the current tick, for all changes in it. */
  markDirty(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#pending === undefined) {
      this.#pending = setImmediate(() => {
        this.#pending = undefined;
        if (this.#dirty) this.#saveReporting();
      });
      this.#pending.unref();
    }
  }

  /** Saves now and returns the checkpoint; throws what the store throws. */
  checkpointNow(): SavedCheckpoint {
    if (this.#closed) throw new CheckpointerClosedError();
    return this.#save();
  }

  /** Calls `listener` with each error of a background save. */
  onError(listener: (err: unknown) => void): Disposable {
    this.#errorListeners.add(listener);
    const dispose = () => void this.#errorListeners.delete(listener);
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** Calls `listener` after each save this instance makes. */
  onSave(listener: (saved: SavedCheckpoint) => void): Disposable {
    this.#saveListeners.add(listener);
    const dispose = () => void this.#saveListeners.delete(listener);
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** Stops the timers and, when a change is unsaved, saves it (throwing if that fails). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#pending = undefined;
    if (this.#dirty) this.#save();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #tick(): void {
    // A save that happened half an interval ago or less (on demand) makes this one redundant.
    if (!this.#dirty && this.#clock.now() - this.#lastSaveAt < this.#intervalMs / 2) return;
    this.#saveReporting();
  }

  #save(): SavedCheckpoint {
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#pending = undefined;
    this.#dirty = false; // a change made by getState() itself marks it dirty again
    let saved: SavedCheckpoint;
    try {
      saved = this.#store.save(this.#getState());
    } catch (err) {
      this.#dirty = true; // what is on disk may be older than the state: close() retries
      throw err;
    }
    this.#lastSaveAt = this.#clock.now();
    this.#lastSaved = saved;
    for (const l of this.#saveListeners) l(saved);
    return saved;
  }

  #saveReporting(): void {
    try {
      this.#save();
    } catch (err) {
      if (this.#errorListeners.size === 0) {
        process.emitWarning(`auto-checkpoint failed: ${err instanceof Error ? err.message : String(err)}`, {
          code: 'E_CHECKPOINT_AUTOSAVE',
        });
      }
      for (const l of this.#errorListeners) {
        try {
          l(err);
        } catch (listenerErr) {
          process.emitWarning(`auto-checkpoint onError listener threw: ${String(listenerErr)}`);
        }
      }
    }
  }
}
