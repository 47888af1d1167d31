// Test helper (not shipped behaviour): a real HTTP server on 127.0.0.1 that stands in for a
// channel's endpoint, records every request and answers from a script.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/** One scripted answer; `hang` never answers (until the server closes). */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  readonly hang?: boolean;
}

/** A local HTTP endpoint for tests. Answers are taken in order; then `fallback` (200 `{"ok":true}`). */
export class TestHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #answers: ScriptedAnswer[] = [];
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  fallback: ScriptedAnswer = { status: 200, body: { ok: true } };

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          text,
          json,
        });
        for (const w of this.#waiters.filter((w) => this.requests.length >= w.n)) w.resolve();
        const a = this.#answers.shift() ?? this.fallback;
        if (a.hang === true) return;
        const answer = (): void => {
          const body =
            a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
          res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
          res.end(body);
        };
        if (a.delayMs === undefined) answer();
        else setTimeout(answer, a.delayMs);
      });
    });
  }

  /** Starts a server on 127.0.0.1, on a free port. */
  static async start(): Promise<TestHttpServer> {
    const s = new TestHttpServer();
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  /** `http://127.0.0.1:PORT` */
  get base(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queues answers for the next requests. */
  answer(...answers: ScriptedAnswer[]): void {
    this.#answers.push(...answers);
  }

  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `http://127.0.0.1:PORT` where nothing listens (a port just released): connection refused. */
export async function closedPortBase(): Promise<string> {
  const s = await TestHttpServer.start();
  const base = s.base;
  await s.close();
  return base;
}
