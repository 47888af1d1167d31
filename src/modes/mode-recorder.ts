import { hostname } from 'node:os';
import type { ModeRecord, ModeRepo, ModeWrite } from '../store/index.js';
import type { Subscribe } from '../util/event.js';
import type { ModeChange, ModeState } from './mode-types.js';

/** What the recorder follows: a `DegradationManager`. */
export interface RecordedModeSource {
  readonly state: ModeState;
  readonly onChange: Subscribe<ModeChange>;
}

/** Options of a `ModeRecorder`. */
export interface ModeRecorderOptions {
  /** Where the mode goes: `store.modes`. */
  readonly repo: Pick<ModeRepo, 'claim' | 'record'>;
  /** The bot's name (its heartbeat name): the key of its record. */
  readonly bot: string;
  readonly source: RecordedModeSource;
  /**
   * Rewrite the current mode this often (ms) even when it does not change, so readers can tell a
   * live record from a dead bot's (default 10 000; 0 = only on transitions).
   */
  readonly refreshMs?: number;
  readonly host?: string;
  readonly pid?: number;
  /**
   * Told when a write fails (the first of a run of failures, not each retry) or is refused (never
   * thrown); the next change or refresh retries.
   */
  readonly onError?: (err: Error) => void;
}

/** The recorder's default refresh (ms): well inside the one-minute default limit readers apply. */
export const DEFAULT_MODE_REFRESH_MS = 10_000;

/**
 * Records a bot's degradation mode in the store on every transition and on an unref'd refresh
 * timer. Writes are serialized and coalesced (only the newest state is written after one in
 * flight), so the stored mode never moves back. The first write claims a new epoch; when a
 * newer process of the same bot claims one after it, this recorder's writes are refused and it
 * stops (`superseded`), saying so once.
 */
export class ModeRecorder {
  readonly #o: ModeRecorderOptions;
  readonly #host: string;
  readonly #pid: number;
  readonly #sub: { dispose(): void };
  readonly #timer: NodeJS.Timeout | undefined;
  #epoch: number | null = null;
  #seq = 0;
  #dirty = false;
  #running: Promise<void> | null = null;
  #superseded = false;
  #closed = false;
  #last: ModeRecord | null = null;
  #failing = false;

  constructor(o: ModeRecorderOptions) {
    if (typeof o.bot !== 'string' || o.bot.length === 0)
      throw new RangeError(`bot: must be a non-empty string (got ${JSON.stringify(o.bot)})`);
    const every = o.refreshMs ?? DEFAULT_MODE_REFRESH_MS;
    if (!Number.isFinite(every) || every < 0) throw new RangeError(`refreshMs: must be >= 0 (got ${every})`);
    this.#o = o;
    this.#host = o.host ?? hostname();
    this.#pid = o.pid ?? process.pid;
    this.#sub = o.source.onChange(() => this.#schedule());
    if (every > 0) {
      this.#timer = setInterval(() => this.#schedule(), every);
      this.#timer.unref();
    }
    this.#schedule();
  }

  /** True once a newer process of this bot took the record over: this one writes no more. */
  get superseded(): boolean {
    return this.#superseded;
  }

  /** The last record the store took from this recorder, or null. */
  get last(): ModeRecord | null {
    return this.#last;
  }

  /** Writes the current state now (after any write in flight); resolves when stored or failed. */
  async flush(): Promise<void> {
    this.#schedule();
    while (this.#running !== null) await this.#running;
  }

  /** Stops following; the write in flight finishes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sub.dispose();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    while (this.#running !== null) await this.#running;
  }

  #schedule(): void {
    if (this.#closed || this.#superseded) return;
    this.#dirty = true;
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
  }

  async #drain(): Promise<void> {
    while (this.#dirty && !this.#superseded) {
      this.#dirty = false;
      const s = this.#o.source.state;
      const w: ModeWrite = {
        bot: this.#o.bot,
        mode: s.mode,
        reason: s.reason,
        detail: s.detail,
        since: s.since,
        host: this.#host,
        pid: this.#pid,
        seq: ++this.#seq,
      };
      try {
        if (this.#epoch === null) {
          const r = await this.#o.repo.claim(w);
          this.#epoch = r.epoch;
          this.#last = r;
          this.#failing = false;
        } else {
          const r = await this.#o.repo.record(this.#epoch, w);
          if (r === null) {
            this.#superseded = true;
            this.#o.onError?.(
              new Error(
                `mode of bot "${this.#o.bot}": another process of that name took the record over; this one no longer records its mode`,
              ),
            );
          } else {
            this.#last = r;
            this.#failing = false;
          }
        }
      } catch (err) {
        if (this.#failing) continue;
        this.#failing = true;
        this.#o.onError?.(
          new Error(`mode of bot "${this.#o.bot}" not recorded: ${(err as Error).message}`, { cause: err }),
        );
      }
    }
  }
}
