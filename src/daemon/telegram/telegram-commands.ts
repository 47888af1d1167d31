// What each Telegram command does, once the poller has checked that the chat may command.
import { ResumeConflictError, ResumeRefusedError, type KillSwitch } from '../../killswitch/index.js';
import type { Store } from '../../store/index.js';
import type { HeartbeatExpectation } from '../../config/index.js';
import type { DeadLetterQueue } from '../../orders/index.js';
import type { DecisionLog } from '../../decisions/index.js';
import { entriesOf, type StateFile, type StrategyBreaker } from '../../strategy/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { parseResumeArgs, type ParsedCommand } from './command-parser.js';
import { ago, changesText, dlqText, haltLines, helpText, statusText, strategiesText } from './answer-text.js';

/** Who sent a command, as the poller read it from the message. */
export interface CommandCaller {
  readonly chatId: string;
  /** `telegram:@username`, or `telegram:<user id>` for a user without one. */
  readonly by: string;
  /** When Telegram received the message (ms). */
  readonly sentAt: number;
}

/** What a command did: `done`, `refused` (nothing changed; the answer says why) or `error`. */
export interface CommandOutcome {
  readonly outcome: 'done' | 'refused' | 'error';
  readonly text: string;
}

/** What the commands read and change. */
export interface TelegramCommandsOptions {
  readonly killSwitch: KillSwitch;
  readonly store: Store;
  readonly heartbeats: readonly HeartbeatExpectation[];
  /** The strategy breaker's state (its `document()`: the file, or the store in fleet mode). */
  readonly strategy: { readonly breaker: Pick<StrategyBreaker, 'document'>; readonly stateKey: string };
  /** The dead-letter queue, when the store has one. */
  readonly dlq?: DeadLetterQueue;
  /** The daemon's decision log, when it writes one: every trip and resume from a chat is appended. */
  readonly decisions?: DecisionLog;
  /** A `/resume` older than this (ms) is refused. */
  readonly resumeMaxAgeMs: number;
  /** Told when a decision cannot be appended (the action itself stands). */
  readonly onDecisionError?: (err: unknown) => void;
  readonly clock?: Clock;
}

/** The kv key holding the halt a chat was last shown (what its `/resume` clears). */
export const seenHaltKey = (chatId: string): string => `telegram:seen-halt:${chatId}`;

/**
 * The Telegram commands. A `/resume` clears only the halt the chat was last shown (by `/status`,
 * `/halt` or a refused `/resume`), or the one it names (`/resume #ID …`), by compare-and-set:
 * a trip the chat has not seen is never cleared.
 */
export class TelegramCommands {
  readonly #o: TelegramCommandsOptions;
  readonly #clock: Clock;

  constructor(o: TelegramCommandsOptions) {
    if (!(o.resumeMaxAgeMs > 0))
      throw new RangeError(`resumeMaxAgeMs: expected > 0, got ${o.resumeMaxAgeMs}`);
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
  }

  /** Runs `cmd` for `caller`. Never throws: a failure is an `error` outcome with its message. */
  async handle(cmd: ParsedCommand, caller: CommandCaller): Promise<CommandOutcome> {
    try {
      switch (cmd.name) {
        case 'status':
          return await this.#status(caller);
        case 'halt':
          return await this.#halt(cmd.args, caller);
        case 'resume':
          return await this.#resume(cmd.args, caller);
        case 'strategies':
          return await this.#strategies();
        case 'dlq':
          return await this.#dlq();
        case 'help':
        case 'start':
          return { outcome: 'done', text: helpText(caller.chatId) };
        case 'unknown':
          return { outcome: 'refused', text: `Unknown command /${cmd.typed}.\n\n${helpText(caller.chatId)}` };
        default:
          return cmd.name satisfies never;
      }
    } catch (err) {
      return { outcome: 'error', text: `/${cmd.typed} failed: ${(err as Error).message}` };
    }
  }

  /** Best effort: when it cannot be written, the chat's next `/resume` is refused (fail safe) and `#ID` still works. */
  async #remember(chatId: string, eventId: number | null): Promise<void> {
    await this.#o.store.kv.set(seenHaltKey(chatId), JSON.stringify({ eventId })).catch(() => undefined);
  }

  /** The halt the chat was last shown: an event id, null (halted with no event), undefined (none shown). */
  async #seen(chatId: string): Promise<number | null | undefined> {
    const raw = await this.#o.store.kv.get(seenHaltKey(chatId));
    if (raw === null) return undefined;
    try {
      const v = (JSON.parse(raw) as { eventId?: unknown }).eventId;
      return typeof v === 'number' || v === null ? v : undefined;
    } catch {
      return undefined;
    }
  }

  #record(action: string, by: string, data: Record<string, unknown>): void {
    try {
      this.#o.decisions?.append({ kind: 'killswitch', by, data: { action, via: 'telegram', ...data } });
    } catch (err) {
      this.#o.onDecisionError?.(err);
    }
  }

  async #status(caller: CommandCaller): Promise<CommandOutcome> {
    const { killSwitch: ks, store } = this.#o;
    const state = await ks.refresh();
    const [heartbeats, incidents] = await Promise.all([store.heartbeats.list(), store.incidents.list()]);
    if (state.halted) await this.#remember(caller.chatId, state.eventId);
    const text = statusText({
      state,
      heartbeats,
      expectations: this.#o.heartbeats,
      incidents,
      now: this.#clock.now(),
    });
    return { outcome: 'done', text };
  }

  async #halt(reason: string, caller: CommandCaller): Promise<CommandOutcome> {
    if (reason === '') return { outcome: 'refused', text: 'Usage: /halt <reason>. Nothing was changed.' };
    const ks = this.#o.killSwitch;
    const r = await ks.trip({ reason: reason.slice(0, 2000), by: caller.by });
    const state = ks.state();
    await this.#remember(caller.chatId, state.halted ? state.eventId : null);
    this.#record('trip', caller.by, {
      eventId: r.event?.id ?? null,
      recorded: r.recorded,
      reason,
      chatId: caller.chatId,
    });
    const head = r.recorded
      ? `Halted by you (halt #${r.event.id}). New risk is denied; reduce-only orders and cancels still go out.`
      : `HALTED, but the store did not record it (${r.error}); halted by ${r.haltedBy.join(', ')}.`;
    return { outcome: 'done', text: `${head}\n${haltLines(state, this.#clock.now())}` };
  }

  async #resume(args: string, caller: CommandCaller): Promise<CommandOutcome> {
    const ks = this.#o.killSwitch;
    const now = this.#clock.now();
    const { haltId: named, reason } = parseResumeArgs(args);
    if (reason === '')
      return {
        outcome: 'refused',
        text: 'Usage: /resume <what you checked> (or /resume #ID <reason>). Nothing was changed.',
      };
    if (now - caller.sentAt > this.#o.resumeMaxAgeMs)
      return {
        outcome: 'refused',
        text: `Refused: this /resume was sent ${ago(now - caller.sentAt)} ago, while the daemon was not reading. Look again (/status) and send it again if it is still meant.`,
      };
    const state = await ks.refresh();
    if (!state.halted) return { outcome: 'refused', text: 'Trading is not halted: nothing to resume.' };
    const seen = named ?? (await this.#seen(caller.chatId));
    if (seen === undefined) {
      await this.#remember(caller.chatId, state.eventId);
      return {
        outcome: 'refused',
        text: `Refused: you have not been shown this halt yet.\n${haltLines(state, now)}\nSend /resume <reason> again to clear it.`,
      };
    }
    try {
      const event = await ks.resume({ reason: reason.slice(0, 2000), by: caller.by, haltId: seen });
      this.#record('resume', caller.by, { eventId: event.id, clears: seen, reason, chatId: caller.chatId });
      const after = ks.state();
      return {
        outcome: 'done',
        text: `Resumed by you (event #${event.id}, clears #${seen ?? 'none'}).\n${haltLines(after, this.#clock.now())}`,
      };
    } catch (err) {
      if (err instanceof ResumeRefusedError) return { outcome: 'refused', text: err.message };
      if (!(err instanceof ResumeConflictError)) throw err;
      const current = await ks.refresh();
      await this.#remember(caller.chatId, current.halted ? current.eventId : null);
      this.#record('resume_refused', caller.by, {
        named: seen,
        latest: err.latest?.id ?? null,
        reason,
        chatId: caller.chatId,
      });
      return {
        outcome: 'refused',
        text: [
          `Refused: the kill switch changed since you looked (you were shown #${seen ?? 'none'}). Since then:`,
          changesText(err.since),
          '',
          haltLines(current, this.#clock.now()),
          current.halted ? 'Send /resume <reason> again to clear this halt.' : '',
        ]
          .join('\n')
          .trim(),
      };
    }
  }

  async #strategies(): Promise<CommandOutcome> {
    const { breaker, stateKey } = this.#o.strategy;
    const d = await breaker.document();
    if (d.status !== 'ok') {
      if (d.status === 'unreadable') throw new Error(d.error); // an `error` outcome, as a damaged file always was
      return {
        outcome: 'done',
        text: `No strategy state ${d.where === 'the store' ? 'in' : 'at'} ${d.where}: the strategy breaker is not in use (its check fails open).`,
      };
    }
    return { outcome: 'done', text: strategiesText(entriesOf(d.doc as StateFile, stateKey), d.doc['as_of']) };
  }

  async #dlq(): Promise<CommandOutcome> {
    const dlq = this.#o.dlq;
    if (dlq === undefined) return { outcome: 'done', text: 'This store has no dead-letter queue.' };
    const open = await dlq.list({ status: 'open', limit: 11 });
    return { outcome: 'done', text: dlqText(open.slice(0, 10), this.#clock.now(), open.length > 10) };
  }
}
