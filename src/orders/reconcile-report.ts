import type { Balance, Order, Position } from '../exchange/index.js';
import type { RecordedError } from './types.js';

/** What the bot last saved (a checkpoint's payload, or the parts of it reconciliation compares). */
export interface ReconcileCheckpoint {
  readonly positions?: readonly Position[];
  readonly balances?: readonly Balance[];
  /** Open orders as the bot knew them; only `clientOrderId` (and `symbol`) are compared. */
  readonly openOrders?: readonly Pick<Order, 'clientOrderId' | 'symbol'>[];
}

/** One difference between the exchange and what the bot knew. The exchange's side is adopted. */
export type ReconcileDifference =
  | { readonly kind: 'unknown_order'; readonly order: Order }
  | {
      readonly kind: 'order_of_failed_intent';
      readonly order: Order;
      readonly idempotencyKey: string;
      readonly state: string;
    }
  | {
      readonly kind: 'order_closed_since_checkpoint';
      readonly clientOrderId: string;
      readonly symbol: string;
    }
  | {
      readonly kind: 'order_missing_from_checkpoint';
      readonly clientOrderId: string;
      readonly symbol: string;
    }
  | {
      readonly kind: 'position_differs';
      readonly symbol: string;
      readonly checkpoint: number;
      readonly exchange: number;
    }
  | {
      readonly kind: 'balance_differs';
      readonly currency: string;
      readonly checkpoint: number;
      readonly exchange: number;
    }
  | {
      readonly kind: 'intent_resolved';
      readonly idempotencyKey: string;
      readonly clientOrderId: string;
      readonly outcome: IntentResolution;
    }
  | {
      readonly kind: 'intent_held_elsewhere';
      readonly idempotencyKey: string;
      readonly owner: string | null;
      readonly leaseUntil: number;
    };

/** What became of an unfinished intent. */
export type IntentResolution = 'placed' | 'dead_not_placed' | 'marked_for_resend' | 'unknown';

/** The outcome of a reconciliation: printed, stored, alerted when it has differences. */
export interface ReconcileReport {
  readonly at: number;
  readonly exchange: string;
  /** True when every fetch succeeded and every unfinished intent was resolved: trading may leave reduce-only. */
  readonly ok: boolean;
  /** The exchange's truth, adopted. */
  readonly adopted: {
    readonly openOrders: readonly Order[];
    readonly positions: readonly Position[];
    readonly balances: readonly Balance[];
  };
  readonly differences: readonly ReconcileDifference[];
  /** Why it is not ok (fetches that failed, intents that could not be resolved). */
  readonly errors: readonly RecordedError[];
  /** Id of the stored report. */
  readonly id: number | null;
}

/** The report as lines for a terminal or a log. */
export function formatReconcileReport(r: ReconcileReport): string {
  const lines = [
    `reconciliation ${r.ok ? 'OK' : 'FAILED'} against ${r.exchange} at ${new Date(r.at).toISOString()}: ` +
      `${r.adopted.openOrders.length} open orders, ${r.adopted.positions.length} positions, ` +
      `${r.adopted.balances.length} balances adopted; ${r.differences.length} differences`,
  ];
  for (const d of r.differences) lines.push(`  - ${describe(d)}`);
  for (const e of r.errors) lines.push(`  ! ${e.name}: ${e.message}`);
  return lines.join('\n');
}

function describe(d: ReconcileDifference): string {
  switch (d.kind) {
    case 'unknown_order':
      return `unknown order on the exchange: ${d.order.symbol} ${d.order.side} ${d.order.amount} (id ${d.order.id}, client id ${d.order.clientOrderId})`;
    case 'order_of_failed_intent':
      return `open order ${d.order.clientOrderId} belongs to intent ${d.idempotencyKey}, recorded as ${d.state}`;
    case 'order_closed_since_checkpoint':
      return `order ${d.clientOrderId} (${d.symbol}) in the checkpoint is no longer open`;
    case 'order_missing_from_checkpoint':
      return `open order ${d.clientOrderId} (${d.symbol}) is not in the checkpoint`;
    case 'position_differs':
      return `position ${d.symbol}: checkpoint ${d.checkpoint}, exchange ${d.exchange}`;
    case 'balance_differs':
      return `balance ${d.currency}: checkpoint ${d.checkpoint}, exchange ${d.exchange}`;
    case 'intent_resolved':
      return `intent ${d.idempotencyKey} (${d.clientOrderId}) was unfinished: ${d.outcome}`;
    case 'intent_held_elsewhere':
      return `intent ${d.idempotencyKey} is held by live ${d.owner ?? '?'} until ${new Date(d.leaseUntil).toISOString()}`;
    default:
      return String(d satisfies never);
  }
}
