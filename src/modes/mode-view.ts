// How a bot's stored mode is shown (the daemon's board, `GET /v1/mode`, `warden status`): UNKNOWN
// past the record's limit, never FULL. Pure, and light enough for the CLI's hot path.
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
