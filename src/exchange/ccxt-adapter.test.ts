// The real ccxt client (binance class) against the simulator's HTTP server, through CcxtExchange.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CcxtExchange } from './ccxt-adapter.js';
import { createSimulatedCcxt } from './ccxt-sim-client.js';
import { isAmbiguous } from './exchange-error.js';
import { SimulatorHttpServer } from './simulator/http-server.js';
import { ExchangeSimulator } from './simulator/simulator.js';

const symbol = 'BTC/USDT';
const limit = { symbol, side: 'buy', type: 'limit', amount: 1, price: 90 } as const;

describe('CcxtExchange over the real ccxt binance client and the simulator HTTP server', () => {
  let sim: ExchangeSimulator;
  let server: SimulatorHttpServer;
  let ex: CcxtExchange;
  let n = 0;
  const cid = () => `t${++n}`;

  before(async () => {
    sim = new ExchangeSimulator({
      markets: [
        { symbol, mid: 100 },
        { symbol: 'ETH/USDT', mid: 10 },
      ],
      balances: { USDT: 100_000, BTC: 10 },
    });
    server = new SimulatorHttpServer(sim, { holdMs: 5_000 });
    const url = await server.start();
    ex = new CcxtExchange(await createSimulatedCcxt(url, { timeout: 300 }), { positions: 'none' });
  });

  after(async () => {
    await ex.close();
    await server.close();
    sim.close();
  });

  beforeEach(async () => {
    sim.faults.clear();
    await ex.cancelAllOrders();
  });

  it('loads markets, places with the client id, fetches it, lists and cancels', async () => {
    assert.equal(ex.clientIdConvention.createParam, 'newClientOrderId');
    const id = cid();
    const o = await ex.createOrder({ ...limit, clientOrderId: id });
    assert.equal(o.clientOrderId, id);
    assert.equal(o.status, 'open');
    assert.equal(o.price, 90);
    assert.deepEqual(await ex.fetchOrderByClientId(symbol, id), { ...o, timestamp: o.timestamp });
    assert.deepEqual(
      (await ex.fetchOpenOrders(symbol)).map((x) => x.clientOrderId),
      [id],
    );
    const canceled = await ex.cancelOrder(o.id, symbol);
    assert.equal(canceled.status, 'canceled');
    assert.equal((await ex.fetchOrderByClientId(symbol, id))?.status, 'canceled');
    assert.equal((await ex.fetchOpenOrders()).length, 0);
  });

  it('sends its recvWindow (5000 by default) and the recorded send time as the timestamp: a stale send is refused, not placed', async () => {
    assert.equal(ex.receiveWindowMs, 5_000);
    const fresh = await ex.createOrder({ ...limit, clientOrderId: cid(), sentAt: Date.now() - 4_000 });
    assert.equal(fresh.status, 'open', 'inside the window');
    const id = cid();
    const err = await ex
      .createOrder({ ...limit, clientOrderId: id, sentAt: Date.now() - 5_500 })
      .catch((e: unknown) => e);
    assert.equal((err as Error).name, 'InvalidNonce');
    assert.equal((err as { code?: string }).code, 'E_INVALID_NONCE');
    assert.equal(isAmbiguous(err), false, 'refused for good: safe to send again');
    assert.equal(sim.orderByClientId(symbol, id), null);
  });

  it('sends the recvWindow it is configured with (the venue honours 8000 where its default is 5000)', async () => {
    const wide = new CcxtExchange(await createSimulatedCcxt(server.url, { timeout: 300 }), {
      positions: 'none',
      recvWindowMs: 8_000,
    });
    try {
      assert.equal(wide.receiveWindowMs, 8_000);
      const o = await wide.createOrder({ ...limit, clientOrderId: cid(), sentAt: Date.now() - 6_500 });
      assert.equal(o.status, 'open');
    } finally {
      await wide.close();
    }
    assert.throws(
      () =>
        new CcxtExchange({ id: 'binance', has: {}, createOrder: () => Promise.resolve() } as never, {
          recvWindowMs: 70_000,
        }),
      /recvWindowMs/,
    );
  });

  it('answers null for a client id the venue does not know', async () => {
    assert.equal(await ex.fetchOrderByClientId(symbol, 'never-sent'), null);
  });

  it('fills a market order and shows it in balances', async () => {
    const before = (await ex.fetchBalances()).find((b) => b.currency === 'BTC')!;
    const o = await ex.createOrder({
      symbol,
      side: 'buy',
      type: 'market',
      amount: 0.5,
      clientOrderId: cid(),
    });
    assert.equal(o.status, 'closed');
    assert.equal(o.filled, 0.5);
    const afterBal = (await ex.fetchBalances()).find((b) => b.currency === 'BTC')!;
    assert.equal(afterBal.total, before.total + 0.5);
  });

  it('validates a request before sending anything', async () => {
    await assert.rejects(ex.createOrder({ ...limit, amount: NaN, clientOrderId: cid() }), {
      name: 'InvalidOrder',
      message: /amount/,
    });
    await assert.rejects(ex.createOrder({ ...limit, price: -1, clientOrderId: cid() }), /price/);
    await assert.rejects(ex.createOrder({ ...limit, clientOrderId: '' }), /clientOrderId/);
    assert.equal(sim.allOrders().filter((o) => o.status === 'open').length, 0);
  });

  it('cancel-all of a symbol with nothing open is an empty list (Binance answers -2011)', async () => {
    assert.deepEqual(await ex.cancelAllOrders(symbol), []);
  });

  it('cancels all orders across symbols', async () => {
    await ex.createOrder({ ...limit, clientOrderId: cid() });
    await ex.createOrder({ ...limit, symbol: 'ETH/USDT', price: 5, clientOrderId: cid() });
    assert.equal((await ex.cancelAllOrders()).length, 2);
    assert.equal(sim.openOrders().length, 0);
  });

  it('maps venue rejections to ccxt-named errors', async () => {
    const id = cid();
    await ex.createOrder({ ...limit, clientOrderId: id });
    await assert.rejects(ex.createOrder({ ...limit, clientOrderId: id }), { name: 'DuplicateOrderId' });
    await assert.rejects(ex.createOrder({ ...limit, amount: 1e6, clientOrderId: cid() }), {
      name: 'InsufficientFunds',
    });
    await assert.rejects(ex.cancelOrder('999999', symbol), { name: 'OrderNotFound' });
    await assert.rejects(
      ex.createOrder({
        symbol: 'ETH/USDT',
        side: 'sell',
        type: 'market',
        amount: 1,
        reduceOnly: true,
        clientOrderId: cid(),
      }),
      { name: 'InvalidOrder', message: /reduce-only/ },
    );
    await assert.rejects(ex.fetchTicker('NOPE/USDT'), { name: 'BadSymbol' });
  });

  it('timeout after acceptance: RequestTimeout, and the order IS on the book', async () => {
    sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    const id = cid();
    const err = await ex.createOrder({ ...limit, clientOrderId: id }).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'RequestTimeout');
    assert.ok(isAmbiguous(err));
    assert.equal((await ex.fetchOrderByClientId(symbol, id))?.status, 'open');
    assert.equal(sim.openOrders(symbol).length, 1);
  });

  it('timeout before acceptance: RequestTimeout, and nothing on the book', async () => {
    sim.faults.injectNext('timeout_before_accept', { operation: 'createOrder' });
    const id = cid();
    await assert.rejects(ex.createOrder({ ...limit, clientOrderId: id }), { name: 'RequestTimeout' });
    assert.equal(await ex.fetchOrderByClientId(symbol, id), null);
  });

  it('5xx reaches ccxt as ExchangeNotAvailable', async () => {
    sim.faults.injectNext('http_5xx', { operation: 'createOrder' });
    const err = await ex.createOrder({ ...limit, clientOrderId: cid() }).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'ExchangeNotAvailable');
    assert.equal(((err as Error).cause as Error).constructor.name, 'ExchangeNotAvailable');
    assert.equal(sim.openOrders().length, 0);
  });

  it('429 reaches ccxt as DDoSProtection, with Retry-After', async () => {
    sim.faults.configure({ retryAfterMs: 2000 });
    sim.faults.injectNext('http_429', { operation: 'fetchBalances' });
    const err = await ex.fetchBalances().catch((e: unknown) => e);
    assert.ok(['DDoSProtection', 'RateLimitExceeded'].includes((err as Error).name));
    assert.equal((err as { retryAfterMs?: number }).retryAfterMs, 2000);
    assert.equal(isAmbiguous(err), false);
    sim.faults.configure({});
  });

  it('disconnect reaches ccxt as NetworkError, after the venue acted', async () => {
    sim.faults.injectNext('disconnect', { operation: 'createOrder' });
    const id = cid();
    const err = await ex.createOrder({ ...limit, clientOrderId: id }).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'NetworkError');
    assert.equal((await ex.fetchOrderByClientId(symbol, id))?.status, 'open');
  });

  it('disconnect on a read reaches ccxt as NetworkError too (no silent retry)', async () => {
    sim.faults.injectNext('disconnect', { operation: 'fetchBalances' });
    await assert.rejects(ex.fetchBalances(), { name: 'NetworkError' });
    assert.ok((await ex.fetchBalances()).length > 0);
  });

  it('latency past the client timeout: RequestTimeout now, the order lands later', async () => {
    sim.faults.configure({ latencyMs: 450, operations: ['createOrder'] });
    const id = cid();
    await assert.rejects(ex.createOrder({ ...limit, clientOrderId: id }), { name: 'RequestTimeout' });
    sim.faults.configure({});
    assert.equal(await ex.fetchOrderByClientId(symbol, id), null);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal((await ex.fetchOrderByClientId(symbol, id))?.status, 'open');
  });

  it('bad market data: a stale price passes through; a zero or NaN one is E_BAD_EXCHANGE_DATA', async () => {
    sim.faults.injectBadData('stale');
    const t = await ex.fetchTicker(symbol);
    assert.ok(Date.now() - t.timestamp >= 59_000);
    // ccxt parses a zero price as undefined: the adapter reports it missing, never 0.
    sim.faults.injectBadData('zero');
    await assert.rejects(ex.fetchTicker(symbol), { code: 'E_BAD_EXCHANGE_DATA', field: 'ticker.bid' });
    // ccxt cannot parse "NaN" at all (a SyntaxError inside ccxt): also E_BAD_EXCHANGE_DATA.
    sim.faults.injectBadData('nan');
    await assert.rejects(ex.fetchTicker(symbol), { code: 'E_BAD_EXCHANGE_DATA', field: 'response' });
    assert.equal((await ex.fetchTicker(symbol)).last, 100);
  });

  it("reports the server time; the simulator's dead man's switch is armed and disarmed over the wire", async () => {
    const t = await ex.fetchServerTime();
    assert.ok(Math.abs(t - Date.now()) < 5_000);
    assert.deepEqual(await ex.armDeadMansSwitch(10_000), { status: 'armed', timeoutMs: 10_000 });
    assert.ok((sim.deadManDeadline ?? 0) > Date.now() + 5_000);
    assert.deepEqual(await ex.armDeadMansSwitch(0), { status: 'disarmed' });
    assert.equal(sim.deadManDeadline, null);
    // ccxt's own binance (spot) has none
    const ccxt = await import('ccxt');
    assert.equal((await new CcxtExchange(new ccxt.binance()).armDeadMansSwitch(1)).status, 'unsupported');
  });
});
