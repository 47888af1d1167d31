import { resolve } from 'node:path';
import { createAlerter } from '../alerts/index.js';
import { AutoCheckpointer, CheckpointStore } from '../checkpoint/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { DecisionLog } from '../decisions/index.js';
import { alertsWithDecisionHead, anchorHeadInStore, type HeadAnchor } from '../decisions/head-anchor.js';
import { createExchangeFromConfig } from '../exchange/from-config.js';
import type { Exchange } from '../exchange/index.js';
import {
  BreakerLayer,
  KillSwitchLayer,
  RiskLimitsLayer,
  StrategyLayer,
  gateFromConfig,
} from '../gate/index.js';
import type { DecisionSink } from '../gate/gate-types.js';
import { HeartbeatWriter } from '../heartbeat/index.js';
import { KillSwitch, fallbackAlertsFor } from '../killswitch/index.js';
import { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
import { Freshness, freshnessOptionsFromConfig } from '../market/index.js';
import { DegradationManager, ModeRecorder, degradationOptionsFromConfig } from '../modes/index.js';
import {
  Executor,
  ReadinessLatch,
  checkpointOnExecutorChanges,
  defaultOrderPolicy,
} from '../orders/index.js';
import { deadMansSwitchFromConfig, watchExchangeBreakerFromConfig } from '../reactions/from-config.js';
import { FailureReactions } from '../reactions/failure-reactions.js';
import { CircuitBreaker, ConsecutiveRule, isDependencyFailure } from '../resilience/index.js';
import { SessionLossLimit, lossLimitOptionsFromConfig } from '../risk/index.js';
import { openStore, type Store } from '../store/index.js';
import { ShadowLedger } from '../strategy/index.js';
import { strategyBreakerFor } from '../strategy/runtime/configured-breaker.js';
import { shareBreakerFromConfig } from '../fleet/shared-breaker-from-config.js';
import { startFleet } from '../fleet/fleet-runtime.js';
import { systemClock } from '../util/clock.js';
import { reserveFor } from '../store/space-reserve.js';
import { Warden, type WardenCheckpoint, type WardenParts } from './warden.js';
import type { OpenWardenOptions } from './warden-options.js';
import { VenueClockSync } from './venue-clock.js';

function loaded(o: OpenWardenOptions): LoadedConfig {
  if (typeof o.config === 'object' && o.config !== null)
    return o.dataDir === undefined ? o.config : { ...o.config, dataDir: resolve(o.dataDir) };
  return loadConfig({
    ...(o.config !== undefined ? { configPath: o.config } : {}),
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
  });
}

/** The checkpoint's parts Warden restores, when the payload has their shape. */
function restoredFrom(state: unknown): WardenCheckpoint | null {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return null;
  return state as WardenCheckpoint;
}

/**
 * Opens everything a bot needs from the config (README "Using Warden in a bot"): the kill switch,
 * heartbeat writer, strategy breaker, decision log, degradation manager, data freshness, session
 * loss limit, the exchange breaker and its watch, the gate with every layer, an `Executor` over the
 * store's order and DLQ stores with a checkpoint on every state change, and the failure-class
 * reactions; then reconciles with the venue (new risk is denied until that succeeds). The data
 * dir must exist (`warden init`): a missing store is an error, never a fresh start.
 */
export async function openWarden(options: OpenWardenOptions): Promise<Warden> {
  if (typeof options !== 'object' || options === null)
    throw new RangeError('openWarden options must be an object with symbols');
  const cfg = loaded(options);
  const { config, dataDir } = cfg;
  const clock = options.clock ?? systemClock;
  const closers: WardenParts['closers'] = [];
  const subscriptions: { dispose(): void }[] = [];
  const unwind = async () => {
    for (const s of subscriptions) s.dispose();
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    return await build();
  } catch (err) {
    await unwind();
    throw err;
  }

  async function build(): Promise<Warden> {
    const store = await openStore(config, dataDir);
    closers.push(() => store.close());
    const orderStores: Pick<Store, 'orders' | 'dlq'> = { orders: store.orders, dlq: store.dlq };

    // Decision log first: every other part records into it. One that cannot be opened (the daemon
    // holds its writer lock, a full disk) leaves the gate denying new risk, with the reason.
    let log: DecisionLog | null = null;
    let gateDecisions: DecisionSink | (() => DecisionSink);
    try {
      log = DecisionLog.open({
        dir: resolve(dataDir, config.decisions.dir),
        flushIntervalMs: config.decisions.flushIntervalMs,
        rotateBytes: config.decisions.rotateBytes,
        rotateDaily: config.decisions.rotateDaily,
        clock,
      });
      gateDecisions = log;
      const l = log;
      closers.push(() => l.close());
    } catch (err) {
      gateDecisions = () => {
        throw err;
      };
    }
    let anchor: HeadAnchor | null = null;
    if (log !== null) {
      const a = anchorHeadInStore(log, store.kv, { everyMs: options.anchorEveryMs ?? 1000, clock });
      anchor = a;
      subscriptions.push({ dispose: () => a.dispose() });
      // before the log closes (closers run last first): the final head into the store
      closers.push(async () => {
        await log?.flush().catch(() => undefined);
        await a.flush();
      });
    }

    let alerts = options.alerts;
    if (alerts === undefined) {
      const alerter = createAlerter(config, store);
      closers.push(async () => {
        await alerter.flush().catch(() => undefined);
        await alerter.close();
      });
      alerts = fallbackAlertsFor(config.alerts.channels, alerter);
    }
    const l = log;
    alerts = alertsWithDecisionHead(alerts, () => l?.head ?? null);

    // Fleet mode: this process's one change feed (one LISTEN connection) and its poll wake the kill
    // switch, the strategy breaker and a shared exchange breaker; the kill switch holds the lease.
    let lastFeedWarning = 0;
    const fleet = startFleet(config, store, {
      role: 'bot',
      ...(options.env ? { env: options.env } : {}),
      onError: (what, err) => {
        if (Date.now() - lastFeedWarning < 60_000) return;
        lastFeedWarning = Date.now();
        process.emitWarning(
          `warden: ${what}: ${(err as Error).message} (the feed's poll and the lease go on)`,
          'WardenFleetFeedWarning',
        );
      },
    });
    if (fleet !== null) closers.push(() => fleet.close());

    const killSwitch = await KillSwitch.open({
      store,
      dataDir,
      source: options.source ?? 'bot',
      pollMs: config.killSwitch.pollMs,
      ...fleet?.killSwitchOptions,
      alerts,
      clock,
      reserve: reserveFor(cfg),
      flatten: flattenHookFromConfig(cfg, store, { alerts, ...(options.env ? { env: options.env } : {}) }),
    });
    closers.push(() => killSwitch.close());

    const name = options.name ?? config.watchdog.botHeartbeat ?? 'bot';
    const heartbeat = new HeartbeatWriter({
      store,
      dataDir,
      botHeartbeat: config.watchdog.botHeartbeat,
      watchedFiles: config.heartbeats.flatMap((h) => (h.file ? [h.file] : [])),
      clock,
    });

    // One host: the state file; fleet mode: the store's strategy state (leased), read on the feed's wake-ups.
    const strategy = strategyBreakerFor(config, dataDir, store, { clock, polledByFeed: fleet !== null });
    closers.push(() => strategy.close());
    if (fleet !== null) subscriptions.push(fleet.wake({ killSwitch, strategy }));
    await strategy.ready();

    const checkpoints = CheckpointStore.open(resolve(dataDir, options.checkpoints?.dir ?? 'checkpoints'), {
      ...(options.checkpoints?.keep !== undefined ? { keep: options.checkpoints.keep } : {}),
      clock,
    });
    const restored = restoredFrom(checkpoints.loadLatest()?.checkpoint.state);

    const decisions = log ?? undefined;
    const modes = new DegradationManager(
      degradationOptionsFromConfig(config.modes, {
        killSwitch,
        alerts,
        clock,
        ...(decisions ? { decisions } : {}),
        ...(restored?.modes?.peakEquity ? { initialState: { peakEquity: restored.modes.peakEquity } } : {}),
      }),
    );
    closers.push(() => modes.close());
    // Every transition (and a refresh) into the store, for `warden serve`'s GET /v1/mode and `warden status`.
    const recorder = new ModeRecorder({
      repo: store.modes,
      bot: name,
      source: modes,
      ...(options.modeRefreshMs !== undefined ? { refreshMs: options.modeRefreshMs } : {}),
      onError: (err) => process.stderr.write(`warden: ${err.message}\n`),
    });
    closers.push(() => recorder.close());
    const freshness = new Freshness(freshnessOptionsFromConfig(config.freshness, { alerts, clock }));
    const lossLimit =
      config.lossLimit === undefined
        ? null
        : new SessionLossLimit(
            lossLimitOptionsFromConfig(config.lossLimit, {
              killSwitch,
              alerts,
              clock,
              ...(decisions ? { decisions } : {}),
              ...(restored?.lossLimit ? { initialState: restored.lossLimit } : {}),
            }),
          );
    if (lossLimit) closers.push(() => lossLimit.close());

    let exchange: Exchange;
    if (options.exchange !== undefined) exchange = options.exchange;
    else if (config.exchange !== undefined) {
      const ex = await createExchangeFromConfig(config.exchange, options.env ? { env: options.env } : {});
      exchange = ex;
      closers.push(() => ex.close());
    } else
      throw new RangeError(
        `openWarden needs a venue: add an "exchange" section to ${cfg.path ?? 'the config'} (docs/exchange.md), or pass { exchange }`,
      );

    const breaker =
      options.breaker ??
      new CircuitBreaker({
        name: `exchange:${exchange.id}`,
        rule: new ConsecutiveRule(5),
        openMs: 30_000,
        isFailure: isDependencyFailure,
        clock,
      });
    // fleet.sharedBreakers: trips shared with every process on the account (off by default).
    let lastShareWarning = 0;
    const sharing = shareBreakerFromConfig(config, store, breaker, {
      ...(options.env ? { env: options.env } : {}),
      ...(fleet !== null ? { feed: fleet.feed } : {}),
      onError: (err) => {
        if (Date.now() - lastShareWarning < 60_000) return;
        lastShareWarning = Date.now();
        process.emitWarning(
          `warden: shared breaker: ${(err as Error).message}`,
          'WardenSharedBreakerWarning',
        );
      },
    });
    if (sharing) closers.push(() => sharing.close());
    subscriptions.push(modes.followBreaker(breaker));
    subscriptions.push(
      watchExchangeBreakerFromConfig(config, breaker, {
        alerts,
        killSwitch,
        clock,
        ...(options.timers ? { timers: options.timers } : {}),
      }),
    );

    const shadowLedger = new ShadowLedger(resolve(dataDir, config.strategy.shadow));
    const { gate, riskLimits, rateLimit } = gateFromConfig(config.gate, {
      killSwitch: new KillSwitchLayer(killSwitch),
      mode: modes,
      freshness,
      strategy: new StrategyLayer(strategy),
      ...(lossLimit ? { lossLimit } : {}),
      breaker: new BreakerLayer(breaker),
      decisions: gateDecisions,
      shadowLedger,
      by: name,
      clock,
    });
    closers.push(() => gate.drain());

    const readiness = new ReadinessLatch();
    const executor = new Executor({
      exchange,
      orders: orderStores.orders,
      dlq: orderStores.dlq,
      symbols: options.symbols,
      gate,
      readiness,
      policy: defaultOrderPolicy({
        clock,
        breaker,
        ...(options.timers ? { timers: options.timers } : {}),
        ...(options.executor?.random ? { random: options.executor.random } : {}),
      }),
      alerts,
      clock,
      ...(options.timers ? { timers: options.timers } : {}),
      ...options.executor,
    });
    closers.push(() => executor.close());

    let warden: Warden | null = null;
    const reactions = new FailureReactions(config.reactions.byClass, {
      alerts,
      freshness,
      modes,
      killSwitch,
      readiness,
      reconcile: () => warden?.reconcile() ?? Promise.resolve(),
      clock,
      // a reaction after close (a trip or reconcile settling late) is not recorded, and not an error
      ...(decisions
        ? { decisions: { append: (d) => (decisions.state === 'open' ? decisions.append(d) : null) } }
        : {}),
    });

    const book = riskLimits ?? new RiskLimitsLayer({});
    subscriptions.push(
      executor.onStateChange((e) => {
        if (e.order !== undefined) book.applyOrder(e.order);
        if (e.failure !== undefined)
          reactions.handle({
            source: 'executor',
            failure: e.failure,
            symbol: e.symbol,
            idempotencyKey: e.idempotencyKey,
          });
        log?.append({
          kind: 'order',
          by: name,
          data: { event: e.kind, idempotencyKey: e.idempotencyKey, symbol: e.symbol },
        });
      }),
    );

    const checkpointer = new AutoCheckpointer({
      store: checkpoints,
      getState: () => warden?.snapshot() ?? null,
      intervalMs: options.checkpoints?.intervalMs ?? 60_000,
      clock,
    });
    subscriptions.push(checkpointOnExecutorChanges(executor, checkpointer));
    subscriptions.push(checkpointer.onError((error) => reactions.handle({ source: 'checkpoint', error })));
    if (log !== null) {
      const sub = log.onError((error) => reactions.handle({ source: 'decisions', error }));
      subscriptions.push(sub);
    }
    closers.push(() => {
      if (checkpointer.dirty) checkpointer.checkpointNow();
      checkpointer.close();
    });

    const deadMansSwitch = deadMansSwitchFromConfig(config, exchange, alerts);

    // The venue's clock for the modes' drift signal: read at open (before reconciling) and every
    // clockSyncMs; a read that fails counts as a drift beyond any limit (OBSERVATION, fail closed).
    const venueClock =
      config.modes.clockSyncMs === 0
        ? null
        : new VenueClockSync({
            exchange,
            modes,
            intervalMs: config.modes.clockSyncMs,
            clock,
            ...(options.timers ? { timers: options.timers } : {}),
          });
    if (venueClock !== null) closers.push(() => venueClock.close());

    warden = new Warden({
      config,
      dataDir,
      store,
      alerts,
      killSwitch,
      heartbeat,
      strategy,
      decisions: log,
      modes,
      freshness,
      lossLimit,
      breaker,
      gate,
      riskLimits: book,
      rateLimit,
      executor,
      orderStores,
      readiness,
      checkpoints,
      checkpointer,
      reactions,
      exchange,
      deadMansSwitch,
      venueClock,
      restored,
      name,
      clock,
      timers: options.timers,
      print: options.print,
      anchor,
      botState: options.state,
      closers,
      subscriptions,
    });
    log?.append({ kind: 'state', by: name, data: { event: 'opened', symbols: [...options.symbols] } });
    await venueClock?.start();
    if (options.reconcileOnOpen !== false) await warden.reconcile();
    return warden;
  }
}
