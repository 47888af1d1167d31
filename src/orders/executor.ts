import type { CreateOrderRequest, Order } from '../exchange/index.js';
import type { FailureClass } from '../resilience/index.js';
import { OrderTracker, type OrderSyncResult } from './order-tracker.js';
import { AmbiguousOutcomeError, NOT_A_CALL, TimeoutError, neverAbortedSignal } from '../resilience/index.js';
import type { AmbiguousResolution } from '../resilience/index.js';
import { clientOrderIdFor } from './client-order-id.js';
import { alertIfDlqGrew } from './dlq-growth-alert.js';
import {
  classifyOrderFailure,
  resolveExecutorOptions,
  type ExecutorOptions,
  type ResolvedExecutorOptions,
} from './executor-options.js';
import { IdempotencyMismatchError } from './idempotency-mismatch-error.js';
import { InFlightError } from './in-flight-error.js';
import { canonicalPayload, payloadHash, validateIntent } from './intent.js';
import type { LookupResult } from './order-lookup.js';
import { isClaimStale, newOwnerId } from './owner.js';
import { lookupAfterWindow } from './send-window.js';
import type { ExecutorStateChange } from './executor-events.js';
import { RejectedOrderAlerts } from './rejected-order-alerts.js';
import { EventSource, type Subscribe } from '../resilience/index.js';
import {
  recordError,
  type GateDecision,
  type IntentRecord,
  type OrderIntent,
  type RecordedError,
  type SubmitResult,
} from './types.js';

/** Options of one submit. */
export interface SubmitOptions {
  /** Stops waiting (and retrying). The claim is released, so a repeat resolves the order by its client id. */
  readonly signal?: AbortSignal;
}

const NOT_READY: GateDecision = Object.freeze({ allow: false, reason: 'reconciliation_pending' });

/** Thrown in the send callback when the check just before the send denies: nothing was sent. Not retried, not a dependency failure. */
class SendVetoed extends Error {
  readonly code = 'E_SEND_VETOED';
  /** Nothing was sent: a circuit breaker around the send counts no call (and frees a probe). */
  readonly [NOT_A_CALL] = true;
  readonly decision: GateDecision;
  constructor(decision: GateDecision) {
    super(`the check before the send denied: ${decision.reason}`);
    this.name = 'SendVetoed';
    this.decision = decision;
  }
}

const CONFIRM_THREW: GateDecision = Object.freeze({ allow: false, reason: 'confirm_threw_fail_closed' });

/**
 * Places orders exactly once per idempotency key. `submit`: validate → gate → claim the key in
 * the store (written `pending`, durable, before anything is sent) → send through the dependency
 * policy; an ambiguous failure is resolved by asking the venue for the client order id, and only
 * a confirmed absence allows a resend, with the same id. An absence is confirmed only once the
 * latest request can no longer be accepted (its send time + the venue's receive window + a clock
 * margin: `lookupAfterWindow`). What fails for good goes to the DLQ.
 */
export class Executor {
  readonly #o: ResolvedExecutorOptions;
  readonly #owner: string;
  readonly #changes = new EventSource<ExecutorStateChange>();
  readonly #rejected: RejectedOrderAlerts | null;
  readonly #tracker = new OrderTracker((kind, key, order) => this.#emitOrder(kind, key, order));
  #closed = false;
  /** Every durable state change of an intent (claimed, placed, rejected, dead, denied, unknown) and of its order (filled, cancelled): what a checkpointer subscribes to. */
  readonly onStateChange: Subscribe<ExecutorStateChange> = this.#changes.subscribe;

  constructor(options: ExecutorOptions) {
    this.#o = resolveExecutorOptions(options);
    this.#rejected =
      this.#o.rejectedAlertWindowMs > 0
        ? new RejectedOrderAlerts({ alerts: this.#o.alerts, windowMs: this.#o.rejectedAlertWindowMs })
        : null;
    if (options.owner !== undefined && (typeof options.owner !== 'string' || options.owner === ''))
      throw new RangeError(`Executor owner must be a non-empty string, got ${JSON.stringify(options.owner)}`);
    this.#owner = options.owner ?? newOwnerId();
  }

  /** This executor's claim id. */
  get owner(): string {
    return this.#owner;
  }

  /**
   * Submits an intent. A repeat of a finished key returns the first result (`replayed: true`);
   * a repeat while it is in flight throws `InFlightError`; the same key with another order throws
   * `IdempotencyMismatchError`; a bad intent throws `InvalidIntentError` (nothing stored or sent).
   */
  submit(intent: OrderIntent, options: SubmitOptions = {}): Promise<SubmitResult> {
    try {
      validateIntent(intent, this.#o.symbols);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#submit(intent, options.signal ?? neverAbortedSignal, false);
  }

  /** Submits again a key that failed for good (dead or rejected): the venue is asked first, so it cannot double. Used by `DeadLetterQueue.replay`. */
  resubmit(intent: OrderIntent, options: SubmitOptions = {}): Promise<SubmitResult> {
    try {
      validateIntent(intent, this.#o.symbols);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#submit(intent, options.signal ?? neverAbortedSignal, true);
  }

  /**
   * Cancels the resting order of a placed intent at the venue; tells `cancelled` (and `filled`
   * when it filled meanwhile). A venue that does not know the order throws its `OrderNotFound`.
   */
  async cancel(idempotencyKey: string): Promise<Order> {
    if (this.#closed) throw new Error('executor: closed');
    const rec = await this.#o.orders.get(idempotencyKey);
    if (rec === null || rec.state !== 'placed' || rec.exchangeOrderId === null)
      throw new RangeError(
        `executor.cancel: intent ${JSON.stringify(idempotencyKey)} has no placed order (${rec?.state ?? 'unknown key'})`,
      );
    const { symbol } = JSON.parse(rec.payload) as { symbol: string };
    const order = await this.#o.exchange.cancelOrder(rec.exchangeOrderId, symbol);
    this.#tracker.observe(idempotencyKey, order);
    return order;
  }

  /** Folds in what the venue reported about an order of `idempotencyKey` (reconciliation's open orders, a websocket update): fills and cancels are told once. */
  observeOrder(idempotencyKey: string, order: Order): void {
    this.#tracker.observe(idempotencyKey, order);
  }

  /** Asks the venue about every order still open here; fills and cancels become state changes. */
  syncOrders(options: SubmitOptions = {}): Promise<OrderSyncResult> {
    return this.#tracker.sync(this.#o.exchange, options.signal ? { signal: options.signal } : {});
  }

  /** The orders open at the venue as last seen, with their intents. */
  openOrders(): { readonly idempotencyKey: string; readonly order: Order }[] {
    return this.#tracker.open();
  }

  /** Refuses further submits. Stores and exchange are the caller's to close. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #emit(
    kind: ExecutorStateChange['kind'],
    idempotencyKey: string,
    payload: string,
    failure?: FailureClass,
  ): void {
    if (this.#changes.size === 0) return;
    const symbol = (JSON.parse(payload) as { symbol?: string }).symbol ?? '';
    const at = this.#o.clock.now();
    this.#changes.emit(
      failure === undefined
        ? { kind, idempotencyKey, symbol, at }
        : { kind, idempotencyKey, symbol, at, failure },
    );
  }

  #emitOrder(kind: 'placed' | 'filled' | 'cancelled', idempotencyKey: string, order: Order): void {
    if (this.#changes.size === 0) return;
    this.#changes.emit({ kind, idempotencyKey, symbol: order.symbol, at: this.#o.clock.now(), order });
  }

  #decide(intent: OrderIntent): GateDecision {
    if (!this.#o.readiness.ready && intent.reduceOnly !== true) return NOT_READY;
    return this.#o.gate(intent);
  }

  async #submit(intent: OrderIntent, signal: AbortSignal, reopen: boolean): Promise<SubmitResult> {
    if (this.#closed) throw new Error('executor: closed');
    const o = this.#o;
    const payload = canonicalPayload(intent);
    const hash = payloadHash(payload);
    const now = o.clock.now();
    const key = intent.idempotencyKey;
    const base = {
      idempotencyKey: key,
      payloadHash: hash,
      payload,
      clientOrderId: clientOrderIdFor(key, now, o.clientOrderId),
      now,
    };
    const decision = this.#decide(intent);
    if (!decision.allow) {
      const d = await o.orders.deny(base, decision.reason);
      if (d.claimed) {
        this.#emit('denied', key, payload);
        return { status: 'denied', idempotencyKey: key, reason: decision.reason };
      }
      return this.#existing(d.existing, intent, hash, signal, reopen, decision);
    }
    const c = await o.orders.claim({ ...base, owner: this.#owner, leaseUntil: now + o.leaseMs });
    if (c.claimed) {
      this.#emit('claimed', key, payload);
      return this.#send(c.record, intent, signal, false, [], c.record.sentAt ?? now);
    }
    return this.#existing(c.existing, intent, hash, signal, reopen, decision);
  }

  /** The key is already held by `rec`: answer from it, or take a stale (or, on replay, failed) claim over. */
  async #existing(
    rec: IntentRecord,
    intent: OrderIntent,
    hash: string,
    signal: AbortSignal,
    reopen: boolean,
    decision: GateDecision,
  ): Promise<SubmitResult> {
    if (rec.payloadHash !== hash) throw new IdempotencyMismatchError(rec.idempotencyKey);
    const now = this.#o.clock.now();
    switch (rec.state) {
      case 'placed':
        return {
          status: 'placed',
          idempotencyKey: rec.idempotencyKey,
          clientOrderId: rec.clientOrderId,
          order: JSON.parse(rec.result ?? 'null') as Order,
          replayed: true,
        };
      case 'rejected':
      case 'dead': {
        if (reopen) return this.#takeOver(rec, intent, signal, decision);
        const error = rec.result === null ? null : (JSON.parse(rec.result) as RecordedError);
        const entry = await this.#o.dlq.openFor(rec.idempotencyKey);
        if (rec.state === 'rejected')
          return {
            status: 'rejected',
            idempotencyKey: rec.idempotencyKey,
            clientOrderId: rec.clientOrderId,
            error: error ?? { at: rec.updatedAt, name: 'Error', code: null, message: rec.reason ?? '' },
            replayed: true,
          };
        return {
          status: 'dead',
          idempotencyKey: rec.idempotencyKey,
          clientOrderId: rec.clientOrderId,
          dlqId: entry?.id ?? null,
          reason: rec.reason ?? 'dead',
          error,
          replayed: true,
        };
      }
      case 'denied':
        return {
          status: 'denied',
          idempotencyKey: rec.idempotencyKey,
          reason: decision.allow ? (rec.reason ?? '') : decision.reason,
        };
      case 'pending':
      case 'in_flight':
        if (!isClaimStale(rec.owner, rec.leaseUntil, now))
          throw new InFlightError(rec.idempotencyKey, rec.leaseUntil);
        return this.#takeOver(rec, intent, signal, decision);
      default:
        throw new Error(`executor: unknown intent state ${String(rec.state satisfies never)}`);
    }
  }

  /** Takes the row over (compare-and-set), asks the venue first, and sends only on a confirmed absence. */
  async #takeOver(
    rec: IntentRecord,
    intent: OrderIntent,
    signal: AbortSignal,
    decision: GateDecision,
  ): Promise<SubmitResult> {
    const o = this.#o;
    const now = o.clock.now();
    const mine = await o.orders.takeOver(rec, this.#owner, now + o.leaseMs, now);
    if (mine === null) {
      const again = await o.orders.get(rec.idempotencyKey);
      throw new InFlightError(rec.idempotencyKey, again?.leaseUntil ?? now);
    }
    const errors: RecordedError[] = [];
    let found: LookupResult;
    try {
      // the previous owner's request may still land: "absent" counts only once its window closed
      found = await this.#lookup(mine, intent.symbol, rec.sentAt ?? rec.updatedAt, signal, errors);
    } catch (err) {
      await o.orders.release(mine.idempotencyKey, this.#owner, o.clock.now());
      throw err;
    }
    if (found.kind === 'found') return this.#placed(mine, found.order, true);
    if (found.kind === 'unknown') {
      await o.orders.release(mine.idempotencyKey, this.#owner, o.clock.now());
      throw new AmbiguousOutcomeError(
        `order ${mine.idempotencyKey} (${mine.clientOrderId}): the venue could not be asked whether it exists; nothing was resent`,
        mine.attempts,
        { cause: errors.at(-1) },
      );
    }
    if (!decision.allow) {
      await o.orders.release(mine.idempotencyKey, this.#owner, o.clock.now());
      return { status: 'denied', idempotencyKey: mine.idempotencyKey, reason: decision.reason };
    }
    const sentAt = o.clock.now();
    if (!(await o.orders.recordAttempt(mine.idempotencyKey, this.#owner, sentAt + o.leaseMs, sentAt)))
      throw new InFlightError(mine.idempotencyKey, sentAt);
    return this.#send(mine, intent, signal, true, errors, sentAt);
  }

  /** Asks the venue for the order, by the one rule: "absent" only after the send window closed (the claim is renewed meanwhile). */
  #lookup(
    rec: IntentRecord,
    symbol: string,
    sentAt: number,
    signal: AbortSignal,
    errors: RecordedError[],
  ): Promise<LookupResult> {
    const o = this.#o;
    return lookupAfterWindow(o.exchange, symbol, rec.clientOrderId, sentAt, o.sendWindow, {
      attempts: o.lookupAttempts,
      backoff: o.lookupBackoff,
      random: o.random,
      timers: o.timers,
      clock: o.clock,
      signal,
      errors,
      onWait: async (until) => {
        await o.orders.renew(rec.idempotencyKey, this.#owner, until + o.leaseMs, o.clock.now());
      },
    });
  }

  /** Finishes the intent as placed; after a takeover, an open `outcome_unknown` DLQ entry of the key is closed too. */
  async #placed(rec: IntentRecord, order: Order, closeDlq: boolean): Promise<SubmitResult> {
    const now = this.#o.clock.now();
    await Promise.all([
      this.#o.orders.finish(
        rec.idempotencyKey,
        { state: 'placed', exchangeOrderId: order.id, result: JSON.stringify(order) },
        now,
      ),
      closeDlq
        ? this.#o.dlq.closePlaced(
            rec.idempotencyKey,
            `confirmed placed as ${order.id} by a later submit`,
            now,
          )
        : undefined,
    ]);
    this.#emitOrder('placed', rec.idempotencyKey, order);
    this.#tracker.observe(rec.idempotencyKey, order);
    return {
      status: 'placed',
      idempotencyKey: rec.idempotencyKey,
      clientOrderId: rec.clientOrderId,
      order,
      replayed: false,
    };
  }

  /** Sends under the dependency policy. The intent is already durable as `pending` (or `in_flight`). */
  async #send(
    rec: IntentRecord,
    intent: OrderIntent,
    signal: AbortSignal,
    resent: boolean,
    errors: RecordedError[],
    firstSentAt: number,
  ): Promise<SubmitResult> {
    const o = this.#o;
    const key = rec.idempotencyKey;
    const request: CreateOrderRequest = {
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      amount: intent.amount,
      clientOrderId: rec.clientOrderId,
      ...(intent.price !== undefined ? { price: intent.price } : {}),
      ...(intent.reduceOnly === true ? { reduceOnly: true } : {}),
    };
    let attempts = resent ? rec.attempts + 1 : rec.attempts;
    let sentAt = firstSentAt;
    // A fresh read (the kill switch's store and STOP file, not a cache) just before the first
    // send, outside the policy: a veto is no call, so the breaker must not count it (a half-open
    // probe would pass as a success). A halt that came while this process was frozen after its
    // gate check is seen here.
    const confirms = o.confirm !== null && intent.reduceOnly !== true;
    try {
      if (confirms) await this.#confirm(intent);
      const order = await o.policy.execute<Order>(
        async ({ signal: s, attempt }) => {
          if (attempt > 0) {
            // durable before the resend: the attempt count, its send time and a fresh lease
            const t = o.clock.now();
            if (!(await o.orders.recordAttempt(key, this.#owner, t + o.leaseMs, t)))
              throw new InFlightError(key, t); // another process holds the key now: never send
            attempts++;
            sentAt = t;
          }
          // a resend is confirmed again after its backoff; a veto here is no call to the breaker
          if (attempt > 0 && confirms) await this.#confirm(intent);
          return o.exchange.createOrder({ ...request, sentAt }, { signal: s });
        },
        {
          signal,
          resolveAmbiguous: async (error): Promise<AmbiguousResolution<Order>> => {
            errors.push(recordError(error, o.clock.now()));
            // the lookups may take a while: keep the claim so no other process resolves it meanwhile
            await o.orders.renew(key, this.#owner, o.clock.now() + o.leaseMs, o.clock.now());
            if (error instanceof TimeoutError && error.pending !== undefined) {
              // the abandoned call settles with the venue's real answer: wait for it before asking
              const real = await error.pending.then(
                (v) => v as Order,
                () => null,
              );
              if (real !== null) return { outcome: 'applied', value: real };
            }
            const r = await this.#lookup(rec, intent.symbol, sentAt, signal, errors);
            if (r.kind === 'found') return { outcome: 'applied', value: r.order };
            return r.kind === 'absent' ? { outcome: 'not-applied' } : { outcome: 'unknown' };
          },
        },
      );
      return await this.#placed(rec, order, resent);
    } catch (err) {
      if (err instanceof InFlightError) throw err;
      if (err instanceof SendVetoed) return this.#vetoed(rec, err.decision);
      errors.push(recordError(err, o.clock.now()));
      return this.#failed(rec, err, errors, attempts, signal);
    }
  }

  /**
   * The check before the send; throws `SendVetoed` on a denial (a check that throws denies). The
   * first send's check runs outside the policy; a resend's runs inside it, after the backoff, and
   * its veto is marked `NOT_A_CALL`, so the breaker counts neither a success nor a failure and a
   * half-open probe it held goes to the next real call.
   */
  async #confirm(intent: OrderIntent): Promise<void> {
    let d: GateDecision;
    try {
      d = await this.#o.confirm!(intent);
    } catch {
      d = CONFIRM_THREW;
    }
    if (d?.allow !== true) throw new SendVetoed(d ?? CONFIRM_THREW);
  }

  /**
   * The check before the send denied: nothing of this attempt went out (and an earlier attempt of
   * it was confirmed absent, or the policy would not have retried), so the intent finishes `denied`;
   * a repeat after a resume claims it again.
   */
  async #vetoed(rec: IntentRecord, decision: GateDecision): Promise<SubmitResult> {
    const key = rec.idempotencyKey;
    const reason = typeof decision.reason === 'string' && decision.reason !== '' ? decision.reason : 'denied';
    await this.#o.orders.finish(key, { state: 'denied', result: null, reason }, this.#o.clock.now());
    this.#emit('denied', key, rec.payload);
    return { status: 'denied', idempotencyKey: key, reason };
  }

  /** A send that did not place the order: unknown outcomes stay unfinished (lease released), the rest go to the DLQ. */
  async #failed(
    rec: IntentRecord,
    err: unknown,
    errors: RecordedError[],
    attempts: number,
    signal: AbortSignal,
  ): Promise<SubmitResult> {
    const o = this.#o;
    const key = rec.idempotencyKey;
    const now = o.clock.now();
    if (signal.aborted || err instanceof AmbiguousOutcomeError) {
      // The order may exist: never call it failed. The claim lapses now; a repeat or a reconciliation resolves it.
      await o.orders.release(key, this.#owner, now);
      if (err instanceof AmbiguousOutcomeError) {
        await this.#deadLetter(rec, errors, attempts, 'ambiguous', 'outcome_unknown');
      }
      this.#emit('unknown', key, rec.payload, classifyOrderFailure(err));
      throw err;
    }
    const verdict = classifyOrderFailure(err);
    const rejected =
      verdict.retry === 'never' && (verdict.category === 'exchange' || verdict.category === 'logic');
    const last = errors.at(-1) ?? recordError(err, now);
    const reason = rejected ? `rejected: ${last.name}` : `failed: ${last.name}`;
    const errorClass = `${verdict.category}/${rejected || verdict.retry === 'never' ? 'not_retryable' : 'retries_exhausted'}`;
    const [dlqId] = await Promise.all([
      this.#deadLetter(rec, errors, attempts, errorClass, reason),
      o.orders.finish(
        key,
        { state: rejected ? 'rejected' : 'dead', result: JSON.stringify(last), reason },
        now,
      ),
    ]);
    this.#emit(rejected ? 'rejected' : 'dead', key, rec.payload, verdict);
    if (rejected) {
      await this.#rejected?.note({
        symbol: (JSON.parse(rec.payload) as { symbol: string }).symbol,
        errorName: last.name,
        message: last.message,
        idempotencyKey: key,
        at: now,
      });
    }
    if (rejected)
      return {
        status: 'rejected',
        idempotencyKey: key,
        clientOrderId: rec.clientOrderId,
        error: last,
        replayed: false,
      };
    return {
      status: 'dead',
      idempotencyKey: key,
      clientOrderId: rec.clientOrderId,
      dlqId,
      reason,
      error: last,
      replayed: false,
    };
  }

  async #deadLetter(
    rec: IntentRecord,
    errors: readonly RecordedError[],
    attempts: number,
    errorClass: string,
    reason: string,
  ): Promise<number> {
    const o = this.#o;
    const id = await o.dlq.enqueue({
      idempotencyKey: rec.idempotencyKey,
      clientOrderId: rec.clientOrderId,
      payload: rec.payload,
      errors,
      attempts,
      errorClass,
      reason,
      at: o.clock.now(),
    });
    await alertIfDlqGrew(o, rec.idempotencyKey, reason);
    return id;
  }
}
