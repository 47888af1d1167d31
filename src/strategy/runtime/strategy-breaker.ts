import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock } from '../../util/clock.js';
import { EventSource, type Disposable } from '../../util/event.js';
import {
  DEFAULT_STALE_AFTER_MS,
  EXCEPTION,
  STATE_MISSING,
  STATE_STALE,
  UNKNOWN,
  decideCheck,
  parseStateText,
  type CheckResult,
  type LoadedState,
} from './check-decision.js';

/** Options of the runtime check. */
export interface StrategyBreakerOptions {
  /** The state file written by the evaluator. */
  readonly statePath: string;
  /** Top-level key of the state file. Default `strategies`. */
  readonly stateKey?: string;
  /** Fail open when the state is older than this. Default 30 h. */
  readonly staleAfterMs?: number;
  /** Poll for changes this often, besides the file watch. Default 5000 ms; 0 disables. */
  readonly reloadIntervalMs?: number;
  /** Watch the state's directory for a new file. Default true. */
  readonly watch?: boolean;
  readonly clock?: Clock;
}

/**
 * The runtime side of the strategy breaker: `check(key)` is synchronous, allocates nothing
 * and makes no system call. The state is loaded at construction and reloaded when the file
 * changes (a watch on its directory, since the evaluator replaces it by rename, plus a stat
 * on an unref'd timer in case a watch event is lost). Fails open exactly as seed 000.
 */
export class StrategyBreaker {
  readonly #path: string;
  readonly #key: string;
  readonly #staleAfterMs: number;
  /** Null with the wall clock: staleness is then pushed by a timer, not computed per call. */
  readonly #clock: Clock | null;
  #state: LoadedState | null = null;
  #answers: ReadonlyMap<string, CheckResult> = new Map();
  /** When set, every key gets this answer (state missing, or stale). */
  #fixed: CheckResult | null = STATE_MISSING;
  #staleTimer: NodeJS.Timeout | undefined;
  #sig = '';
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #closed = false;
  readonly #failOpen = new EventSource<CheckResult>();

  constructor(opts: StrategyBreakerOptions) {
    if (typeof opts.statePath !== 'string' || opts.statePath === '')
      throw new RangeError(`statePath must be a file path (got ${JSON.stringify(opts.statePath)})`);
    const stale = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (!(stale > 0)) throw new RangeError(`staleAfterMs must be > 0 (got ${stale})`);
    const every = opts.reloadIntervalMs ?? 5000;
    if (!(every >= 0) || !Number.isFinite(every))
      throw new RangeError(`reloadIntervalMs must be >= 0 (got ${every})`);
    this.#path = opts.statePath;
    this.#key = opts.stateKey ?? 'strategies';
    this.#staleAfterMs = stale;
    this.#clock = opts.clock === undefined || opts.clock === systemClock ? null : opts.clock;
    this.reload();
    if (every > 0) {
      this.#timer = setInterval(() => this.#poll(), every);
      this.#timer.unref();
    }
    if (opts.watch !== false) {
      try {
        const name = basename(this.#path);
        this.#watcher = watch(dirname(this.#path), { persistent: false }, (_e, f) => {
          if (f === null || f === name) this.reload();
        });
        this.#watcher.on('error', () => {
          /* the poll keeps working */
        });
      } catch {
        // The directory may not exist yet; the poll picks the file up when it appears.
      }
    }
  }

  /** Allow or deny trading `key`. Never throws, allocates nothing, makes no system call. */
  check(key: string): CheckResult {
    try {
      if (this.#clock !== null) return decideCheck(this.#state, key, this.#clock.now(), this.#staleAfterMs);
      if (this.#fixed !== null) return this.#fixed;
      return this.#answers.get(key) ?? UNKNOWN;
    } catch {
      return EXCEPTION;
    }
  }

  /**
   * Calls `listener` when the breaker starts failing open because its state went missing or
   * stale (once per change, not per check), e.g. to alert that the evaluation stopped.
   */
  onFailOpen(listener: (r: CheckResult) => void): Disposable {
    return this.#failOpen.subscribe(listener);
  }

  #setFixed(v: CheckResult | null): void {
    const was = this.#fixed;
    this.#fixed = v;
    if (v === null || v === was || this.#failOpen.size === 0) return;
    this.#failOpen.emit(v); // a listener that throws becomes a process warning, never breaks the check
  }

  /** Applies a newly loaded state: answers per key, and a timer that flips to stale on time. */
  #apply(state: LoadedState | null): void {
    this.#state = state;
    if (this.#staleTimer !== undefined) clearTimeout(this.#staleTimer);
    this.#staleTimer = undefined;
    if (state === null) {
      this.#setFixed(STATE_MISSING);
      return;
    }
    this.#answers = state.answers;
    const staleAt = state.asOfMs + this.#staleAfterMs;
    const wait = staleAt - Date.now();
    if (wait < 0) {
      this.#setFixed(STATE_STALE);
      return;
    }
    this.#setFixed(null);
    if (this.#clock === null) {
      // Fires just past staleAt (the seed's test is `now - as_of > stale`); the poll re-checks too.
      this.#staleTimer = setTimeout(() => this.#setFixed(STATE_STALE), Math.min(wait + 1, 2 ** 31 - 1));
      this.#staleTimer.unref();
    }
  }

  /** Rereads the state file now (also called by the watch and the poll). */
  reload(): void {
    if (this.#closed) return;
    try {
      const st = statSync(this.#path, { throwIfNoEntry: false });
      if (st === undefined) {
        this.#sig = '';
        this.#apply(null);
        return;
      }
      this.#sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
      this.#apply(parseStateText(readFileSync(this.#path, 'utf8'), this.#key));
    } catch {
      this.#apply(null);
    }
  }

  #poll(): void {
    try {
      const st = statSync(this.#path, { throwIfNoEntry: false });
      const sig = st === undefined ? '' : `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (sig !== this.#sig) this.reload();
      else if (this.#fixed === null && this.#clock === null) this.#apply(this.#state); // a late stale timer
    } catch {
      this.#apply(null);
    }
  }

  /** Stops the watch and the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#staleTimer !== undefined) clearTimeout(this.#staleTimer);
    this.#staleTimer = undefined;
    this.#watcher?.close();
    this.#timer = undefined;
    this.#watcher = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A one-shot check (for the CLI): reads the file once. */
export function checkOnce(
  statePath: string,
  key: string,
  opts: { stateKey?: string; staleAfterMs?: number; nowMs?: number } = {},
): CheckResult {
  try {
    let text: string;
    try {
      text = readFileSync(statePath, 'utf8');
    } catch {
      return decideCheck(null, key, 0, 1);
    }
    return decideCheck(
      parseStateText(text, opts.stateKey ?? 'strategies'),
      key,
      opts.nowMs ?? Date.now(),
      opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    );
  } catch {
    return EXCEPTION;
  }
}
