import type { Store } from '../store/index.js';
import {
  DEFAULT_MODE_MAX_AGE_MS,
  MAX_MODE_BOTS,
  botModeView,
  modeMaxAgeFor,
  readBotModes,
  type BotModeView,
  type ShownMode,
} from '../modes/mode-view.js';

export { DEFAULT_MODE_MAX_AGE_MS, MAX_MODE_BOTS, botModeView, modeMaxAgeFor, readBotModes };
export type { BotModeView, ShownMode };

/** Options of a `ModeBoard`. */
export interface ModeBoardOptions {
  readonly store: Pick<Store, 'modes' | 'now'>;
  readonly maxAgeFor: (bot: string) => number;
  /** Re-read this often (ms); 0 = only on `refresh()` (fleet mode: the change feed calls it). */
  readonly pollMs: number;
  /** Told about each bot whose shown mode, reason or since changed (also when it turns UNKNOWN). */
  readonly onChange?: (view: BotModeView) => void;
  /** Told when the store cannot be read, once until it can be read again (never thrown). */
  readonly onError?: (err: Error) => void;
}

/**
 * The daemon's view of every bot's mode: re-read from the store on a poll (SQLite) or on the change
 * feed's wake-ups (PostgreSQL), single-flight. A store that cannot be read shows every known bot as
 * UNKNOWN (`store_unreadable`) until it can be read again.
 */
export class ModeBoard {
  readonly #o: ModeBoardOptions;
  readonly #timer: NodeJS.Timeout | undefined;
  #views: readonly BotModeView[] = [];
  #dropped = 0;
  #running: Promise<void> | null = null;
  #again = false;
  #closed = false;
  #failing = false;

  constructor(o: ModeBoardOptions) {
    if (!Number.isFinite(o.pollMs) || o.pollMs < 0)
      throw new RangeError(`pollMs: must be >= 0 (got ${o.pollMs})`);
    this.#o = o;
    if (o.pollMs > 0) {
      this.#timer = setInterval(() => void this.refresh(), o.pollMs);
      this.#timer.unref();
    }
  }

  /** Every bot's mode as last read (at most `MAX_MODE_BOTS`, by name). */
  get views(): readonly BotModeView[] {
    return this.#views;
  }

  /** Bots left out of `views` past `MAX_MODE_BOTS`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Re-reads the store (joins a read in flight, and reads once more after it). */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.#read();
      } while (this.#again && !this.#closed);
    };
    this.#running = run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  async #read(): Promise<void> {
    let next: BotModeView[];
    try {
      next = await readBotModes(this.#o.store, this.#o.maxAgeFor);
      this.#failing = false;
    } catch (err) {
      // told once per run of failures, not on every poll of a store that stays down
      if (!this.#failing) this.#o.onError?.(err as Error);
      this.#failing = true;
      next = this.#views.map((v) => ({
        ...v,
        mode: 'UNKNOWN' as const,
        reason: 'store_unreadable',
        detail: `the store cannot be read (${(err as Error).message}); last recorded ${v.recorded}`,
        stale: true,
      }));
    }
    this.#dropped = Math.max(0, next.length - MAX_MODE_BOTS);
    if (this.#dropped > 0) next = next.slice(0, MAX_MODE_BOTS);
    const before = new Map(this.#views.map((v) => [v.bot, v]));
    this.#views = next;
    const tell = this.#o.onChange;
    if (tell === undefined) return;
    for (const v of next) {
      const b = before.get(v.bot);
      if (b === undefined || b.mode !== v.mode || b.reason !== v.reason || b.since !== v.since) tell(v);
    }
  }
}
