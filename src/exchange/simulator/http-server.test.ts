// The HTTP front end at the protocol level (no ccxt): routes, auth presence, fault behaviour, close().
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SimulatorHttpServer } from './http-server.js';
import { ExchangeSimulator } from './simulator.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A bare HTTP call; resolves 'socket-error' when the server drops the connection. */
function call(
  url: string,
  method: string,
  path: string,
  body = '',
  apiKey = 'k',
): Promise<Reply | 'socket-error'> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(apiKey === '' ? {} : { 'X-MBX-APIKEY': apiKey }),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', () => resolve('socket-error'));
    req.end(body);
  });
}

/** An order request signed "now" (the simulator checks the timestamp against its own clock). */
const order = (extra = '', ts = Date.now()) =>
  `symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=90&timeInForce=GTC&newClientOrderId=h1&timestamp=${ts}${extra}&signature=x`;

describe('SimulatorHttpServer', () => {
  let sim: ExchangeSimulator;
  let server: SimulatorHttpServer;
  let url: string;

  beforeEach(async () => {
    sim = new ExchangeSimulator({ markets: [{ symbol: 'BTC/USDT', mid: 100 }], balances: { USDT: 1_000 } });
    server = new SimulatorHttpServer(sim, { holdMs: 60_000 });
    url = await server.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('binds 127.0.0.1 on a free port and serves exchangeInfo', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.url, url);
    const r = await call(url, 'GET', '/api/v3/exchangeInfo');
    assert.notEqual(r, 'socket-error');
    const info = JSON.parse((r as Reply).body) as { symbols: Array<{ symbol: string }> };
    assert.deepEqual(
      info.symbols.map((s) => s.symbol),
      ['BTCUSDT'],
    );
  });

  it('places an order with newClientOrderId and finds it by origClientOrderId; -2013 when absent', async () => {
    const placed = (await call(url, 'POST', '/api/v3/order', order())) as Reply;
    assert.equal(placed.status, 200);
    assert.equal((JSON.parse(placed.body) as { clientOrderId: string }).clientOrderId, 'h1');
    const found = (await call(
      url,
      'GET',
      `/api/v3/order?symbol=BTCUSDT&origClientOrderId=h1&timestamp=${Date.now()}&signature=x`,
    )) as Reply;
    assert.equal((JSON.parse(found.body) as { status: string }).status, 'NEW');
    const absent = (await call(
      url,
      'GET',
      `/api/v3/order?symbol=BTCUSDT&origClientOrderId=zz&timestamp=${Date.now()}&signature=x`,
    )) as Reply;
    assert.equal(absent.status, 400);
    assert.deepEqual(JSON.parse(absent.body), { code: -2013, msg: 'Order does not exist.' });
  });

  it('requires an API key and a signature on signed endpoints, and 404s unknown paths', async () => {
    assert.equal(((await call(url, 'GET', '/api/v3/account', '', '')) as Reply).status, 401);
    const unsigned = (await call(url, 'GET', '/api/v3/account')) as Reply;
    assert.equal((JSON.parse(unsigned.body) as { code: number }).code, -1102);
    assert.equal(((await call(url, 'GET', '/api/v3/nope')) as Reply).status, 404);
    const noTime = (await call(url, 'GET', '/api/v3/account?signature=x')) as Reply;
    assert.equal((JSON.parse(noTime.body) as { code: number }).code, -1102);
    const signed = `/api/v3/account?timestamp=${Date.now()}&signature=x`;
    assert.equal(((await call(url, 'GET', signed)) as Reply).status, 200);
  });

  it('answers 429 with a Retry-After header in seconds, and 503 as plain text', async () => {
    sim.faults.configure({ retryAfterMs: 2_500 });
    sim.faults.injectNext('http_429');
    const r = (await call(url, 'GET', '/api/v3/time')) as Reply;
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '3');
    sim.faults.injectNext('http_5xx');
    const s = (await call(url, 'GET', '/api/v3/time')) as Reply;
    assert.equal(s.status, 503);
    assert.equal(s.headers['content-type'], 'text/html');
  });

  it('disconnect: destroys the socket after placing the order', async () => {
    sim.faults.injectNext('disconnect');
    assert.equal(await call(url, 'POST', '/api/v3/order', order()), 'socket-error');
    assert.equal(sim.orderByClientId('BTC/USDT', 'h1')?.status, 'open');
  });

  it('timeout_after_accept holds the answer until close(), and the order is placed', async () => {
    sim.faults.injectNext('timeout_after_accept');
    const pending = call(url, 'POST', '/api/v3/order', order());
    for (let i = 0; i < 50 && sim.allOrders().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sim.allOrders().length, 1);
    await server.close();
    assert.equal(await pending, 'socket-error');
  });

  it('timeout_before_accept holds the answer and places nothing', async () => {
    sim.faults.injectNext('timeout_before_accept');
    const pending = call(url, 'POST', '/api/v3/order', order());
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    assert.equal(await pending, 'socket-error');
    assert.equal(sim.allOrders().length, 0);
  });

  it('refuses a signed request outside its recvWindow with -1021 and acts on nothing', async () => {
    const stale = (await call(url, 'POST', '/api/v3/order', order('', Date.now() - 5_001))) as Reply;
    assert.equal(stale.status, 400);
    assert.deepEqual(JSON.parse(stale.body), {
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    });
    const ahead = (await call(url, 'POST', '/api/v3/order', order('', Date.now() + 2_000))) as Reply;
    assert.equal((JSON.parse(ahead.body) as { code: number }).code, -1021);
    const wide = (await call(url, 'POST', '/api/v3/order', order('&recvWindow=60001'))) as Reply;
    assert.equal((JSON.parse(wide.body) as { code: number }).code, -1131);
    assert.equal(sim.allOrders().length, 0);
    // a longer recvWindow sent with the request is honoured
    const old = (await call(
      url,
      'POST',
      '/api/v3/order',
      order('&recvWindow=20000', Date.now() - 10_000),
    )) as Reply;
    assert.equal(old.status, 200);
    assert.equal(sim.allOrders().length, 1);
  });

  it('delayed_accept: nothing is placed until acceptDelayMs after receipt, then the order lands', async () => {
    sim.faults.configure({ acceptDelayMs: 400 });
    sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const pending = call(url, 'POST', '/api/v3/order', order());
    for (let i = 0; i < 100 && sim.faults.injected().delayed_accept === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.equal(sim.faults.injected().delayed_accept, 1, 'the request was received');
    assert.equal(sim.allOrders().length, 0, 'received, not yet accepted');
    const r = (await pending) as Reply;
    assert.equal(r.status, 200);
    assert.equal(sim.orderByClientId('BTC/USDT', 'h1')?.status, 'open');
  });

  it('delayed_accept checks the window again on acceptance: past it, the order is refused', async () => {
    sim.faults.configure({ acceptDelayMs: 300 });
    sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const r = (await call(url, 'POST', '/api/v3/order', order('&recvWindow=100'))) as Reply;
    assert.equal((JSON.parse(r.body) as { code: number }).code, -1021);
    assert.equal(sim.allOrders().length, 0);
  });

  it('validates its options', () => {
    assert.throws(() => new SimulatorHttpServer(sim, { port: 70_000 }), /port/);
    assert.throws(() => new SimulatorHttpServer(sim, { holdMs: -1 }), /holdMs/);
  });
});
