// CcxtExchange against a structural fake: per-venue client-id params, the generic scan,
// positions, the dead man's switch, aborts. The real client is covered in ccxt-adapter.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CcxtExchange, type CcxtLike } from './ccxt-adapter.js';

type Params = Record<string, unknown>;

function order(over: Params = {}): Params {
  return {
    id: '1',
    clientOrderId: 'c1',
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    amount: 1,
    price: 90,
    filled: 0,
    status: 'open',
    timestamp: 5,
    ...over,
  };
}

function fake(id: string, over: Partial<CcxtLike> = {}) {
  const calls: Array<[string, unknown[]]> = [];
  const log =
    (name: string, result: unknown) =>
    async (...args: unknown[]) => {
      calls.push([name, args]);
      return typeof result === 'function' ? (result as (...a: unknown[]) => unknown)(...args) : result;
    };
  const ex: CcxtLike = {
    id,
    has: { fetchClosedOrders: true, fetchPositions: true, cancelAllOrdersAfter: true },
    createOrder: log('createOrder', (...a: unknown[]) =>
      order({ clientOrderId: Object.values(a[5] as Params)[0] }),
    ),
    fetchOrder: log('fetchOrder', order()),
    fetchOpenOrders: log('fetchOpenOrders', [order({ clientOrderId: 'open-one' })]),
    fetchClosedOrders: log('fetchClosedOrders', [
      order({ clientOrderId: 'c1', status: 'closed', filled: 1 }),
    ]),
    cancelOrder: log('cancelOrder', order({ status: 'canceled' })),
    cancelAllOrders: log('cancelAllOrders', { result: 'ok' }),
    fetchPositions: log('fetchPositions', [
      { symbol: 'BTC/USDT:USDT', side: 'long', contracts: 2, entryPrice: 100 },
      { symbol: 'ETH/USDT:USDT', side: 'long', contracts: 0 },
    ]),
    fetchBalance: log('fetchBalance', { total: {} }),
    fetchTicker: log('fetchTicker', {}),
    fetchTime: log('fetchTime', 123),
    cancelAllOrdersAfter: log('cancelAllOrdersAfter', {}),
    ...over,
  };
  return { ex, calls };
}

const req = {
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  clientOrderId: 'c1',
} as const;

describe('CcxtExchange conventions', () => {
  it("passes the client order id under each venue's own param", async () => {
    for (const [venue, param] of [
      ['binance', 'newClientOrderId'],
      ['okx', 'clOrdId'],
      ['bybit', 'orderLinkId'],
      ['kraken', 'clientOrderId'],
    ] as const) {
      const { ex, calls } = fake(venue);
      await new CcxtExchange(ex).createOrder({ ...req, reduceOnly: true });
      assert.deepEqual(calls[0]?.[1].at(-1), { [param]: 'c1', reduceOnly: true }, venue);
    }
  });

  it('rejects a create answer that carries another client id', async () => {
    const { ex } = fake('binance', { createOrder: async () => order({ clientOrderId: 'other' }) });
    await assert.rejects(new CcxtExchange(ex).createOrder(req), {
      code: 'E_BAD_EXCHANGE_DATA',
      field: 'order.clientOrderId',
    });
  });

  it('finds by client id with fetchOrder where the venue can, else scans open then closed orders', async () => {
    const b = fake('binance');
    await new CcxtExchange(b.ex).fetchOrderByClientId('BTC/USDT', 'c1');
    assert.deepEqual(b.calls[0], ['fetchOrder', [undefined, 'BTC/USDT', { origClientOrderId: 'c1' }]]);
    const k = fake('kraken');
    const found = await new CcxtExchange(k.ex).fetchOrderByClientId('BTC/USDT', 'c1');
    assert.equal(found?.status, 'closed');
    assert.deepEqual(
      k.calls.map(([n]) => n),
      ['fetchOpenOrders', 'fetchClosedOrders'],
    );
    assert.equal(await new CcxtExchange(k.ex).fetchOrderByClientId('BTC/USDT', 'nobody'), null);
  });

  it('filters flat positions and answers [] when configured without positions', async () => {
    const { ex } = fake('bybit');
    assert.deepEqual(await new CcxtExchange(ex).fetchPositions(), [
      { symbol: 'BTC/USDT:USDT', amount: 2, entryPrice: 100 },
    ]);
    assert.deepEqual(await new CcxtExchange(ex, { positions: 'none' }).fetchPositions(), []);
  });

  it("arms the dead man's switch through cancelAllOrdersAfter, or says unsupported", async () => {
    const { ex, calls } = fake('bybit');
    assert.deepEqual(await new CcxtExchange(ex).armDeadMansSwitch(30_000), {
      status: 'armed',
      timeoutMs: 30_000,
    });
    assert.deepEqual(calls[0], ['cancelAllOrdersAfter', [30_000]]);
    assert.deepEqual(await new CcxtExchange(ex).armDeadMansSwitch(0), { status: 'disarmed' });
    const none = fake('kraken', { has: {} });
    assert.equal((await new CcxtExchange(none.ex).armDeadMansSwitch(1)).status, 'unsupported');
  });

  it('stops waiting when the signal aborts', async () => {
    const { ex } = fake('binance', { fetchTime: () => new Promise(() => {}) });
    const ac = new AbortController();
    const p = new CcxtExchange(ex).fetchServerTime({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });

  it('validates its options', () => {
    const { ex } = fake('binance');
    assert.throws(() => new CcxtExchange(ex, { positions: 'some' as 'none' }), /positions/);
    assert.throws(() => new CcxtExchange(null as unknown as CcxtLike), RangeError);
  });
});
