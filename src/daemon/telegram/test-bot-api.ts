// Test helper (not shipped behaviour): a real HTTP server on 127.0.0.1 speaking the parts of the
// Telegram Bot API the commands use. getUpdates long-polls as Telegram's does (held until an
// update arrives or `timeout` passes; an update is confirmed, and never returned again, once a
// call asks for a higher offset; a second concurrent getUpdates ends the first with 409),
// sendMessage records the reply, and the server can be made to fail (502, dropped connections,
// 409) to test how the poller waits it out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelegramMessage, TelegramUpdate, TelegramUser } from './bot-api.js';

/** A message sent through sendMessage. */
export interface SentMessage {
  readonly chat_id: number | string;
  readonly text: string;
  readonly reply_parameters?: { message_id: number };
}

/** How the fake answers: normally, 502 to every call, dropped connections, or 409 to getUpdates. */
export type FakeMode = 'up' | 'http502' | 'reset' | 'conflict';

interface Held {
  readonly res: ServerResponse;
  readonly offset: number;
  readonly timer: NodeJS.Timeout;
}

/** A local Bot API for tests. */
export class FakeBotApi {
  readonly token: string;
  readonly me: TelegramUser;
  /** Every call: method and JSON body. */
  readonly calls: { method: string; body: Record<string, unknown> }[] = [];
  readonly sent: SentMessage[] = [];
  mode: FakeMode = 'up';
  /**
   * False: a higher offset no longer confirms (deletes) updates, as if Telegram never got the
   * call that confirmed them (the poller died first): only the offset the poller sends keeps
   * handled updates from coming back.
   */
  confirms = true;
  readonly #server: Server;
  #updates: TelegramUpdate[] = [];
  #nextId = 1000;
  #nextMessageId = 1;
  #held: Held | null = null;
  #waiters: (() => void)[] = [];

  private constructor(token: string, me: TelegramUser) {
    this.token = token;
    this.me = me;
    this.#server = createServer((req, res) => this.#serve(req, res));
  }

  /** Starts on 127.0.0.1, a free port. */
  static async start(o: { token: string; username?: string; id?: number }): Promise<FakeBotApi> {
    const f = new FakeBotApi(o.token, {
      id: o.id ?? 7_000_001,
      is_bot: true,
      username: o.username ?? 'warden_test_bot',
    });
    await new Promise<void>((r) => f.#server.listen(0, '127.0.0.1', r));
    return f;
  }

  /** `http://127.0.0.1:PORT` (the `apiBase`). */
  get base(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queues a text message as an update (answered at once to a held getUpdates); returns its update id. */
  push(m: {
    text: string;
    chatId: number;
    chatType?: string;
    from?: Partial<TelegramUser> & { id: number };
    date?: number;
  }): number {
    const update_id = this.#nextId++;
    const message: TelegramMessage = {
      message_id: this.#nextMessageId++,
      date: m.date ?? Math.floor(Date.now() / 1000),
      chat: { id: m.chatId, type: m.chatType ?? (m.chatId < 0 ? 'group' : 'private') },
      ...(m.from ? { from: { is_bot: false, first_name: 'T', ...m.from } } : {}),
      text: m.text,
    };
    this.#updates.push({ update_id, message });
    this.#answerHeld();
    return update_id;
  }

  /** Updates not yet confirmed by a higher offset. */
  get pending(): readonly TelegramUpdate[] {
    return this.#updates;
  }

  /** Resolves once `pred()` holds (checked after every call), or rejects after `ms`. */
  async until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; sent: ${JSON.stringify(this.sent)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 200).unref();
      });
    }
  }

  /** The replies sent to `chatId`, oldest first. */
  repliesTo(chatId: number): string[] {
    return this.sent.filter((s) => String(s.chat_id) === String(chatId)).map((s) => s.text);
  }

  /** Waits for the `n`th reply to `chatId` and returns it. */
  async reply(chatId: number, n: number): Promise<string> {
    await this.until(() => this.repliesTo(chatId).length >= n, `reply ${n} to chat ${chatId}`);
    return this.repliesTo(chatId)[n - 1]!;
  }

  #confirm(offset: number): void {
    if (this.confirms) this.#updates = this.#updates.filter((u) => u.update_id >= offset);
  }

  #answerHeld(): void {
    const h = this.#held;
    if (h === null) return;
    const ready = this.#updates.filter((u) => u.update_id >= h.offset);
    if (ready.length === 0) return;
    this.#held = null;
    clearTimeout(h.timer);
    this.#send(h.res, 200, { ok: true, result: ready });
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
      const method = m?.[2] ?? '';
      this.calls.push({ method, body });
      for (const w of this.#waiters.splice(0)) w();
      if (this.mode === 'reset') return void req.socket.destroy();
      if (this.mode === 'http502') return this.#send(res, 502, { ok: false, description: 'Bad Gateway' });
      if (m?.[1] !== this.token)
        return this.#send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      switch (method) {
        case 'getMe':
          return this.#send(res, 200, { ok: true, result: this.me });
        case 'sendMessage':
          this.sent.push(body as unknown as SentMessage);
          for (const w of this.#waiters.splice(0)) w();
          return this.#send(res, 200, { ok: true, result: { message_id: 900_000 + this.sent.length } });
        case 'getUpdates':
          return this.#getUpdates(body, res);
        default:
          return this.#send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      }
    });
  }

  #getUpdates(body: Record<string, unknown>, res: ServerResponse): void {
    const conflict = {
      ok: false,
      error_code: 409,
      description:
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    };
    if (this.mode === 'conflict') return this.#send(res, 409, conflict);
    const offset = typeof body['offset'] === 'number' ? body['offset'] : 0;
    this.#confirm(offset);
    if (this.#held !== null) {
      // As Telegram does: the newer poll wins, the older one is told so.
      clearTimeout(this.#held.timer);
      this.#send(this.#held.res, 409, conflict);
      this.#held = null;
    }
    const ready = this.#updates.filter((u) => u.update_id >= offset);
    const timeout = typeof body['timeout'] === 'number' ? body['timeout'] : 0;
    if (ready.length > 0 || timeout === 0) return this.#send(res, 200, { ok: true, result: ready });
    const timer = setTimeout(() => {
      if (this.#held?.res === res) this.#held = null;
      this.#send(res, 200, { ok: true, result: [] });
    }, timeout * 1000);
    this.#held = { res, offset, timer };
    res.on('close', () => {
      if (this.#held?.res === res) {
        clearTimeout(timer);
        this.#held = null;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#held) clearTimeout(this.#held.timer);
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
