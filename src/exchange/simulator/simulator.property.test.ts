// Random operation sequences never break the simulator's invariants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { ExchangeSimulator } from './simulator.js';

const op = fc.oneof(
  fc.record({
    kind: fc.constant('place' as const),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    type: fc.constantFrom('limit' as const, 'market' as const),
    amount: fc.integer({ min: 1, max: 30 }).map((n) => n / 10),
    price: fc.integer({ min: 80, max: 120 }),
    cid: fc.constantFrom('a', 'b', 'c', 'd'),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cancelAll' as const) }),
  fc.record({ kind: fc.constant('mid' as const), mid: fc.integer({ min: 70, max: 130 }) }),
);

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

describe('ExchangeSimulator invariants', () => {
  it('keeps balances, reservations, fills, positions and open client ids consistent, with partial fills', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(undefined, 0.5, 1.3), (ops, touchSize) => {
        const s = new ExchangeSimulator({
          clock: new ManualClock(0),
          markets: [
            {
              symbol: 'BTC/USDT',
              mid: 100,
              spreadBps: 100,
              ...(touchSize === undefined ? {} : { touchSize }),
            },
          ],
          balances: { USDT: 2_000, BTC: 3 },
        });
        for (const o of ops) {
          try {
            if (o.kind === 'place') {
              s.placeOrder({
                symbol: 'BTC/USDT',
                side: o.side,
                type: o.type,
                amount: o.amount,
                price: o.price,
                clientOrderId: o.cid,
              });
            } else if (o.kind === 'cancel') {
              const open = s.openOrders();
              if (open.length > 0) s.cancelOrder(open[o.pick % open.length]!.id, 'BTC/USDT');
            } else if (o.kind === 'cancelAll') {
              s.cancelAllOrders();
            } else {
              s.setMid('BTC/USDT', o.mid);
            }
          } catch (err) {
            assert.ok(['InsufficientFunds', 'DuplicateOrderId'].includes((err as Error).name), String(err));
          }
        }
        const bal = Object.fromEntries(s.balances().map((b) => [b.currency, b]));
        const open = s.openOrders();
        const filled = s.allOrders().filter((o) => o.filled > 0);
        let base = 3;
        let quote = 2_000;
        for (const o of filled) {
          const sign = o.side === 'buy' ? 1 : -1;
          base += sign * o.filled;
          quote -= sign * o.filled * o.average!;
        }
        for (const b of Object.values(bal)) assert.ok(b.free >= -1e-9 && b.used >= -1e-9, JSON.stringify(b));
        assert.ok(close(bal['BTC']!.total, base));
        assert.ok(close(bal['USDT']!.total, quote));
        const rest = (o: { amount: number; filled: number }) => o.amount - o.filled;
        const reservedQuote = open
          .filter((o) => o.side === 'buy')
          .reduce((a, o) => a + rest(o) * o.price!, 0);
        const reservedBase = open.filter((o) => o.side === 'sell').reduce((a, o) => a + rest(o), 0);
        for (const o of s.allOrders()) {
          assert.ok(o.filled >= 0 && o.filled <= o.amount, JSON.stringify(o));
          assert.equal(o.status === 'closed', o.filled === o.amount, JSON.stringify(o));
        }
        assert.ok(close(bal['USDT']!.used, reservedQuote));
        assert.ok(close(bal['BTC']!.used, reservedBase));
        assert.equal(new Set(open.map((o) => o.clientOrderId)).size, open.length);
        assert.ok(close(s.positions()[0]?.amount ?? 0, base - 3));
      }),
      { numRuns: 300 },
    );
  });
});
