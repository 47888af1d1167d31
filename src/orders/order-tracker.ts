import type { Exchange, Order } from '../exchange/index.js';
import type { CallOptions } from '../exchange/types.js';

const ENDED_KEPT = 10_000;

/** What the tracker tells about an order's life at the venue. */
export type OrderLifeEvent = 'filled' | 'cancelled';

/** An order the tracker follows: the intent it belongs to and what the venue last said. */
interface Tracked {
  readonly idempotencyKey: string;
  order: Order;
}

/** The outcome of one `sync`. */
export interface OrderSyncResult {
  /** Orders asked about. */
  readonly checked: number;
  /** Orders the tracker held open that the venue does not know (a state failure: reconcile). */
  readonly missing: readonly { readonly idempotencyKey: string; readonly order: Order }[];
}

/**
 * Follows the executor's orders after they are placed, so fills and cancels become state changes
 * (seed 003: a checkpoint on every order placed, filled, canceled). `observe` folds in what the
 * venue said about one order and tells `filled` when its filled amount grew and `cancelled` when
 * it ended canceled or rejected; the same answer twice tells nothing. `sync` asks the venue for
 * every order still open here.
 */
export class OrderTracker {
  readonly #live = new Map<string, Tracked>();
  /** Ids of orders seen ended lately, so a repeated answer about one tells nothing. */
  readonly #ended = new Set<string>();
  readonly #tell: (event: OrderLifeEvent, idempotencyKey: string, order: Order) => void;

  constructor(tell: (event: OrderLifeEvent, idempotencyKey: string, order: Order) => void) {
    this.#tell = tell;
  }

  /** Orders open at the venue as last seen, with their intents. */
  open(): { readonly idempotencyKey: string; readonly order: Order }[] {
    return [...this.#live.values()].map((t) => ({ idempotencyKey: t.idempotencyKey, order: t.order }));
  }

  /** Folds in what the venue reported about an order of `idempotencyKey`. */
  observe(idempotencyKey: string, order: Order): void {
    if (this.#ended.has(order.id)) return;
    const before = this.#live.get(order.id)?.order.filled ?? 0;
    if (order.status === 'open') this.#live.set(order.id, { idempotencyKey, order });
    else {
      this.#live.delete(order.id);
      this.#ended.add(order.id);
      if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.values().next().value as string);
    }
    // an order first seen closed was filled before we looked: its fills count now
    if (order.filled > before) this.#tell('filled', idempotencyKey, order);
    if (order.status === 'canceled' || order.status === 'rejected')
      this.#tell('cancelled', idempotencyKey, order);
  }

  /** Asks the venue about every order open here: open ones are re-read in one call, the rest one by one. */
  async sync(exchange: Exchange, options: CallOptions = {}): Promise<OrderSyncResult> {
    if (this.#live.size === 0) return { checked: 0, missing: [] };
    const open = new Map((await exchange.fetchOpenOrders(undefined, options)).map((o) => [o.id, o]));
    const missing: { idempotencyKey: string; order: Order }[] = [];
    let checked = 0;
    for (const t of [...this.#live.values()]) {
      checked++;
      const now = open.get(t.order.id);
      if (now !== undefined) {
        this.observe(t.idempotencyKey, now);
        continue;
      }
      const found = await exchange.fetchOrderByClientId(t.order.symbol, t.order.clientOrderId, options);
      if (found === null) {
        this.#live.delete(t.order.id);
        missing.push({ idempotencyKey: t.idempotencyKey, order: t.order });
      } else this.observe(t.idempotencyKey, found);
    }
    return { checked, missing };
  }
}
