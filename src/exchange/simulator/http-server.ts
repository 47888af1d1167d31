import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { badParameter, binanceErrorFor, type BinanceError } from './binance-codec.js';
import { binanceRoutes, type Answer, type Params, type Route } from './binance-routes.js';
import { BINANCE_DEFAULT_RECV_WINDOW_MS, RECV_WINDOW_MESSAGE, checkReceiveWindow } from './receive-window.js';
import type { ExchangeSimulator } from './simulator.js';

/** Options of `SimulatorHttpServer`. */
export interface SimulatorHttpServerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** How long a timed-out request is held before its socket is destroyed, in ms. Default 30000. */
  readonly holdMs?: number;
}

/**
 * The simulator behind a local HTTP server speaking a subset of Binance spot REST, so the
 * real ccxt `binance` client trades against it. Injected faults become protocol behaviour:
 * a held response (timeouts, after acting or not), 503, 429 with Retry-After, a destroyed
 * socket after acting (disconnect), a request accepted only after a delay (delayed_accept).
 * Signed requests are checked against the receive window as Binance does (`timestamp`,
 * `recvWindow`, default 5000 ms, against the simulator's clock) on arrival and again on
 * acceptance; a stale one is refused with -1021 and never acted on.
 */
export class SimulatorHttpServer {
  readonly #sim: ExchangeSimulator;
  readonly #host: string;
  readonly #port: number;
  readonly #holdMs: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #routes: ReadonlyMap<string, Route>;
  #url: string | null = null;
  #processing = 0;

  constructor(simulator: ExchangeSimulator, options: SimulatorHttpServerOptions = {}) {
    this.#sim = simulator;
    this.#host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`port must be 0-65535, got ${String(port)}`);
    this.#port = port;
    const holdMs = options.holdMs ?? 30_000;
    if (!Number.isFinite(holdMs) || holdMs < 0)
      throw new RangeError(`holdMs must be a finite number >= 0, got ${String(holdMs)}`);
    this.#holdMs = holdMs;
    this.#routes = binanceRoutes(simulator);
    this.#server = createServer((req, res) => {
      this.#processing++;
      this.#handle(req, res)
        .catch((err: unknown) => {
          if (!res.headersSent) this.#send(res, 500, { code: -1000, msg: String(err) });
        })
        .finally(() => this.#processing--);
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening; resolves to the base URL, e.g. `http://127.0.0.1:40123`. */
  async start(): Promise<string> {
    if (this.#url !== null) return this.#url;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string')
      throw new Error('simulator http server: no TCP address');
    this.#url = `http://${this.#host}:${address.port}`;
    return this.#url;
  }

  /** Requests the venue is still processing (received, not yet acted on: latency, a delayed acceptance). */
  get processing(): number {
    return this.#processing;
  }

  /** The base URL; throws before `start()`. */
  get url(): string {
    if (this.#url === null) throw new Error('simulator http server: not started');
    return this.#url;
  }

  /** Stops listening and ends every socket, held ones included. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.#routes.get(`${req.method ?? 'GET'} ${url.pathname}`);
    const body = await readBody(req);
    if (route === undefined) {
      this.#sendText(res, 404, 'Not Found');
      return;
    }
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    if (route.signed) {
      const key = req.headers['x-mbx-apikey'];
      if (typeof key !== 'string' || key === '') {
        this.#send(res, 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
        return;
      }
      if (params['signature'] === undefined || params['signature'] === '') {
        this.#sendError(
          res,
          badParameter("Mandatory parameter 'signature' was not sent, was empty/null, or malformed."),
        );
        return;
      }
    }
    const fault = this.#sim.faults.next(route.operation);
    const latency = this.#sim.faults.latency();
    if (latency > 0) await this.#delay(latency);
    if (route.signed && this.#refuseStale(res, params)) return;
    if (fault === null) {
      this.#answer(res, route, params);
      return;
    }
    switch (fault) {
      case 'delayed_accept':
        // received now, accepted later: the client has timed out by then; the window is checked again
        await this.#delay(this.#sim.faults.acceptDelayMs);
        if (route.signed && this.#refuseStale(res, params)) return;
        this.#answer(res, route, params);
        return;
      case 'timeout_before_accept':
        this.#hold(res);
        return;
      case 'timeout_after_accept':
        this.#act(route, params);
        this.#hold(res);
        return;
      case 'http_5xx':
        this.#sendText(res, 503, 'Service Unavailable');
        return;
      case 'http_429': {
        const retryAfter = Math.ceil(this.#sim.faults.retryAfterMs / 1000);
        res.setHeader('Retry-After', String(retryAfter));
        this.#send(res, 429, {
          code: -1003,
          msg: `Too many requests; current limit of IP is 6000 requests per minute. Retry after ${retryAfter}s.`,
        });
        return;
      }
      case 'disconnect':
        this.#act(route, params);
        req.socket.destroy();
        return;
      default:
        fault satisfies never;
    }
  }

  /** Binance's timestamp rules for a signed request; true when it was refused (and answered). */
  #refuseStale(res: ServerResponse, params: Params): boolean {
    const ts = Number(params['timestamp']);
    if (params['timestamp'] === undefined || !Number.isInteger(ts)) {
      this.#sendError(
        res,
        badParameter("Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."),
      );
      return true;
    }
    const rw =
      params['recvWindow'] === undefined ? BINANCE_DEFAULT_RECV_WINDOW_MS : Number(params['recvWindow']);
    if (!Number.isFinite(rw) || rw <= 0 || rw > 60_000) {
      this.#send(res, 400, { code: -1131, msg: 'recvWindow must be less than 60000' });
      return true;
    }
    try {
      checkReceiveWindow(this.#sim.serverTime(), ts, rw);
      return false;
    } catch {
      this.#send(res, 400, { code: -1021, msg: RECV_WINDOW_MESSAGE });
      return true;
    }
  }

  #act(route: Route, params: Params): Answer {
    try {
      return route.handle(params);
    } catch (err) {
      return { status: 0, body: binanceErrorFor(err) };
    }
  }

  #answer(res: ServerResponse, route: Route, params: Params): void {
    const a = this.#act(route, params);
    if (a.status === 0) this.#sendError(res, a.body as BinanceError);
    else this.#send(res, a.status, a.body);
  }

  /** Never answers: the client times out; the socket is destroyed after `holdMs` or on close(). */
  #hold(res: ServerResponse): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      res.socket?.destroy();
    }, this.#holdMs);
    timer.unref();
    this.#timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    });
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.#timers.add(t);
    });
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed || res.writableEnded || res.socket?.destroyed === true) return; // the client went away
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  #sendText(res: ServerResponse, status: number, text: string): void {
    if (res.destroyed || res.writableEnded || res.socket?.destroyed === true) return;
    res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  #sendError(res: ServerResponse, e: BinanceError): void {
    this.#send(res, e.status, e.body);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
