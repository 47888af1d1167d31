import { resolve } from 'node:path';
import { AutoCheckpointer, type CheckpointStore } from '../checkpoint/index.js';
import type { DecisionLog } from '../decisions/index.js';
import type { Exchange } from '../exchange/index.js';
import {
  BreakerLayer,
  KillSwitchLayer,
  RiskLimitsLayer,
  StrategyLayer,
  gateFromConfig,
  type GateFromConfig,
} from '../gate/index.js';
import type { DecisionSink } from '../gate/gate-types.js';
import type { KillSwitch } from '../killswitch/index.js';
import type { Freshness } from '../market/index.js';
import type { DegradationManager } from '../modes/index.js';
import {
  Executor,
  ReadinessLatch,
  checkpointOnExecutorChanges,
  defaultOrderPolicy,
} from '../orders/index.js';
import { FailureReactions } from '../reactions/failure-reactions.js';
import type { CircuitBreaker } from '../resilience/index.js';
import type { SessionLossLimit } from '../risk/index.js';
import type { Store } from '../store/index.js';
import { ShadowLedger, type StrategyBreaker } from '../strategy/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import { VenueClockSync } from './venue-clock.js';
import type { Warden } from './warden.js';
import { timersOf, type Opening } from './open-warden-steps.js';

/** The gate's layers, from the parts opened before it. */
export interface GateInputs {
  readonly killSwitch: KillSwitch;
  readonly modes: DegradationManager;
  readonly freshness: Freshness;
  readonly strategy: StrategyBreaker;
  readonly lossLimit: SessionLossLimit | null;
  readonly breaker: CircuitBreaker;
  readonly gateDecisions: DecisionSink | (() => DecisionSink);
  readonly name: string;
}

/** The gate with every layer of the config's `gate` section (drained on close). */
export function openGate(o: Opening, g: GateInputs): GateFromConfig {
  const shadowLedger = new ShadowLedger(resolve(o.dataDir, o.config.strategy.shadow));
  const built = gateFromConfig(o.config.gate, {
    killSwitch: new KillSwitchLayer(g.killSwitch),
    mode: g.modes,
    freshness: g.freshness,
    strategy: new StrategyLayer(g.strategy),
    ...(g.lossLimit ? { lossLimit: g.lossLimit } : {}),
    breaker: new BreakerLayer(g.breaker),
    decisions: g.gateDecisions,
    shadowLedger,
    by: g.name,
    clock: o.clock,
  });
  o.closers.push(() => built.gate.drain());
  return built;
}

/** The executor and the latch that denies new risk until a reconcile succeeds. */
export interface OpenedExecutor {
  readonly executor: Executor;
  readonly readiness: ReadinessLatch;
}

/** An `Executor` over the store's order and DLQ stores, through the gate and the exchange breaker. */
export function openExecutor(
  o: Opening,
  parts: {
    exchange: Exchange;
    orderStores: Pick<Store, 'orders' | 'dlq'>;
    gate: GateFromConfig['gate'];
    breaker: CircuitBreaker;
    alerts: AlertSink;
  },
): OpenedExecutor {
  const { options, clock } = o;
  const readiness = new ReadinessLatch();
  const executor = new Executor({
    exchange: parts.exchange,
    orders: parts.orderStores.orders,
    dlq: parts.orderStores.dlq,
    symbols: options.symbols,
    gate: parts.gate,
    readiness,
    policy: defaultOrderPolicy({
      clock,
      breaker: parts.breaker,
      ...timersOf(o),
      ...(options.executor?.random ? { random: options.executor.random } : {}),
    }),
    alerts: parts.alerts,
    clock,
    ...timersOf(o),
    ...options.executor,
  });
  o.closers.push(() => executor.close());
  return { executor, readiness };
}

/** What the failure-class reactions act on. */
export interface ReactionInputs {
  readonly alerts: AlertSink;
  readonly freshness: Freshness;
  readonly modes: DegradationManager;
  readonly killSwitch: KillSwitch;
  readonly readiness: ReadinessLatch;
  readonly log: DecisionLog | null;
  /** The Warden, once built (a reaction before then reconciles nothing). */
  readonly warden: () => Warden | null;
}

/** The failure-class reactions of the config's `reactions.byClass`. */
export function openReactions(o: Opening, r: ReactionInputs): FailureReactions {
  const decisions = r.log ?? undefined;
  return new FailureReactions(o.config.reactions.byClass, {
    alerts: r.alerts,
    freshness: r.freshness,
    modes: r.modes,
    killSwitch: r.killSwitch,
    readiness: r.readiness,
    reconcile: () => r.warden()?.reconcile() ?? Promise.resolve(),
    clock: o.clock,
    // a reaction after close (a trip or reconcile settling late) is not recorded, and not an error
    ...(decisions
      ? { decisions: { append: (d) => (decisions.state === 'open' ? decisions.append(d) : null) } }
      : {}),
  });
}

/** Each executor change: into the position book, its failure to the reactions, a record in the log. */
export function followExecutor(
  o: Opening,
  f: {
    executor: Executor;
    book: RiskLimitsLayer;
    reactions: FailureReactions;
    log: DecisionLog | null;
    name: string;
  },
): void {
  o.subscriptions.push(
    f.executor.onStateChange((e) => {
      if (e.order !== undefined) f.book.applyOrder(e.order);
      if (e.failure !== undefined)
        f.reactions.handle({
          source: 'executor',
          failure: e.failure,
          symbol: e.symbol,
          idempotencyKey: e.idempotencyKey,
        });
      f.log?.append({
        kind: 'order',
        by: f.name,
        data: { event: e.kind, idempotencyKey: e.idempotencyKey, symbol: e.symbol },
      });
    }),
  );
}

/** A checkpoint on every executor change and every interval; a failed one (or a log error) is a reaction. */
export function openCheckpointer(
  o: Opening,
  c: {
    checkpoints: CheckpointStore;
    executor: Executor;
    reactions: FailureReactions;
    log: DecisionLog | null;
    warden: () => Warden | null;
  },
): AutoCheckpointer {
  const checkpointer = new AutoCheckpointer({
    store: c.checkpoints,
    getState: () => c.warden()?.snapshot() ?? null,
    intervalMs: o.options.checkpoints?.intervalMs ?? 60_000,
    clock: o.clock,
  });
  o.subscriptions.push(checkpointOnExecutorChanges(c.executor, checkpointer));
  o.subscriptions.push(checkpointer.onError((error) => c.reactions.handle({ source: 'checkpoint', error })));
  if (c.log !== null)
    o.subscriptions.push(c.log.onError((error) => c.reactions.handle({ source: 'decisions', error })));
  o.closers.push(() => {
    if (checkpointer.dirty) checkpointer.checkpointNow();
    checkpointer.close();
  });
  return checkpointer;
}

/**
 * The venue's clock for the modes' drift signal: read at open (before reconciling) and every
 * clockSyncMs; a read that fails counts as a drift beyond any limit (OBSERVATION, fail closed).
 */
export function openVenueClock(
  o: Opening,
  exchange: Exchange,
  modes: DegradationManager,
): VenueClockSync | null {
  if (o.config.modes.clockSyncMs === 0) return null;
  const venueClock = new VenueClockSync({
    exchange,
    modes,
    intervalMs: o.config.modes.clockSyncMs,
    clock: o.clock,
    ...timersOf(o),
  });
  o.closers.push(() => venueClock.close());
  return venueClock;
}
