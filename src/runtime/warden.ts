import type { AutoCheckpointer, CheckpointStore } from '../checkpoint/index.js';
import type { WardenConfig } from '../config/index.js';
import type { DecisionHead, DecisionLog } from '../decisions/index.js';
import type { HeadAnchor } from '../decisions/head-anchor.js';
import type { DeadMansSwitch, Exchange } from '../exchange/index.js';
import type { Gate, RateLimitLayer, RiskLimitsLayer } from '../gate/index.js';
import type { HeartbeatWriter } from '../heartbeat/index.js';
import type { KillSwitch } from '../killswitch/index.js';
import type { Freshness, TickResult } from '../market/index.js';
import type { DegradationManager } from '../modes/index.js';
import {
  AmbiguousOutcomeError,
  failureClass,
  type CircuitBreaker,
  type Timers,
} from '../resilience/index.js';
import {
  IdempotencyMismatchError,
  InFlightError,
  InvalidIntentError,
  reconcile,
  type Executor,
  type OrderIntent,
  type ReadinessLatch,
  type SubmitOptions,
  type SubmitResult,
} from '../orders/index.js';
import type { OrderSyncResult } from '../orders/order-tracker.js';
import type { ReconcileCheckpoint, ReconcileReport } from '../orders/reconcile-report.js';
import type { FailureReactions, ReactionOutcome } from '../reactions/failure-reactions.js';
import type { SessionLossLimit } from '../risk/index.js';
import type { Store } from '../store/index.js';
import type { StrategyBreaker } from '../strategy/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { Clock } from '../util/clock.js';
import type { VenueClockSync } from './venue-clock.js';

/** What a checkpoint of `openWarden` holds. */
export interface WardenCheckpoint extends ReconcileCheckpoint {
  readonly modes?: { peakEquity: number | null };
  readonly lossLimit?: ReturnType<SessionLossLimit['toJSON']>;
  /** The bot's own state (`OpenWardenOptions.state`). */
  readonly bot?: unknown;
}

/** Account figures besides equity, for `equity()`. */
export interface AccountFigures {
  /** Free balance (default: the equity). */
  readonly balance?: number;
  /** Cumulative realised P&L (default 0: the session loss is then the fall of equity). */
  readonly realised?: number;
  /** Open P&L (default: equity − realised). */
  readonly unrealised?: number;
}

/** Every part `openWarden` built; `Warden` exposes them read-only. */
export interface WardenParts {
  readonly config: WardenConfig;
  readonly dataDir: string;
  readonly store: Store;
  readonly alerts: AlertSink;
  readonly killSwitch: KillSwitch;
  readonly heartbeat: HeartbeatWriter;
  readonly strategy: StrategyBreaker;
  readonly decisions: DecisionLog | null;
  readonly modes: DegradationManager;
  readonly freshness: Freshness;
  readonly lossLimit: SessionLossLimit | null;
  readonly breaker: CircuitBreaker;
  readonly gate: Gate;
  /** The gate's risk limits; without a `gate.riskLimits` section, a position book outside the gate. */
  readonly riskLimits: RiskLimitsLayer;
  readonly rateLimit: RateLimitLayer | null;
  readonly executor: Executor;
  readonly orderStores: Pick<Store, 'orders' | 'dlq'>;
  readonly readiness: ReadinessLatch;
  readonly checkpoints: CheckpointStore;
  readonly checkpointer: AutoCheckpointer;
  readonly reactions: FailureReactions;
  readonly exchange: Exchange;
  readonly deadMansSwitch: DeadMansSwitch | null;
  /** Reads the venue's server time for the modes' clock-drift signal (null: `modes.clockSyncMs` 0). */
  readonly venueClock: VenueClockSync | null;
  readonly restored: WardenCheckpoint | null;
  readonly name: string;
  readonly clock: Clock;
  readonly timers: Timers | undefined;
  readonly print: ((text: string) => void) | null | undefined;
  readonly anchor: HeadAnchor | null;
  /** The bot's own state for each checkpoint. */
  readonly botState: (() => unknown) | undefined;
  /** Closed by `close()`, last first. */
  readonly closers: (() => Promise<unknown> | unknown)[];
  readonly subscriptions: { dispose(): void }[];
}

/**
 * A bot's Warden, from `openWarden`: every protection of the config wired together. The bot
 * pushes ticks and equity, submits through `submit`, calls `sync` and `beat` on its cycle, and
 * `report`s failures it meets; every part is reachable for the rest.
 */
export class Warden {
  readonly #p: WardenParts;
  #reconciling: Promise<ReconcileReport> | null = null;
  #closed = false;

  constructor(parts: WardenParts) {
    this.#p = parts;
  }

  get config(): WardenConfig {
    return this.#p.config;
  }
  get dataDir(): string {
    return this.#p.dataDir;
  }
  get store(): Store {
    return this.#p.store;
  }
  get alerts(): AlertSink {
    return this.#p.alerts;
  }
  get killSwitch(): KillSwitch {
    return this.#p.killSwitch;
  }
  get heartbeat(): HeartbeatWriter {
    return this.#p.heartbeat;
  }
  get strategy(): StrategyBreaker {
    return this.#p.strategy;
  }
  /** The decision log, or null when it could not be opened (the gate then denies new risk). */
  get decisions(): DecisionLog | null {
    return this.#p.decisions;
  }
  get modes(): DegradationManager {
    return this.#p.modes;
  }
  /** The venue clock reader feeding the modes' clock drift, or null when `modes.clockSyncMs` is 0. */
  get venueClock(): VenueClockSync | null {
    return this.#p.venueClock;
  }
  get freshness(): Freshness {
    return this.#p.freshness;
  }
  get lossLimit(): SessionLossLimit | null {
    return this.#p.lossLimit;
  }
  /** The exchange's dependency breaker (in the executor's policy and the gate). */
  get breaker(): CircuitBreaker {
    return this.#p.breaker;
  }
  get gate(): Gate {
    return this.#p.gate;
  }
  get riskLimits(): RiskLimitsLayer {
    return this.#p.riskLimits;
  }
  get executor(): Executor {
    return this.#p.executor;
  }
  /** The order store and the dead-letter queue's store. */
  get orderStores(): Pick<Store, 'orders' | 'dlq'> {
    return this.#p.orderStores;
  }
  get readiness(): ReadinessLatch {
    return this.#p.readiness;
  }
  get checkpoints(): CheckpointStore {
    return this.#p.checkpoints;
  }
  get checkpointer(): AutoCheckpointer {
    return this.#p.checkpointer;
  }
  get reactions(): FailureReactions {
    return this.#p.reactions;
  }
  get exchange(): Exchange {
    return this.#p.exchange;
  }
  get deadMansSwitch(): DeadMansSwitch | null {
    return this.#p.deadMansSwitch;
  }
  /** The newest valid checkpoint found on open, or null. */
  get restored(): WardenCheckpoint | null {
    return this.#p.restored;
  }

  /** The decision log's head (the last appended line), or null without a log. */
  get decisionHead(): DecisionHead | null {
    return this.#p.decisions?.head ?? null;
  }

  /**
   * Submits an intent through the gate and the executor. A failure reacts by its class (the
   * executor's rejected/dead/unknown outcomes, and what it throws); the result or error is the executor's.
   */
  async submit(intent: OrderIntent, options: SubmitOptions = {}): Promise<SubmitResult> {
    try {
      return await this.#p.executor.submit(intent, options);
    } catch (err) {
      this.#reactToThrow(err, intent.symbol, intent.idempotencyKey);
      throw err;
    }
  }

  /** Cancels the resting order of a placed intent (a `cancelled` state change, a checkpoint). */
  async cancel(idempotencyKey: string): Promise<void> {
    const rec = await this.#p.orderStores.orders.get(idempotencyKey);
    const symbol = rec === null ? undefined : (JSON.parse(rec.payload) as { symbol: string }).symbol;
    try {
      await this.#p.executor.cancel(idempotencyKey);
    } catch (err) {
      this.#reactToThrow(err, symbol, idempotencyKey);
      throw err;
    }
  }

  /**
   * Asks the venue about every order still open here: fills and cancels become state changes
   * (positions, open orders, a checkpoint). An order the venue does not know is a state failure.
   */
  async sync(): Promise<OrderSyncResult> {
    let r: OrderSyncResult;
    try {
      r = await this.#p.executor.syncOrders();
    } catch (err) {
      this.report(err, { source: 'sync' });
      throw err;
    }
    for (const m of r.missing)
      this.#p.reactions.handle({
        source: 'sync',
        failure: failureClass('state', 'never', 'warden:order_missing_at_venue'),
        symbol: m.order.symbol,
        idempotencyKey: m.idempotencyKey,
      });
    return r;
  }

  /**
   * A price tick: freshness and sanity first; a good one feeds the risk limits' price and the
   * mode's feed age, a bad one (NaN, ≤ 0, a jump) is the data reaction (that instrument in OBSERVATION).
   */
  tick(symbol: string, price: number, at: number = this.#p.clock.now()): TickResult {
    const r = this.#p.freshness.tick(symbol, price, at);
    if (r.accepted) {
      this.#p.riskLimits.setPrice(symbol, price);
      this.#p.modes.feedTick(at);
    } else
      this.#p.reactions.handle({
        source: 'tick',
        failure: failureClass('data', 'never', `tick:${r.kind}`),
        symbol,
      });
    return r;
  }

  /** Equity (and optionally balance and P&L): feeds the degradation modes and the session loss limit. */
  equity(value: number, figures: AccountFigures = {}): void {
    this.#p.modes.report({ equity: value, balance: figures.balance ?? value });
    const realised = figures.realised ?? 0;
    this.#p.lossLimit?.report({
      realised,
      unrealised: figures.unrealised ?? value - realised,
      equity: value,
    });
  }

  /** A failure the bot met (a feed that threw, a parse error, a disk error): it reacts by its class. */
  report(error: unknown, where: { symbol?: string; source?: string } = {}): ReactionOutcome {
    return this.#p.reactions.handle({
      source: where.source ?? 'bot',
      error,
      ...(where.symbol !== undefined ? { symbol: where.symbol } : {}),
    });
  }

  /**
   * A heartbeat of the bot: the decision log's head travels with it (`decisions: {seq, hash}`),
   * and the venue's dead man's switch is re-armed.
   */
  async beat(status = 'ok', extra: Record<string, unknown> = {}): Promise<void> {
    const h = this.#p.decisions?.durableHead;
    await this.#p.heartbeat.beat(
      this.#p.name,
      status,
      h ? { ...extra, decisions: { seq: h.seq, hash: h.hash } } : extra,
    );
    if (this.#p.deadMansSwitch !== null) await this.#p.deadMansSwitch.refresh();
  }

  /**
   * Reconciles with the venue (one run at a time): unfinished intents resolved by client id, the
   * venue's open orders and positions adopted into the risk limits and the order tracker. New
   * risk is denied until a run succeeds (the executor's readiness, the mode's reconciliation).
   */
  reconcile(): Promise<ReconcileReport> {
    this.#reconciling ??= this.#reconcile().finally(() => (this.#reconciling = null));
    return this.#reconciling;
  }

  async #reconcile(): Promise<ReconcileReport> {
    const p = this.#p;
    if (!p.readiness.ready) p.modes.reconciliation(true);
    const report = await reconcile({
      exchange: p.exchange,
      orderStore: p.orderStores.orders,
      dlq: p.orderStores.dlq,
      readiness: p.readiness,
      alerts: p.alerts,
      clock: p.clock,
      ...(p.restored ? { checkpoint: p.restored } : {}),
      ...(p.timers ? { timers: p.timers } : {}),
      ...(p.print !== undefined ? { print: p.print } : {}),
    });
    if (!report.ok) return report;
    const held = p.riskLimits.positions();
    const positions: Record<string, number> = {};
    for (const s of Object.keys(held)) positions[s] = 0;
    for (const pos of report.adopted.positions) positions[pos.symbol] = pos.amount;
    p.riskLimits.update({ positions, openOrders: report.adopted.openOrders.length });
    for (const order of report.adopted.openOrders) {
      const rec = await p.orderStores.orders.getByClientOrderId(order.clientOrderId);
      if (rec !== null) p.executor.observeOrder(rec.idempotencyKey, order);
    }
    p.modes.reconciliation(false);
    p.decisions?.append({ kind: 'state', by: 'warden', data: { event: 'reconciled', report: report.id } });
    return report;
  }

  /** What a checkpoint holds now. */
  snapshot(): WardenCheckpoint {
    const p = this.#p;
    const positions = Object.entries(p.riskLimits.positions()).map(([symbol, amount]) => ({
      symbol,
      amount,
      entryPrice: null,
    }));
    return {
      positions,
      openOrders: p.executor
        .openOrders()
        .map((o) => ({ clientOrderId: o.order.clientOrderId, symbol: o.order.symbol })),
      modes: p.modes.toJSON(),
      ...(p.lossLimit ? { lossLimit: p.lossLimit.toJSON() } : {}),
      bot: p.botState?.() ?? null,
    };
  }

  /** Stops every loop, writes a last checkpoint and the decision head, closes what `openWarden` opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reconciling?.catch(() => undefined);
    for (const s of this.#p.subscriptions) s.dispose();
    const errors: unknown[] = [];
    for (const c of [...this.#p.closers].reverse()) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0)
      throw new AggregateError(errors, `warden: ${errors.length} part(s) failed to close`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #reactToThrow(err: unknown, symbol: string | undefined, idempotencyKey: string | undefined): void {
    // already told through the executor's state change, or not a failure at all
    if (err instanceof AmbiguousOutcomeError || err instanceof InFlightError) return;
    const failure =
      err instanceof InvalidIntentError || err instanceof IdempotencyMismatchError
        ? failureClass('logic', 'never', `warden:${err.code}`)
        : undefined;
    this.#p.reactions.handle({
      source: 'executor',
      error: err,
      ...(failure ? { failure } : {}),
      ...(symbol !== undefined ? { symbol } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
  }
}
