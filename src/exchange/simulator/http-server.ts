import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BadSymbol } from '../exchange-error.js';
import type { Order } from '../types.js';
import {
  accountJson,
  badParameter,
  binanceErrorFor,
  bookTickerJson,
  canceledOrderJson,
  decimal,
  exchangeInfo,
  newOrderJson,
  orderDoesNotExist,
  orderJson,
  symbolId,
  ticker24hJson,
  type BinanceError,
} from './binance-codec.js';
import type { SimOperation } from './fault-injector.js';
import { corrupt } from './in-process-exchange.js';
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

type Params = Readonly<Record<string, string>>;
type Answer = { readonly status: number; readonly body: unknown };
interface Route {
  readonly operation: SimOperation;
  readonly signed: boolean;
  readonly handle: (p: Params) => Answer;
}

/**
 * The simulator behind a local HTTP server speaking a subset of Binance spot REST, so the
 * real ccxt `binance` client trades against it. Injected faults become protocol behaviour:
 * a held response (timeouts, after acting or not), 503, 429 with Retry-After, a destroyed
 * socket after acting (disconnect).
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
  #seq = 0;

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
    this.#routes = this.#buildRoutes();
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.#send(res, 500, { code: -1000, msg: String(err) });
      });
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
    if (fault === null) {
      this.#answer(res, route, params);
      return;
    }
    switch (fault) {
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
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  #sendText(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  #sendError(res: ServerResponse, e: BinanceError): void {
    this.#send(res, e.status, e.body);
  }

  #symbol(params: Params, required: boolean): string | undefined {
    const id = params['symbol'];
    if (id === undefined) {
      if (required)
        throw new ParamError(
          badParameter("Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
        );
      return undefined;
    }
    const m = this.#sim.markets().find((x) => symbolId(x.symbol) === id);
    if (m === undefined) throw new BadSymbol(`unknown symbol ${id}`);
    return m.symbol;
  }

  #findOrder(symbol: string, params: Params): Order | null {
    const cid = params['origClientOrderId'];
    const id = params['orderId'];
    if (id !== undefined) {
      const o = this.#sim.order(id);
      return o !== null && o.symbol === symbol ? o : null;
    }
    if (cid !== undefined) return this.#sim.orderByClientId(symbol, cid);
    throw new ParamError(
      badParameter("Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"),
    );
  }

  #buildRoutes(): ReadonlyMap<string, Route> {
    const sim = this.#sim;
    const now = () => sim.clock.now();
    const ok = (body: unknown): Answer => ({ status: 200, body });
    const guard =
      (f: (p: Params) => Answer) =>
      (p: Params): Answer => {
        try {
          return f(p);
        } catch (err) {
          if (err instanceof ParamError) return { status: 0, body: err.answer };
          throw err;
        }
      };
    const ticker = (p: Params) =>
      corrupt(sim.ticker(this.#symbol(p, true)!), sim.faults.badData(), sim.faults.staleMs);
    const table: Array<[string, SimOperation, boolean, (p: Params) => Answer]> = [
      ['GET /api/v3/ping', 'fetchTime', false, () => ok({})],
      ['GET /api/v3/time', 'fetchTime', false, () => ok({ serverTime: sim.serverTime() })],
      ['GET /api/v3/exchangeInfo', 'loadMarkets', false, () => ok(exchangeInfo(sim, now()))],
      ['GET /sapi/v1/margin/allPairs', 'loadMarkets', false, () => ok([])],
      ['GET /sapi/v1/margin/isolated/allPairs', 'loadMarkets', false, () => ok([])],
      ['GET /api/v3/ticker/24hr', 'fetchTicker', false, (p) => ok(ticker24hJson(ticker(p)))],
      ['GET /api/v3/ticker/bookTicker', 'fetchTicker', false, (p) => ok(bookTickerJson(ticker(p)))],
      [
        'GET /api/v3/ticker/price',
        'fetchTicker',
        false,
        (p) => {
          const t = ticker(p);
          return ok({ symbol: symbolId(t.symbol), price: decimal(t.last) });
        },
      ],
      [
        'GET /api/v3/depth',
        'fetchTicker',
        false,
        (p) => {
          const t = ticker(p);
          return ok({
            lastUpdateId: t.timestamp,
            bids: [[decimal(t.bid), decimal(1e6)]],
            asks: [[decimal(t.ask), decimal(1e6)]],
          });
        },
      ],
      ['POST /api/v3/order', 'createOrder', true, (p) => this.#createOrder(p)],
      [
        'GET /api/v3/order',
        'fetchOrder',
        true,
        (p) => {
          const o = this.#findOrder(this.#symbol(p, true)!, p);
          return o === null ? { status: 0, body: orderDoesNotExist } : ok(orderJson(o, now()));
        },
      ],
      [
        'DELETE /api/v3/order',
        'cancelOrder',
        true,
        (p) => {
          const symbol = this.#symbol(p, true)!;
          const o = this.#findOrder(symbol, p);
          if (o === null) return { status: 0, body: unknownOrder };
          return ok(canceledOrderJson(sim.cancelOrder(o.id, symbol), now()));
        },
      ],
      [
        'DELETE /api/v3/openOrders',
        'cancelAllOrders',
        true,
        (p) => ok(sim.cancelAllOrders(this.#symbol(p, true)).map((o) => canceledOrderJson(o, now()))),
      ],
      [
        'GET /api/v3/openOrders',
        'fetchOpenOrders',
        true,
        (p) => ok(sim.openOrders(this.#symbol(p, false)).map((o) => orderJson(o, now()))),
      ],
      ['GET /api/v3/account', 'fetchBalances', true, () => ok(accountJson(sim.balances(), now()))],
    ];
    return new Map(
      table.map(([key, operation, signed, handle]) => [key, { operation, signed, handle: guard(handle) }]),
    );
  }

  #createOrder(p: Params): Answer {
    const symbol = this.#symbol(p, true)!;
    const side = p['side'] === 'BUY' ? 'buy' : p['side'] === 'SELL' ? 'sell' : null;
    if (side === null) throw new ParamError({ status: 400, body: { code: -1117, msg: 'Invalid side.' } });
    const type = p['type'] === 'LIMIT' ? 'limit' : p['type'] === 'MARKET' ? 'market' : null;
    if (type === null)
      throw new ParamError({ status: 400, body: { code: -1116, msg: 'Invalid orderType.' } });
    const amount = Number(p['quantity']);
    if (p['quantity'] === undefined || !Number.isFinite(amount)) {
      throw new ParamError({
        status: 400,
        body: { code: -1100, msg: "Illegal characters found in parameter 'quantity'." },
      });
    }
    const price = p['price'] === undefined ? undefined : Number(p['price']);
    this.#seq += 1;
    const clientOrderId = p['newClientOrderId'] ?? `sim${this.#sim.clock.now()}n${this.#seq}`;
    const order = this.#sim.placeOrder({
      symbol,
      side,
      type,
      amount,
      clientOrderId,
      ...(price === undefined ? {} : { price }),
    });
    const json = newOrderJson(order, this.#sim.clock.now());
    return { status: 200, body: p['newOrderRespType'] === 'FULL' ? { ...json, fills: [] } : json };
  }
}

const unknownOrder: BinanceError = { status: 400, body: { code: -2011, msg: 'Unknown order sent.' } };

/** A request parameter problem, answered with Binance's error body. */
class ParamError extends Error {
  readonly answer: BinanceError;
  constructor(answer: BinanceError) {
    super(answer.body.msg);
    this.name = 'ParamError';
    this.answer = answer;
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
