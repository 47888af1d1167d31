import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBalances, parseOrder, parsePosition, parseTicker } from './ccxt-parse.js';

const good: Readonly<Record<string, unknown>> = {
  id: '7',
  clientOrderId: 'c7',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  filled: 0,
  average: undefined,
  status: 'open',
  timestamp: 1,
};

describe('ccxt answer validation', () => {
  it('accepts a complete order and maps expired to canceled', () => {
    assert.equal(parseOrder(good).status, 'open');
    assert.equal(parseOrder({ ...good, status: 'expired' }).status, 'canceled');
    assert.equal(parseOrder({ ...good, filled: 1, average: 89.5 }).average, 89.5);
  });

  for (const field of [
    'id',
    'clientOrderId',
    'symbol',
    'side',
    'type',
    'amount',
    'filled',
    'status',
    'timestamp',
    'price',
  ]) {
    it(`rejects an order without ${field}, naming the field`, () => {
      const { [field]: _dropped, ...rest } = good;
      assert.throws(
        () => parseOrder(rest),
        (e: unknown) => {
          const err = e as { code?: string; field?: string; message: string };
          return (
            err.code === 'E_BAD_EXCHANGE_DATA' &&
            err.field === `order.${field}` &&
            /missing/.test(err.message)
          );
        },
      );
    });
  }

  it('never coerces: a string amount, a NaN filled, an unknown status are errors', () => {
    assert.throws(() => parseOrder({ ...good, amount: '1' }), { field: 'order.amount' });
    assert.throws(() => parseOrder({ ...good, filled: NaN }), { field: 'order.filled' });
    assert.throws(() => parseOrder({ ...good, status: 'pending' }), { field: 'order.status' });
    assert.throws(() => parseOrder(null), { field: 'order' });
  });

  it('parses balances and rejects a currency without used', () => {
    const raw = { total: { BTC: 2 }, BTC: { free: 1.5, used: 0.5, total: 2 } };
    assert.deepEqual(parseBalances(raw), [{ currency: 'BTC', free: 1.5, used: 0.5, total: 2 }]);
    assert.throws(() => parseBalances({ total: { BTC: 2 }, BTC: { free: 2, total: 2 } }), {
      field: 'balance.BTC.used',
    });
  });

  it('signs positions by side and contract size', () => {
    const p = parsePosition({
      symbol: 'BTC/USDT:USDT',
      side: 'short',
      contracts: 3,
      contractSize: 0.5,
      entryPrice: 10,
    });
    assert.deepEqual(p, { symbol: 'BTC/USDT:USDT', amount: -1.5, entryPrice: 10 });
    assert.throws(() => parsePosition({ symbol: 'X', contracts: 1 }), { field: 'position.side' });
  });

  it('lets a NaN price through a ticker (the freshness layer judges it) but not a missing one', () => {
    assert.ok(Number.isNaN(parseTicker({ symbol: 'A/B', bid: NaN, ask: 1, last: 1, timestamp: 1 }).bid));
    assert.throws(() => parseTicker({ symbol: 'A/B', ask: 1, last: 1, timestamp: 1 }), {
      field: 'ticker.bid',
    });
  });
});
