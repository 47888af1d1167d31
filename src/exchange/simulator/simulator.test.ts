import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { ExchangeSimulator } from './simulator.js';

function sim(clock = new ManualClock(1_000_000)) {
  return new ExchangeSimulator({
    clock,
    markets: [{ symbol: 'BTC/USDT', mid: 100, spreadBps: 200 }],
    balances: { USDT: 10_000, BTC: 5 },
  });
}

const buy = { symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 2, price: 90 } as const;

describe('ExchangeSimulator', () => {
  it('fills a market order at the touch and moves balances and the position', () => {
    const s = sim();
    const o = s.placeOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      amount: 1,
      clientOrderId: 'm1',
    });
    assert.equal(o.status, 'closed');
    assert.equal(o.filled, 1);
    assert.equal(o.price, 101);
    const usdt = s.balances().find((b) => b.currency === 'USDT');
    assert.deepEqual(usdt, { currency: 'USDT', free: 9_899, used: 0, total: 9_899 });
    assert.deepEqual(s.positions(), [{ symbol: 'BTC/USDT', amount: 1, entryPrice: 101 }]);
  });

  it('rests a limit order that does not cross, reserving funds, and fills it when the mid crosses', () => {
    const s = sim();
    const o = s.placeOrder({ ...buy, clientOrderId: 'l1' });
    assert.equal(o.status, 'open');
    assert.equal(s.balances().find((b) => b.currency === 'USDT')?.used, 180);
    assert.equal(s.book('BTC/USDT').bids[1]?.orderId, o.id);
    s.setMid('BTC/USDT', 85); // ask 85.85 <= 90
    const after = s.orderByClientId('BTC/USDT', 'l1');
    assert.equal(after?.status, 'closed');
    assert.equal(after?.filled, 2);
    assert.deepEqual(
      s.balances().find((b) => b.currency === 'USDT'),
      {
        currency: 'USDT',
        free: 9_820,
        used: 0,
        total: 9_820,
      },
    );
    assert.equal(s.openOrders().length, 0);
  });

  it('fills a crossing limit order at the touch', () => {
    const s = sim();
    const o = s.placeOrder({ ...buy, price: 150, clientOrderId: 'x' });
    assert.equal(o.status, 'closed');
    assert.equal(s.positions()[0]?.entryPrice, 101);
  });

  it('fills partly when the touch is smaller than the order', () => {
    const s = new ExchangeSimulator({
      clock: new ManualClock(0),
      markets: [{ symbol: 'BTC/USDT', mid: 100, spreadBps: 200, touchSize: 1 }],
      balances: { USDT: 10_000 },
    });
    const m = s.placeOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'market',
      amount: 3,
      clientOrderId: 'm',
    });
    assert.equal(m.status, 'canceled'); // the rest of a market order expires
    assert.equal(m.filled, 1);
    const l = s.placeOrder({ ...buy, amount: 2.5, price: 110, clientOrderId: 'l' });
    assert.deepEqual([l.status, l.filled, l.average], ['open', 1, 101]);
    assert.equal(s.balances().find((b) => b.currency === 'USDT')?.used, 1.5 * 110);
    s.setMid('BTC/USDT', 100); // still crosses at 110: one more unit at the limit
    assert.deepEqual(s.orderByClientId('BTC/USDT', 'l')?.filled, 2);
    s.setMid('BTC/USDT', 99);
    const done = s.orderByClientId('BTC/USDT', 'l')!;
    assert.deepEqual([done.status, done.filled], ['closed', 2.5]);
    assert.ok(Math.abs(done.average! - (101 + 110 + 0.5 * 110) / 2.5) < 1e-9);
    assert.equal(s.balances().find((b) => b.currency === 'USDT')?.used, 0);
  });

  it('enforces client order id uniqueness among open orders only', () => {
    const s = sim();
    const first = s.placeOrder({ ...buy, clientOrderId: 'dup' });
    assert.throws(() => s.placeOrder({ ...buy, clientOrderId: 'dup' }), { name: 'DuplicateOrderId' });
    s.cancelOrder(first.id, 'BTC/USDT');
    const again = s.placeOrder({ ...buy, clientOrderId: 'dup' });
    assert.notEqual(again.id, first.id);
    assert.equal(s.orderByClientId('BTC/USDT', 'dup')?.id, again.id);
  });

  it('rejects bad orders with a clear error and leaves nothing behind', () => {
    const s = sim();
    assert.throws(() => s.placeOrder({ ...buy, amount: NaN, clientOrderId: 'a' }), { name: 'InvalidOrder' });
    assert.throws(() => s.placeOrder({ ...buy, amount: -1, clientOrderId: 'a' }), { name: 'InvalidOrder' });
    assert.throws(() => s.placeOrder({ ...buy, symbol: 'ETH/USDT', clientOrderId: 'a' }), {
      name: 'BadSymbol',
    });
    assert.throws(() => s.placeOrder({ ...buy, amount: 1000, clientOrderId: 'a' }), {
      name: 'InsufficientFunds',
    });
    assert.throws(() => s.placeOrder({ ...buy, clientOrderId: 'bad id!' }), { name: 'InvalidOrder' });
    assert.throws(
      () => s.placeOrder({ ...buy, side: 'sell', reduceOnly: true, clientOrderId: 'a' }),
      /reduce-only/,
    );
    assert.equal(s.allOrders().length, 0);
    assert.equal(s.orderByClientId('BTC/USDT', 'a'), null);
  });

  it('cancels one order, all orders, and reports an unknown one as OrderNotFound', () => {
    const s = sim();
    const a = s.placeOrder({ ...buy, clientOrderId: 'a' });
    s.placeOrder({ ...buy, clientOrderId: 'b' });
    assert.equal(s.cancelOrder(a.id, 'BTC/USDT').status, 'canceled');
    assert.throws(() => s.cancelOrder(a.id, 'BTC/USDT'), { name: 'OrderNotFound' });
    assert.equal(s.cancelAllOrders('BTC/USDT').length, 1);
    assert.equal(s.balances().find((b) => b.currency === 'USDT')?.used, 0);
  });

  it("cancels every open order when the dead man's switch expires", () => {
    const clock = new ManualClock(0);
    const s = sim(clock);
    s.placeOrder({ ...buy, clientOrderId: 'a' });
    s.armDeadMansSwitch(5_000);
    clock.advance(4_999);
    assert.equal(s.openOrders().length, 1);
    s.armDeadMansSwitch(5_000); // refresh
    clock.advance(4_999);
    assert.equal(s.openOrders().length, 1);
    clock.advance(1);
    assert.equal(s.openOrders().length, 0);
    s.close();
  });

  it('starts from given positions and lets reduce-only orders reduce them', () => {
    const s = new ExchangeSimulator({
      markets: [{ symbol: 'BTC/USDT', mid: 100, spreadBps: 200 }],
      balances: { USDT: 0, BTC: 2 },
      positions: { 'BTC/USDT': { amount: 2, entryPrice: 80 } },
    });
    assert.throws(
      () =>
        s.placeOrder({
          symbol: 'BTC/USDT',
          side: 'sell',
          type: 'market',
          amount: 3,
          reduceOnly: true,
          clientOrderId: 'r',
        }),
      /reduce-only/,
    );
    s.placeOrder({
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'market',
      amount: 1,
      reduceOnly: true,
      clientOrderId: 'r',
    });
    assert.deepEqual(s.positions(), [{ symbol: 'BTC/USDT', amount: 1, entryPrice: 80 }]);
    assert.throws(
      () =>
        new ExchangeSimulator({
          markets: [{ symbol: 'A/B', mid: 1 }],
          balances: {},
          positions: { 'X/Y': { amount: 1, entryPrice: 1 } },
        }),
      /no such market/,
    );
  });

  it('validates its options', () => {
    assert.throws(() => new ExchangeSimulator({ markets: [], balances: {} }), RangeError);
    assert.throws(
      () => new ExchangeSimulator({ markets: [{ symbol: 'BTC', mid: 1 }], balances: {} }),
      /BASE\/QUOTE/,
    );
    assert.throws(() => new ExchangeSimulator({ markets: [{ symbol: 'A/B', mid: 0 }], balances: {} }), /mid/);
    assert.throws(
      () =>
        new ExchangeSimulator({
          markets: [{ symbol: 'A/B', mid: 1 }],
          balances: {},
          faults: { rates: { http_5xx: 2 } },
        }),
      /http_5xx/,
    );
  });
});
