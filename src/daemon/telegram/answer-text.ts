// The plain-text answers the Telegram commands send (no parse mode: nothing in a reason or a
// strategy key can break the markup). Pure functions of what was read.
import type { HaltState } from '../../killswitch/index.js';
import type { HeartbeatRecord, Incident, KillSwitchEvent } from '../../store/index.js';
import type { HeartbeatExpectation } from '../../config/index.js';
import type { GroupEntry } from '../../strategy/index.js';
import type { DlqEntry } from '../../orders/index.js';

/** Telegram's limit on a message's text. */
export const TELEGRAM_TEXT_MAX = 4096;

/** `2026-12-01 11:20:00 UTC` */
export const utc = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
};

/** `45 s`, `12 min`, `3.5 h`, `2.0 d` */
export function ago(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** The halt in two lines: what, since when, by whom, why. */
export function haltLines(s: HaltState, now: number): string {
  if (!s.halted) return 'RUNNING: trading is allowed.';
  const id = s.eventId === null ? '' : `halt #${s.eventId}, `;
  return `HALTED (${id}since ${utc(s.since)}, ${ago(now - s.since)} ago; ${s.source})\nby ${s.by ?? 'unknown'}: ${s.reason}`;
}

/** The answer to `/status`. */
export function statusText(o: {
  state: HaltState;
  heartbeats: readonly HeartbeatRecord[];
  expectations: readonly HeartbeatExpectation[];
  incidents: readonly Incident[];
  now: number;
}): string {
  const lines = [haltLines(o.state, o.now)];
  if (o.state.halted) lines.push('To resume: /resume <what you checked>');
  const byName = new Map(o.heartbeats.map((h) => [h.name, h]));
  if (o.expectations.length > 0) {
    lines.push('', 'Heartbeats:');
    for (const e of o.expectations) {
      const h = byName.get(e.name);
      const limit =
        e.periodSec === undefined ? `cron ${e.cron ?? ''}` : `limit ${e.periodSec + e.graceSec} s`;
      lines.push(
        h === undefined
          ? `  ${e.name}: never reported (${limit})`
          : `  ${e.name}: ${h.status}, ${ago(o.now - h.receivedAt)} ago (${limit})`,
      );
    }
  }
  if (o.incidents.length > 0) {
    lines.push('', 'Open incidents:');
    for (const i of o.incidents)
      lines.push(`  ${i.key} (${i.kind}, ${ago(o.now - i.openedAt)}): ${i.detail}`);
  }
  return lines.join('\n');
}

/** What changed since the halt a refused resume named, newest last. */
export function changesText(since: readonly KillSwitchEvent[]): string {
  return since
    .slice(-5)
    .map((e) => `#${e.id} ${e.action} by ${e.by} at ${utc(e.at)}: ${e.reason}`)
    .join('\n');
}

const pct = (x: number | null | undefined): string =>
  typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a';

/** Most lines in one list answer (`/strategies`, `/dlq`); the rest are counted. */
export const MAX_LIST_LINES = 40;

/** The answer to `/strategies`: blocked first, then by key. */
export function strategiesText(entries: Readonly<Record<string, GroupEntry>>, asOf: unknown): string {
  const keys = Object.keys(entries);
  if (keys.length === 0) return 'No strategies in the state file yet.';
  const rank = (s: string): number => (s === 'blocked' ? 0 : s === 'monitor' ? 1 : 2);
  keys.sort((a, b) => rank(entries[a]!.status) - rank(entries[b]!.status) || a.localeCompare(b));
  const lines = [`Strategies (as of ${typeof asOf === 'string' ? asOf : 'unknown'}):`];
  for (const k of keys.slice(0, MAX_LIST_LINES)) {
    const e = entries[k]!;
    const why = e.reason ?? e.note;
    lines.push(
      `  ${k}: ${String(e.status).toUpperCase()}, ROI ${pct(e.roi_30d)} over ${e.n_30d} trades${why ? ` (${why})` : ''}`,
    );
  }
  if (keys.length > MAX_LIST_LINES) lines.push(`  … and ${keys.length - MAX_LIST_LINES} more`);
  return lines.join('\n');
}

/** One DLQ entry: id, the order, why it is there. */
function dlqLine(e: DlqEntry, now: number): string {
  let order = '';
  try {
    const p = JSON.parse(e.payload) as Record<string, unknown>;
    order = [p['side'], p['amount'], p['symbol']].filter((x) => x !== undefined).join(' ');
  } catch {
    order = 'unreadable payload';
  }
  return `  #${e.id} ${order}: ${e.errorClass}, ${e.reason} (${e.attempts} attempts, ${ago(now - e.createdAt)} ago)`;
}

/** The answer to `/dlq`: the open entries, newest first. */
export function dlqText(open: readonly DlqEntry[], now: number, more: boolean): string {
  if (open.length === 0) return 'Dead-letter queue: no open entries.';
  const lines = [`Dead-letter queue: ${open.length}${more ? '+' : ''} open (newest first):`];
  for (const e of open) lines.push(dlqLine(e, now));
  lines.push('Replay or resolve them with warden dlq replay|resolve ID, or on the dashboard.');
  return lines.join('\n');
}

/** The answer to `/help` and `/start`. */
export function helpText(chatId: string): string {
  return [
    'Warden commands:',
    '/status: trading allowed or halted, and why; heartbeats; open incidents',
    '/halt <reason>: halt trading now',
    '/resume <what you checked>: resume the halt you were last shown (/resume #ID <reason> names one)',
    '/strategies: each strategy: status, 30-day ROI, trades',
    '/dlq: open dead-letter entries',
    '/help: this list',
    `This chat's id: ${chatId}`,
  ].join('\n');
}
