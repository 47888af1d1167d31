import type { HeartbeatExpectation } from '../config/index.js';
import type { ModeRecord, Store, StoredMode } from '../store/index.js';

/** The limit a bot's mode record is judged against when its heartbeat has no period (ms). */
export const DEFAULT_MODE_MAX_AGE_MS = 60_000;

/** Most bots the board shows and labels in `warden_mode` (a bounded label set); the rest are counted as `dropped`. */
export const MAX_MODE_BOTS = 200;

/** A mode as shown: one of the four, or UNKNOWN when the record is too old or the store unreadable. */
export type ShownMode = StoredMode | 'UNKNOWN';

/** One bot's mode as the daemon shows it (`GET /v1/mode` `bots`, `warden status`, the dashboard). */
export interface BotModeView {
  readonly bot: string;
  /** The recorded mode, or UNKNOWN (fail closed: never shown as FULL) when the record is stale. */
  readonly mode: ShownMode;
  readonly reason: string;
  readonly detail: string;
  /** When the recorded mode began, by the bot's clock (ms). */
  readonly since: number;
  /** What the bot last recorded, whatever is shown. */
  readonly recorded: StoredMode;
  readonly host: string;
  readonly pid: number;
  /** When the store took the record (store clock, ms), its age, and the limit it is judged against. */
  readonly recordedAt: number;
  readonly ageMs: number;
  readonly maxAgeMs: number;
  readonly stale: boolean;
}

/** The limit of each bot's record: its heartbeat's `periodSec + graceSec` when it has one, else the default. */
export function modeMaxAgeFor(
  expectations: readonly HeartbeatExpectation[],
  fallbackMs: number = DEFAULT_MODE_MAX_AGE_MS,
): (bot: string) => number {
  const byName = new Map<string, number>();
  for (const e of expectations)
    if (e.periodSec !== undefined) byName.set(e.name, (e.periodSec + e.graceSec) * 1000);
  return (bot) => byName.get(bot) ?? fallbackMs;
}

/** One record as shown at store time `now`: UNKNOWN past its limit. */
export function botModeView(r: ModeRecord, now: number, maxAgeMs: number): BotModeView {
  const ageMs = Math.max(0, now - r.recordedAt);
  const stale = ageMs > maxAgeMs;
  return {
    bot: r.bot,
    mode: stale ? 'UNKNOWN' : r.mode,
    reason: stale ? 'mode_record_stale' : r.reason,
    detail: stale
      ? `last recorded ${r.mode} (${r.reason}) ${Math.round(ageMs / 1000)}s ago, limit ${Math.round(maxAgeMs / 1000)}s: the bot may be down`
      : r.detail,
    since: r.since,
    recorded: r.mode,
    host: r.host,
    pid: r.pid,
    recordedAt: r.recordedAt,
    ageMs,
    maxAgeMs,
    stale,
  };
}

/** Every bot's mode read from `store`, judged at the store's clock (so hosts' clocks do not matter). */
export async function readBotModes(
  store: Pick<Store, 'modes' | 'now'>,
  maxAgeFor: (bot: string) => number,
): Promise<BotModeView[]> {
  const [records, now] = await Promise.all([store.modes.list(), store.now()]);
  return records.map((r) => botModeView(r, now, maxAgeFor(r.bot)));
}

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
