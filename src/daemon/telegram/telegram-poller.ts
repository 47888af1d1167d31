// The long-polling loop: getMe once, then getUpdates with the stored offset, each update
// handled in order and its offset written to the store's kv before the next, so a restart
// neither replays a command nor loses one. Telegram errors are waited out with backoff; the
// loop never throws.
import type { Store } from '../../store/index.js';
import type { AlertSink } from '../../util/alert-sink.js';
import { equalJitterBackoff, type Backoff } from '../../resilience/retry/backoff.js';
import { abortableSleep } from '../../resilience/sleep.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Random } from '../../util/random.js';
import type { WardenLogger } from '../logger.js';
import type { AllowList } from './allow-list.js';
import type { BotApi, BotApiResult, TelegramMessage, TelegramUpdate, TelegramUser } from './bot-api.js';
import { parseCommand, type TelegramCommandName } from './command-parser.js';
import type { TelegramCommands } from './telegram-commands.js';
import { TELEGRAM_TEXT_MAX } from './answer-text.js';
import { truncate } from '../../alerts/format-alert.js';

/** What the poller counts (the daemon's Prometheus counters; bounded labels). */
export interface TelegramCounters {
  command(name: TelegramCommandName, outcome: 'done' | 'refused' | 'error' | 'not_allowed'): void;
  pollFailure(kind: string): void;
}

/** Options of the poller. */
export interface TelegramPollerOptions {
  readonly api: BotApi;
  /** Its kv holds the offset (`telegram:offset:<bot id>`) and each chat's last shown halt. */
  readonly store: Store;
  readonly commands: TelegramCommands;
  readonly allow: AllowList;
  readonly alerts: AlertSink;
  readonly logger: WardenLogger;
  /** Seconds one getUpdates waits for a message. */
  readonly pollTimeoutSec: number;
  /** Alert once polling has failed for this long (ms). */
  readonly outageAlertAfterMs: number;
  /** Waits between failed calls (default equal jitter, 1 s doubling to 60 s). */
  readonly backoff?: Backoff;
  readonly random?: Random;
  readonly clock?: Clock;
  readonly counters?: TelegramCounters;
}

/** An answer to send: the message it replies to, and its text. */
interface Answer {
  readonly to: TelegramMessage;
  readonly text: string;
}

/** The kv key of the next update id to ask for. */
export const offsetKey = (botId: number): string => `telegram:offset:${botId}`;

/** A 409 conflict is alerted again at most this often (ms). */
const CONFLICT_REALERT_MS = 3_600_000;

const DEFAULT_BACKOFF = equalJitterBackoff({ initialMs: 1_000, maxMs: 60_000 });

/** `telegram:@username`, or `telegram:<user id>` (or the chat's id when Telegram gave no sender). */
export function byOf(from: TelegramUser | undefined, chatId: string): string {
  if (from?.username) return `telegram:@${from.username}`;
  return `telegram:${from?.id ?? chatId}`;
}

/** The Telegram command poller; `start()` runs it until `close()`. */
export class TelegramPoller {
  readonly #o: TelegramPollerOptions;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #random: Random;
  #abort = new AbortController();
  #running: Promise<void> | null = null;
  #me: TelegramUser | null = null;
  #offset: number | undefined;
  #failures = 0;
  #lastDelay = 0;
  /** The current run of failures: when it began, and which alerts it has raised. */
  #outage: { since: number; alerted: Set<string> } | null = null;
  #conflictAlertedAt = -Infinity;

  constructor(o: TelegramPollerOptions) {
    if (!(o.pollTimeoutSec >= 0))
      throw new RangeError(`pollTimeoutSec: expected >= 0, got ${o.pollTimeoutSec}`);
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.#random = o.random ?? Math.random;
  }

  /** The bot as getMe described it (null until it answered). */
  get bot(): TelegramUser | null {
    return this.#me;
  }

  /** Starts polling (once). */
  start(): void {
    this.#running ??= this.#run(this.#abort.signal);
  }

  /** Stops polling: the long poll in flight is aborted; the offset stays in the store. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#once(signal);
      } catch (err) {
        // A bug or a store that failed under us: logged, waited out, never thrown at the daemon.
        if (signal.aborted) break;
        this.#o.logger.error({ err }, 'telegram commands: poll loop failed');
        await this.#wait(undefined, signal);
      }
    }
  }

  async #once(signal: AbortSignal): Promise<void> {
    const timeoutMs = (this.#o.pollTimeoutSec + 15) * 1000;
    if (this.#me === null) {
      const r = await this.#o.api.call<TelegramUser>('getMe', {}, { signal, timeoutMs: 15_000 });
      if (signal.aborted) return;
      if (!r.ok) return this.#failed(r, signal);
      this.#me = r.result;
      const stored = await this.#o.store.kv.get(offsetKey(r.result.id));
      this.#offset = stored === null || !/^\d+$/.test(stored) ? undefined : Number(stored);
      this.#o.logger.info(
        { bot: r.result.username, offset: this.#offset ?? null },
        `telegram commands: polling as @${r.result.username ?? r.result.id}`,
      );
    }
    const r = await this.#o.api.call<TelegramUpdate[]>(
      'getUpdates',
      {
        ...(this.#offset === undefined ? {} : { offset: this.#offset }),
        timeout: this.#o.pollTimeoutSec,
        allowed_updates: ['message'],
      },
      { signal, timeoutMs },
    );
    if (signal.aborted) return;
    if (!r.ok) return this.#failed(r, signal);
    await this.#recovered();
    const updates = Array.isArray(r.result) ? r.result : [];
    for (const u of updates) {
      if (typeof u?.update_id !== 'number') continue;
      if (this.#offset !== undefined && u.update_id < this.#offset) continue; // already handled
      let answer: Answer | null = null;
      try {
        answer = await this.#handle(u);
      } catch (err) {
        // Never stuck on one update: it is logged and passed over.
        this.#o.logger.error({ err, updateId: u.update_id }, 'telegram commands: update not handled');
      }
      this.#offset = u.update_id + 1;
      // Written right after the action and before its answer: a restart asks Telegram from here
      // on, and an answer on the phone means the command will not run again.
      await this.#o.store.kv
        .set(offsetKey(this.#me.id), String(this.#offset))
        .catch((err: unknown) =>
          this.#o.logger.error(
            { err },
            'telegram commands: offset not saved (a restart may replay this update)',
          ),
        );
      if (answer !== null) await this.#reply(answer.to, answer.text);
    }
  }

  /** Runs the command an update holds; returns the answer to send, if any. */
  async #handle(u: TelegramUpdate): Promise<Answer | null> {
    const m = u.message;
    const cmd = parseCommand(m?.text, this.#me?.username ?? '');
    if (m === undefined || cmd === null) return null;
    const chatId = String(m.chat.id);
    const log = this.#o.logger;
    if (!this.#o.allow.permits(chatId, m.from?.id)) {
      this.#o.counters?.command(cmd.name, 'not_allowed');
      log.warn(
        { chatId, userId: m.from?.id ?? null, command: cmd.name },
        `telegram commands: /${cmd.name} from chat ${chatId} ignored: not on commands.telegram's allow-list`,
      );
      if (!this.#o.allow.shouldReply(chatId, this.#clock.now())) return null;
      return {
        to: m,
        text: `This chat (id ${chatId}${m.from ? `, user id ${m.from.id}` : ''}) may not command this Warden. To allow it, add ${chatId} to commands.telegram.allowChatIds in warden.config.json.`,
      };
    }
    const by = byOf(m.from, chatId);
    const r = await this.#o.commands.handle(cmd, { chatId, by, sentAt: m.date * 1000 });
    this.#o.counters?.command(cmd.name, r.outcome);
    const line = `telegram commands: /${cmd.name} by ${by} in chat ${chatId}: ${r.outcome}`;
    if (r.outcome === 'error') log.error({ chatId, by, command: cmd.name }, `${line}: ${r.text}`);
    else log.info({ chatId, by, command: cmd.name, outcome: r.outcome }, line);
    return { to: m, text: r.text };
  }

  /** Answers `m` in its chat. A reply that fails is logged; the action it reports stands (and was alerted). */
  async #reply(m: TelegramMessage, text: string): Promise<void> {
    const r = await this.#o.api.call(
      'sendMessage',
      {
        chat_id: m.chat.id,
        text: truncate(text, TELEGRAM_TEXT_MAX),
        disable_web_page_preview: true,
        reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true },
      },
      { signal: this.#abort.signal, timeoutMs: 15_000 },
    );
    if (!r.ok) this.#o.logger.warn({ chatId: m.chat.id }, `telegram commands: reply not sent: ${r.error}`);
  }

  async #alertOnce(
    kind: string,
    severity: 'warning' | 'critical',
    title: string,
    body: string,
  ): Promise<void> {
    const o = this.#outage!;
    if (o.alerted.has(kind)) return;
    o.alerted.add(kind);
    await this.#o.alerts
      .alert({ key: `telegram-commands:${kind}:${o.since}`, severity, title, body })
      .catch((err: unknown) => this.#o.logger.error({ err }, 'telegram commands: alert failed'));
  }

  async #failed(r: Extract<BotApiResult<unknown>, { ok: false }>, signal: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    this.#outage ??= { since: now, alerted: new Set() };
    this.#o.counters?.pollFailure(r.kind);
    this.#o.logger.warn({ kind: r.kind, failures: this.#failures + 1 }, `telegram commands: ${r.error}`);
    if (r.kind === 'conflict' && now - this.#conflictAlertedAt >= CONFLICT_REALERT_MS) {
      // Two pollers take turns (each one's poll ends the other's): alerted once an hour, not per turn.
      this.#conflictAlertedAt = now;
      await this.#alertOnce(
        'conflict',
        'warning',
        'Telegram commands: another poller uses this bot',
        `${r.error}. Another process polls getUpdates with the same bot token (a second warden serve, or another bot program), or a webhook is set. Warden backs off; commands may go to the other poller. Give each poller its own bot.`,
      );
    } else if (r.kind === 'unauthorized')
      await this.#alertOnce(
        'unauthorized',
        'critical',
        'Telegram commands: the bot token was refused',
        `${r.error}. The phone kill switch does not work: check the bot token's environment variable.`,
      );
    if (now - this.#outage.since >= this.#o.outageAlertAfterMs)
      await this.#alertOnce(
        'outage',
        'warning',
        'Telegram commands unreachable',
        `Polling the Bot API has failed since ${new Date(this.#outage.since).toISOString()} (${this.#failures + 1} attempts; last: ${r.error}). The kill switch from the phone does not work until it is back; warden trip and the API still do.`,
      );
    await this.#wait(r.kind === 'rate_limited' ? r.retryAfterMs : undefined, signal);
  }

  async #wait(retryAfterMs: number | undefined, signal: AbortSignal): Promise<void> {
    const backoff = this.#backoff.delay(this.#failures, this.#lastDelay, this.#random);
    this.#failures++;
    this.#lastDelay = backoff;
    await abortableSleep(retryAfterMs ?? backoff, signal).catch(() => undefined);
  }

  async #recovered(): Promise<void> {
    const o = this.#outage;
    this.#failures = 0;
    this.#lastDelay = 0;
    this.#outage = null;
    if (o === null) return;
    this.#o.logger.info(
      `telegram commands: the Bot API answers again (down since ${new Date(o.since).toISOString()})`,
    );
    if (o.alerted.size > 0)
      await this.#o.alerts
        .alert({
          key: `telegram-commands:back:${o.since}`,
          severity: 'info',
          title: 'Telegram commands work again',
          body: `The Bot API answers again (failing since ${new Date(o.since).toISOString()}).`,
        })
        .catch((err: unknown) => this.#o.logger.error({ err }, 'telegram commands: alert failed'));
  }
}
