import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { StrategyStateRepo } from '../../store/store.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { EventSource, type Disposable } from '../../util/event.js';
import {
  DEFAULT_STALE_AFTER_MS,
  EXCEPTION,
  STATE_MISSING,
  STATE_STALE,
  STORE_UNCONFIRMED,
  UNKNOWN,
  decideCheck,
  parseStateObject,
  parseStateText,
  type CheckResult,
  type LoadedState,
} from './check-decision.js';

/** Where the state lives in fleet mode: the store's strategy state (see `StrategyStateRepo`). */
export interface StrategyStateSource {
  readonly repo: Pick<StrategyStateRepo, 'get'>;
  /** Fail open (`store_unconfirmed_fail_open`, listeners told) when no read succeeded for this long (ms). Default 5000. */
  readonly leaseMs?: number;
  /** Told about every failed read (never thrown). */
  readonly onError?: (err: unknown) => void;
}

/**
 * The state document the breaker answers from, for the readers beside the check (the daemon's
 * `GET /v1/strategies`, its strategy metrics, Telegram's `/strategies`): one source for all.
 * `missing`: nothing written yet (the check fails open `state_missing_fail_open`); `unreadable`:
 * a damaged file, or a store that did not confirm the state within the lease.
 */
export type StrategyStateDocument =
  | {
      readonly status: 'ok';
      readonly doc: Record<string, unknown>;
      /** The file's path, or `the store (version N)`. */
      readonly where: string;
    }
  | { readonly status: 'missing' | 'unreadable'; readonly where: string; readonly error: string };

/** Options of the runtime check. */
export interface StrategyBreakerOptions {
  /** The state file written by the evaluator (unused when `source` is given). */
  readonly statePath: string;
  /**
   * Fleet mode: read the state from the store instead of the file, on every `reload()` (the change
   * feed's wake-ups) and on the poll (`reloadIntervalMs`, default then 1000 ms). No file is watched.
   */
  readonly source?: StrategyStateSource;
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
  readonly #source: StrategyStateSource | undefined;
  readonly #leaseMs: number;
  #leaseTimer: NodeJS.Timeout | undefined;
  #reading = false;
  #readAgain = false;
  /** The store version applied (fleet mode); -1 before the first read, 0 when nothing is stored. */
  #version = -1;
  /** Fleet mode: the stored document of `#version` (null when nothing is stored). */
  #doc: Record<string, unknown> | null = null;
  #firstRead: Promise<void> = Promise.resolve();
  #firstReadDone: (() => void) | undefined;
  readonly #failOpen = new EventSource<CheckResult>();
  readonly #stored = new EventSource<void>();

  constructor(opts: StrategyBreakerOptions) {
    this.#source = opts.source;
    if (opts.source === undefined && (typeof opts.statePath !== 'string' || opts.statePath === ''))
      throw new RangeError(`statePath must be a file path (got ${JSON.stringify(opts.statePath)})`);
    const stale = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (!(stale > 0)) throw new RangeError(`staleAfterMs must be > 0 (got ${stale})`);
    const lease = opts.source?.leaseMs ?? 5000;
    if (!(lease > 0) || !Number.isFinite(lease))
      throw new RangeError(`source.leaseMs must be > 0 (got ${lease})`);
    this.#leaseMs = lease;
    const every = opts.reloadIntervalMs ?? (opts.source ? 1000 : 5000);
    if (!(every >= 0) || !Number.isFinite(every))
      throw new RangeError(`reloadIntervalMs must be >= 0 (got ${every})`);
    this.#path = opts.statePath;
    this.#key = opts.stateKey ?? 'strategies';
    this.#staleAfterMs = stale;
    this.#clock = opts.clock === undefined || opts.clock === systemClock ? null : opts.clock;
    if (this.#source !== undefined) {
      // Nothing confirmed yet: missing (fail open) until the first read, which starts the lease.
      this.#firstRead = new Promise((r) => (this.#firstReadDone = r));
      this.#armLease();
      this.reload();
      if (every > 0) {
        this.#timer = setInterval(() => this.reload(), every);
        this.#timer.unref();
      }
      return;
    }
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
      if (this.#fixed === STORE_UNCONFIRMED) return STORE_UNCONFIRMED;
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

  /**
   * Fleet mode: calls `listener` after the breaker took a new state from the store (a new version,
   * or the first read after the lease ran out) and when the lease runs out: `document()` then
   * says what the check now answers from (the state file's mirror follows it).
   */
  onStoreState(listener: () => void): Disposable {
    return this.#stored.subscribe(listener);
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

  /** Resolves once the first read of the store settled (at once when reading a file): await it before the first check. */
  ready(): Promise<void> {
    return this.#firstRead;
  }

  /** The `as_of` of the state in use (ms), or null without one: when the last evaluation ran. */
  get asOfMs(): number | null {
    return this.#state === null || this.#state.asOfMs === 0 ? null : this.#state.asOfMs;
  }

  /** Fleet mode: the store version in use (0: nothing stored; null before the first read, or reading a file). */
  get version(): number | null {
    return this.#version < 0 ? null : this.#version;
  }

  /**
   * The state document behind the check. Fleet mode: the last one the store confirmed (no I/O;
   * the same read the check follows, so the readers never disagree with it); `unreadable` while
   * the lease has run out. One host: the state file, read now.
   */
  async document(): Promise<StrategyStateDocument> {
    if (this.#source !== undefined) {
      await this.#firstRead;
      if (this.#fixed === STORE_UNCONFIRMED || this.#version < 0)
        return {
          status: 'unreadable',
          where: 'the store',
          error: `the store has not confirmed the strategy state within ${this.#leaseMs} ms (the runtime check fails open: store_unconfirmed_fail_open)`,
        };
      if (this.#doc === null)
        return {
          status: 'missing',
          where: 'the store',
          error: 'no strategy state in the store (the runtime check fails open: state_missing_fail_open)',
        };
      return { status: 'ok', doc: this.#doc, where: `the store (version ${this.#version})` };
    }
    const where = this.#path;
    try {
      const parsed: unknown = JSON.parse(await readFile(where, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not a JSON object');
      return { status: 'ok', doc: parsed as Record<string, unknown>, where };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return {
          status: 'missing',
          where,
          error: `no strategy state at ${where} (the runtime check fails open: state_missing_fail_open)`,
        };
      return {
        status: 'unreadable',
        where,
        error: `strategy state ${where} is unreadable: ${(err as Error).message}`,
      };
    }
  }

  /** The lease: no confirmed read for `leaseMs` → every key allows with `store_unconfirmed_fail_open`. */
  #armLease(): void {
    if (this.#leaseTimer !== undefined) clearTimeout(this.#leaseTimer);
    this.#leaseTimer = setTimeout(() => {
      if (this.#closed) return;
      this.#setFixed(STORE_UNCONFIRMED);
      this.#stored.emit();
    }, this.#leaseMs);
    this.#leaseTimer.unref();
  }

  /** One read of the store (single flight: a wake during a read reads once more after it). */
  #readStore(src: StrategyStateSource): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    src.repo
      .get(this.#key)
      .then(
        (stored) => {
          if (this.#closed) return;
          this.#armLease();
          const version = stored?.version ?? 0;
          if (version === this.#version && this.#fixed !== STORE_UNCONFIRMED) return;
          if (version < this.#version && this.#fixed !== STORE_UNCONFIRMED) return; // never moved back
          this.#version = version;
          this.#doc = stored === null ? null : stored.doc;
          this.#apply(stored === null ? null : parseStateObject(stored.doc, this.#key));
          this.#stored.emit();
        },
        (err: unknown) => {
          try {
            src.onError?.(err);
          } catch {
            // a reporter's failure must not stop the reads
          }
        },
      )
      .finally(() => {
        this.#reading = false;
        this.#firstReadDone?.();
        this.#firstReadDone = undefined;
        if (this.#readAgain && !this.#closed) {
          this.#readAgain = false;
          this.#readStore(src);
        }
      });
  }

  /** Rereads the state now: the file (also called by the watch and the poll), or in fleet mode the store, in the background. */
  reload(): void {
    if (this.#closed) return;
    if (this.#source !== undefined) {
      this.#readStore(this.#source);
      return;
    }
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
    if (this.#leaseTimer !== undefined) clearTimeout(this.#leaseTimer);
    this.#staleTimer = undefined;
    this.#leaseTimer = undefined;
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
