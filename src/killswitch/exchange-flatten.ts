import type { Exchange, Order, Position } from '../exchange/index.js';
import { OrderNotFound } from '../exchange/index.js';
import {
  Executor,
  InFlightError,
  type DlqStore,
  type ExecutorOptions,
  type OrderStore,
} from '../orders/index.js';
import type { FlattenHook, FlattenResult } from './flatten.js';

/** Options of `exchangeFlattenHook`. */
export interface ExchangeFlattenOptions {
  /** The venue, or how to reach it (called once per flatten; closed after it when `closeExchange`). */
  readonly exchange: Exchange | (() => Promise<Exchange>);
  /** Close the exchange after each flatten (true when `exchange` is a factory). */
  readonly closeExchange?: boolean;
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  /** Passed to the Executor (alerts, timers, clock, policy...). */
  readonly executor?: Omit<
    ExecutorOptions,
    'exchange' | 'orders' | 'dlq' | 'symbols' | 'gate' | 'killSwitch'
  >;
}

/** The idempotency key of one closing order: per halt, symbol, side and size, so a repeat of the same flatten finds its first order. */
export function flattenKey(haltKey: number, p: Position): string {
  const side = p.amount > 0 ? 'sell' : 'buy';
  return `flatten:${haltKey}:${p.symbol.replace(/[^\x21-\x7e]/g, '_')}:${side}:${Math.abs(p.amount)}`;
}

async function cancelEverything(ex: Exchange): Promise<number> {
  const open = await ex.fetchOpenOrders();
  const symbols = [...new Set(open.map((o: Order) => o.symbol))];
  let n = 0;
  for (const s of symbols) {
    try {
      n += (await ex.cancelAllOrders(s)).length;
    } catch (err) {
      if (!(err instanceof OrderNotFound)) throw err; // nothing left to cancel on that symbol
    }
  }
  return n;
}

/**
 * The built-in flatten (docs/orders.md, "Built-in flatten"): cancel every open order, then close
 * every position with a reduce-only market order through the Executor, under a key per halt
 * (`flattenKey`), so the order is claimed, logged and never doubled by a repeat; then read the
 * venue again. `ok` only when no order is open and every position is zero; any failure is
 * `ok: false` (the kill switch alerts critical; trading stays halted).
 */
export function exchangeFlattenHook(options: ExchangeFlattenOptions): FlattenHook {
  const factory = typeof options.exchange === 'function';
  const closeAfter = options.closeExchange ?? factory;
  return async ({ haltKey, signal }): Promise<FlattenResult> => {
    if (haltKey === undefined || !Number.isFinite(haltKey))
      return { ok: false, detail: 'built-in flatten: no halt key given; nothing sent' };
    let ex: Exchange | undefined;
    try {
      ex =
        typeof options.exchange === 'function'
          ? await (options.exchange as () => Promise<Exchange>)()
          : options.exchange;
      const canceled = await cancelEverything(ex);
      const positions = (await ex.fetchPositions()).filter((p) => p.amount !== 0);
      const done: string[] = [`canceled ${canceled} open order(s)`];
      const failed: string[] = [];
      if (positions.length > 0) {
        const executor = new Executor({
          ...options.executor,
          exchange: ex,
          orders: options.orders,
          dlq: options.dlq,
          symbols: positions.map((p) => p.symbol),
          // the kill switch's own action: only reduce-only intents pass, whatever the halt
          gate: (i) =>
            i.reduceOnly === true
              ? { allow: true, reason: 'flatten' }
              : { allow: false, reason: 'flatten_reduce_only' },
        });
        for (const p of positions) {
          const key = flattenKey(haltKey, p);
          let r: Awaited<ReturnType<Executor['submit']>>;
          try {
            r = await executor.submit(
              {
                idempotencyKey: key,
                symbol: p.symbol,
                side: p.amount > 0 ? 'sell' : 'buy',
                type: 'market',
                amount: Math.abs(p.amount),
                reduceOnly: true,
              },
              { signal },
            );
          } catch (err) {
            // another flatten of this halt (the daemon's, a CLI's) holds the key: it sends, this one checks after
            if (err instanceof InFlightError) {
              done.push(`${p.symbol}: closing order ${key} in flight elsewhere`);
              continue;
            }
            throw err;
          }
          if (r.status === 'placed')
            done.push(`closed ${p.amount} ${p.symbol} (${key}${r.replayed ? ', already placed' : ''})`);
          else failed.push(`${p.symbol}: ${r.status}${'reason' in r ? ` ${r.reason}` : ''}`);
        }
        await executor.close();
      }
      const left = await ex.fetchOpenOrders();
      const still = (await ex.fetchPositions()).filter((p) => p.amount !== 0);
      if (left.length > 0) failed.push(`${left.length} order(s) still open`);
      for (const p of still) failed.push(`position ${p.symbol} still ${p.amount}`);
      if (failed.length > 0)
        return {
          ok: false,
          detail: `built-in flatten incomplete: ${failed.join('; ')} (${done.join('; ')})`,
        };
      return { ok: true, detail: `built-in flatten on ${ex.id}: ${done.join('; ')}` };
    } catch (err) {
      const e = err as Error;
      return { ok: false, detail: `built-in flatten failed: ${e.name}: ${e.message}` };
    } finally {
      if (closeAfter && ex !== undefined) await ex.close().catch(() => undefined);
    }
  };
}

/** Runs `first`, then `second` (the user's flattenCommand) whatever the first did; ok only when both are. */
export function chainFlattenHooks(first: FlattenHook, second: FlattenHook): FlattenHook {
  return async (ctx) => {
    const a = await first(ctx);
    const b = await second(ctx);
    return { ok: a.ok && b.ok, detail: `${a.detail} | ${b.detail}` };
  };
}
