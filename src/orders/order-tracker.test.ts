import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Order } from '../exchange/index.js';
import { OrderTracker, type OrderLifeEvent } from './order-tracker.js';

const order = (over: Partial<Order> = {}): Order => ({
  id: 'o1',
  clientOrderId: 'c1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 3,
  price: 95,
  filled: 0,
  average: null,
  status: 'open',
  timestamp: 1,
  ...over,
});

describe('OrderTracker', () => {
  it('tells a fill when the filled amount grows and a cancel once; the same answer twice tells nothing', () => {
    const told: [OrderLifeEvent, string, number][] = [];
    const t = new OrderTracker((e, k, o) => told.push([e, k, o.filled]));
    t.observe('k', order());
    t.observe('k', order({ filled: 1 }));
    t.observe('k', order({ filled: 1 }));
    t.observe('k', order({ filled: 2, status: 'canceled' }));
    t.observe('k', order({ filled: 2, status: 'canceled' }));
    assert.deepEqual(told, [
      ['filled', 'k', 1],
      ['filled', 'k', 2],
      ['cancelled', 'k', 2],
    ]);
    assert.deepEqual(t.open(), []);
  });

  it('an order first seen filled and closed tells its fill once', () => {
    const told: OrderLifeEvent[] = [];
    const t = new OrderTracker((e) => told.push(e));
    t.observe('m', order({ id: 'o2', filled: 3, status: 'closed' }));
    t.observe('m', order({ id: 'o2', filled: 3, status: 'closed' }));
    assert.deepEqual(told, ['filled']);
  });
});
