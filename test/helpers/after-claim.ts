// An OrderStore whose `claim` is followed by `after`: another actor acting in the gap between an
// executor's claim and its send (a trip, a STOP file, a freeze). For the halt-before-send tests.
import type { OrderStore } from '../../src/orders/index.js';

export function afterClaim(orders: OrderStore, after: (key: string) => Promise<void> | void): OrderStore {
  return new Proxy(orders, {
    get(target, prop) {
      if (prop === 'claim')
        return async (c: Parameters<OrderStore['claim']>[0]) => {
          const r = await target.claim(c);
          await after(c.idempotencyKey);
          return r;
        };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
