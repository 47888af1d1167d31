import type { Balance, Exchange, Order, Position } from '../exchange/index.js';
import {
  fullJitterBackoff,
  neverAbortedSignal,
  systemTimers,
  type Backoff,
  type Random,
  type Timers,
} from '../resilience/index.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { DlqStore } from './dlq-store.js';
import { intentFromPayload } from './intent.js';
import type { OrderStore } from './order-store.js';
import { isClaimStale, newOwnerId } from './owner.js';
import { DEFAULT_CLOCK_MARGIN_MS, lookupAfterWindow, sendWindowOf } from './send-window.js';
import type { ReadinessLatch } from './readiness.js';
import {
  formatReconcileReport,
  type IntentResolution,
  type ReconcileCheckpoint,
  type ReconcileDifference,
  type ReconcileReport,
} from './reconcile-report.js';
import { readRetryPolicy, type LookupResult } from './order-lookup.js';
import type { SendWindow } from './send-window.js';
import { recordError, type IntentRecord, type RecordedError } from './types.js';

/** Options of `reconcile`. */
export interface ReconcileOptions {
  readonly exchange: Exchange;
  readonly orderStore: OrderStore;
  /** Where intents confirmed not placed go (policy `dlq`). Required for that policy. */
  readonly dlq?: DlqStore;
  readonly checkpoint?: ReconcileCheckpoint;
  /** Marked ready when reconciliation succeeded; the executor denies new risk until then. */
  readonly readiness?: ReadinessLatch;
  /**
   * An unfinished intent the venue confirms it never received: `dlq` (default: dead, DLQ entry
   * with reason `not_placed_before_crash`; never resent silently) or `resend` (left unfinished,
   * claim lapsed: the bot's next submit of the key sends it, after asking the venue again).
   */
  readonly notPlaced?: 'dlq' | 'resend';
  readonly alerts?: AlertSink;
  /** Where the report is printed. Default stderr. `null`: not printed. */
  readonly print?: ((text: string) => void) | null;
  /** Tries per exchange read / lookup. Default 3. */
  readonly attempts?: number;
  /** Clock-offset allowance added to the exchange's receive window before an "absent" is believed (ms). Default 1000. */
  readonly clockMarginMs?: number;
  readonly backoff?: Backoff;
  /** The random source of the backoff's jitter (reads and lookups). Default `Math.random`. */
  readonly random?: Random;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly signal?: AbortSignal;
}

/**
 * Reconciliation on start: read open orders, positions and balances from the exchange, resolve
 * every unfinished intent by its client order id, flag orders the bot does not know, compare
 * with the checkpoint, adopt the exchange's truth; store, print and (when there are differences)
 * alert the report; mark `readiness` ready only when everything was resolved.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const o = resolve(options);
  const errors: RecordedError[] = [];
  const at = o.clock.now();
  const venue = await readVenue(o, errors);
  const intents = await resolveUnfinished(o, errors);
  const ok = venue.ok && intents.ok;
  const differences = [...intents.differences, ...(await flagOpenOrders(o, venue.adopted.openOrders))];
  if (o.checkpoint !== undefined && ok) {
    const { openOrders, positions, balances } = venue.adopted;
    differences.push(...compareCheckpoint(o.checkpoint, openOrders, positions, balances));
  }
  const partial: Omit<ReconcileReport, 'id'> = {
    at,
    exchange: o.exchange.id,
    ok,
    adopted: venue.adopted,
    differences,
    errors,
  };
  const id = await o.orderStore.saveReconciliation(at, ok, differences.length, JSON.stringify(partial));
  const report: ReconcileReport = { ...partial, id };
  await tell(o, report);
  if (ok) o.readiness?.markReady(o.clock.now());
  return report;
}

/**
 * Open orders, positions and balances from the venue, each read through the one retry mechanism
 * with the injected clock, timers and random. A read that fails for good adds an `E_RECONCILE`
 * error, adopts an empty list and makes the result not `ok`; an abort (shutting down) throws, so
 * no report is built on reads cut short.
 */
async function readVenue(
  o: Resolved,
  errors: RecordedError[],
): Promise<{ ok: boolean; adopted: ReconcileReport['adopted'] }> {
  let ok = true;
  const readPolicy = readRetryPolicy(o);
  const read = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await readPolicy.execute(
        async () => {
          try {
            return await fn();
          } catch (err) {
            errors.push(recordError(err, o.clock.now()));
            throw err;
          }
        },
        { signal: o.signal },
      );
    } catch (err) {
      if (o.signal.aborted) throw err;
    }
    ok = false;
    errors.push({
      at: o.clock.now(),
      name: 'ReconcileError',
      code: 'E_RECONCILE',
      message: `could not read ${what}`,
    });
    return fallback;
  };
  const ex = o.exchange;
  const signal = o.signal;
  const openOrders = await read<Order[]>('open orders', () => ex.fetchOpenOrders(undefined, { signal }), []);
  const positions = await read<Position[]>('positions', () => ex.fetchPositions({ signal }), []);
  const balances = await read<Balance[]>('balances', () => ex.fetchBalances({ signal }), []);
  return { ok, adopted: { openOrders, positions, balances } };
}

/** Every unfinished intent, asked for by its client id and never resent here; `ok` is false when one stays unknown. */
async function resolveUnfinished(
  o: Resolved,
  errors: RecordedError[],
): Promise<{ ok: boolean; differences: ReconcileDifference[] }> {
  const differences: ReconcileDifference[] = [];
  let ok = true;
  const owner = newOwnerId();
  for (const rec of await o.orderStore.listUnfinished()) {
    const outcome = await resolveIntent(o, rec, owner, errors);
    if (outcome === 'held') {
      differences.push({
        kind: 'intent_held_elsewhere',
        idempotencyKey: rec.idempotencyKey,
        owner: rec.owner,
        leaseUntil: rec.leaseUntil,
      });
      continue;
    }
    if (outcome === 'unknown') ok = false;
    differences.push({
      kind: 'intent_resolved',
      idempotencyKey: rec.idempotencyKey,
      clientOrderId: rec.clientOrderId,
      outcome,
    });
  }
  return { ok, differences };
}

/** Every open order at the venue: known to the store, or flagged. */
async function flagOpenOrders(o: Resolved, openOrders: readonly Order[]): Promise<ReconcileDifference[]> {
  const out: ReconcileDifference[] = [];
  for (const order of openOrders) {
    const rec = await o.orderStore.getByClientOrderId(order.clientOrderId);
    if (rec === null) out.push({ kind: 'unknown_order', order });
    else if (rec.state !== 'placed' && rec.state !== 'pending' && rec.state !== 'in_flight')
      out.push({
        kind: 'order_of_failed_intent',
        order,
        idempotencyKey: rec.idempotencyKey,
        state: rec.state,
      });
  }
  return out;
}

/** Prints the report and alerts it when it found differences or failed (critical when it failed or found foreign orders). */
async function tell(o: Resolved, report: ReconcileReport): Promise<void> {
  const text = formatReconcileReport(report);
  if (o.print !== null) o.print(text);
  const { ok, differences } = report;
  if (differences.length === 0 && ok) return;
  const unknown = differences.some((d) => d.kind === 'unknown_order' || d.kind === 'order_of_failed_intent');
  await o.alerts.alert({
    key: `orders.reconcile.${report.at}`,
    severity: !ok || unknown ? 'critical' : 'warning',
    title: `reconciliation ${ok ? 'found' : 'FAILED with'} ${differences.length} differences on ${report.exchange}`,
    body: text,
  });
}

type Resolved = Required<Omit<ReconcileOptions, 'dlq' | 'checkpoint' | 'readiness' | 'clockMarginMs'>> & {
  readonly window: SendWindow;
} & Pick<ReconcileOptions, 'dlq' | 'checkpoint' | 'readiness'>;

function resolve(options: ReconcileOptions): Resolved {
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`reconcile attempts must be an integer >= 1, got ${String(attempts)}`);
  const notPlaced = options.notPlaced ?? 'dlq';
  if (notPlaced !== 'dlq' && notPlaced !== 'resend')
    throw new RangeError(`reconcile notPlaced must be 'dlq' or 'resend', got ${String(notPlaced)}`);
  if (notPlaced === 'dlq' && options.dlq === undefined)
    throw new RangeError('reconcile needs dlq when notPlaced is dlq, got none');
  return {
    ...options,
    notPlaced,
    attempts,
    alerts: options.alerts ?? nullAlertSink,
    print: options.print === undefined ? (t: string) => void process.stderr.write(`${t}\n`) : options.print,
    backoff: options.backoff ?? fullJitterBackoff({ initialMs: 200, maxMs: 2_000 }),
    random: options.random ?? Math.random,
    window: sendWindowOf(options.exchange, options.clockMarginMs ?? DEFAULT_CLOCK_MARGIN_MS),
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    signal: options.signal ?? neverAbortedSignal,
  };
}

async function resolveIntent(
  o: Resolved,
  rec: IntentRecord,
  owner: string,
  errors: RecordedError[],
): Promise<IntentResolution | 'held'> {
  const now = o.clock.now();
  if (!isClaimStale(rec.owner, rec.leaseUntil, now)) return 'held';
  const mine = await o.orderStore.takeOver(rec, owner, now + 60_000, now);
  if (mine === null) return 'held';
  const lookupErrors: RecordedError[] = [];
  let found: LookupResult;
  try {
    found = await lookUp(o, rec, mine, owner, lookupErrors);
  } catch (err) {
    await o.orderStore.release(mine.idempotencyKey, owner, o.clock.now());
    throw err;
  }
  const t = o.clock.now();
  if (found.kind === 'found') {
    await Promise.all([
      o.orderStore.finish(
        mine.idempotencyKey,
        { state: 'placed', exchangeOrderId: found.order.id, result: JSON.stringify(found.order) },
        t,
      ),
      o.dlq?.closePlaced(mine.idempotencyKey, `confirmed placed as ${found.order.id} by reconciliation`, t),
    ]);
    return 'placed';
  }
  if (found.kind === 'unknown') {
    errors.push(...lookupErrors);
    await o.orderStore.release(mine.idempotencyKey, owner, t);
    return 'unknown';
  }
  if (o.notPlaced === 'resend') {
    await o.orderStore.release(mine.idempotencyKey, owner, t);
    return 'marked_for_resend';
  }
  await deadLetterNotPlaced(o, mine, t);
  return 'dead_not_placed';
}

/**
 * Asks the venue for the intent taken over (`mine`) by its client id. The crashed process's last
 * request may still land, so "absent" counts only after its send window; the claim is renewed
 * while the lookup waits for that window to pass.
 */
function lookUp(
  o: Resolved,
  rec: IntentRecord,
  mine: IntentRecord,
  owner: string,
  errors: RecordedError[],
): Promise<LookupResult> {
  const symbol = intentFromPayload(mine.payload).symbol;
  return lookupAfterWindow(o.exchange, symbol, mine.clientOrderId, rec.sentAt ?? rec.updatedAt, o.window, {
    attempts: o.attempts,
    backoff: o.backoff,
    random: o.random,
    timers: o.timers,
    clock: o.clock,
    signal: o.signal,
    errors,
    onWait: async (until) => {
      await o.orderStore.renew(mine.idempotencyKey, owner, until + 60_000, o.clock.now());
    },
  });
}

/** An intent the venue confirms it never received (policy `dlq`): a DLQ entry, and the intent dead. */
async function deadLetterNotPlaced(o: Resolved, mine: IntentRecord, t: number): Promise<void> {
  const reason = 'not_placed_before_crash';
  await Promise.all([
    o.dlq!.enqueue({
      idempotencyKey: mine.idempotencyKey,
      clientOrderId: mine.clientOrderId,
      payload: mine.payload,
      errors: [
        {
          at: t,
          name: 'NotPlaced',
          code: 'E_NOT_PLACED',
          message:
            'the venue confirms it never received the order; the process stopped before an answer was recorded',
        },
      ],
      attempts: mine.attempts,
      errorClass: reason,
      reason,
      at: t,
    }),
    o.orderStore.finish(mine.idempotencyKey, { state: 'dead', result: null, reason }, t),
  ]);
}

function compareCheckpoint(
  cp: ReconcileCheckpoint,
  openOrders: readonly Order[],
  positions: readonly Position[],
  balances: readonly Balance[],
): ReconcileDifference[] {
  const out: ReconcileDifference[] = [];
  const eps = 1e-9;
  if (cp.openOrders !== undefined) {
    const live = new Set(openOrders.map((x) => x.clientOrderId));
    const saved = new Set(cp.openOrders.map((x) => x.clientOrderId));
    for (const x of cp.openOrders)
      if (!live.has(x.clientOrderId))
        out.push({ kind: 'order_closed_since_checkpoint', clientOrderId: x.clientOrderId, symbol: x.symbol });
    for (const x of openOrders)
      if (!saved.has(x.clientOrderId))
        out.push({ kind: 'order_missing_from_checkpoint', clientOrderId: x.clientOrderId, symbol: x.symbol });
  }
  if (cp.positions !== undefined) {
    const ex = new Map(positions.map((p) => [p.symbol, p.amount]));
    const symbols = new Set([...ex.keys(), ...cp.positions.map((p) => p.symbol)]);
    const saved = new Map(cp.positions.map((p) => [p.symbol, p.amount]));
    for (const s of symbols) {
      const a = saved.get(s) ?? 0;
      const b = ex.get(s) ?? 0;
      if (Math.abs(a - b) > eps)
        out.push({ kind: 'position_differs', symbol: s, checkpoint: a, exchange: b });
    }
  }
  if (cp.balances !== undefined) {
    const ex = new Map(balances.map((b) => [b.currency, b.total]));
    const saved = new Map(cp.balances.map((b) => [b.currency, b.total]));
    for (const c of new Set([...ex.keys(), ...saved.keys()])) {
      const a = saved.get(c) ?? 0;
      const b = ex.get(c) ?? 0;
      if (Math.abs(a - b) > eps)
        out.push({ kind: 'balance_differs', currency: c, checkpoint: a, exchange: b });
    }
  }
  return out;
}
