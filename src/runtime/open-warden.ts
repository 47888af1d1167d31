import { resolve } from 'node:path';
import { CheckpointStore } from '../checkpoint/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { RiskLimitsLayer } from '../gate/index.js';
import { HeartbeatWriter } from '../heartbeat/index.js';
import { Freshness, freshnessOptionsFromConfig } from '../market/index.js';
import { deadMansSwitchFromConfig } from '../reactions/from-config.js';
import { openStore, type Store } from '../store/index.js';
import { strategyBreakerFor } from '../strategy/runtime/configured-breaker.js';
import { systemClock } from '../util/clock.js';
import { Warden, type WardenCheckpoint } from './warden.js';
import type { OpenWardenOptions } from './warden-options.js';
import {
  openAlerts,
  openDecisions,
  openExchange,
  openExchangeBreaker,
  openFleetFeed,
  openKillSwitch,
  openLossLimit,
  openModes,
  type Opening,
} from './open-warden-steps.js';
import {
  followExecutor,
  openCheckpointer,
  openExecutor,
  openGate,
  openReactions,
  openVenueClock,
} from './open-warden-trading.js';

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
  const o: Opening = {
    options,
    cfg,
    config: cfg.config,
    dataDir: cfg.dataDir,
    clock: options.clock ?? systemClock,
    closers: [],
    subscriptions: [],
  };
  try {
    return await build(o);
  } catch (err) {
    for (const s of o.subscriptions) s.dispose();
    for (const c of o.closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw err;
  }
}

/** The store, the decision log, the alerts, the fleet feed, the kill switch, the heartbeat, the strategy breaker, the checkpoints. */
async function openFoundation(o: Opening) {
  const { options, config, dataDir, clock } = o;
  const store = await openStore(config, dataDir);
  o.closers.push(() => store.close());
  const orderStores: Pick<Store, 'orders' | 'dlq'> = { orders: store.orders, dlq: store.dlq };
  const { log, gateDecisions, anchor } = openDecisions(o, store);
  const alerts = openAlerts(o, store, log);
  const fleet = openFleetFeed(o, store);
  const killSwitch = await openKillSwitch(o, store, fleet, alerts);
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
  o.closers.push(() => strategy.close());
  if (fleet !== null) o.subscriptions.push(fleet.wake({ killSwitch, strategy }));
  await strategy.ready();
  const checkpoints = CheckpointStore.open(resolve(dataDir, options.checkpoints?.dir ?? 'checkpoints'), {
    ...(options.checkpoints?.keep !== undefined ? { keep: options.checkpoints.keep } : {}),
    clock,
  });
  const restored = restoredFrom(checkpoints.loadLatest()?.checkpoint.state);
  const parts = {
    store,
    orderStores,
    anchor,
    alerts,
    killSwitch,
    name,
    heartbeat,
    strategy,
    checkpoints,
    restored,
  };
  return { log, gateDecisions, fleet, parts };
}

/** Every part in order (each step registers what it opened with `o.closers`), then the Warden. */
async function build(o: Opening): Promise<Warden> {
  const { options, config, dataDir, clock } = o;
  const { log, gateDecisions, fleet, parts } = await openFoundation(o);
  const { store, orderStores, alerts, killSwitch, name, strategy, checkpoints, restored } = parts;
  const risk = { store, name, killSwitch, alerts, decisions: log ?? undefined, restored };
  const modes = openModes(o, risk);
  const freshness = new Freshness(freshnessOptionsFromConfig(config.freshness, { alerts, clock }));
  const lossLimit = openLossLimit(o, risk);
  const exchange = await openExchange(o);
  const breaker = openExchangeBreaker(o, { store, exchange, fleet, modes, killSwitch, alerts });
  const gateParts = { killSwitch, modes, freshness, strategy, lossLimit, breaker, gateDecisions, name };
  const { gate, riskLimits, rateLimit } = openGate(o, gateParts);
  const { executor, readiness } = openExecutor(o, { exchange, orderStores, gate, breaker, alerts });
  let warden: Warden | null = null;
  const current = (): Warden | null => warden;
  const reacting = { alerts, freshness, modes, killSwitch, readiness, log, warden: current };
  const reactions = openReactions(o, reacting);
  const book = riskLimits ?? new RiskLimitsLayer({});
  followExecutor(o, { executor, book, reactions, log, name });
  const checkpointer = openCheckpointer(o, { checkpoints, executor, reactions, log, warden: current });
  warden = new Warden({
    ...parts,
    config,
    dataDir,
    decisions: log,
    modes,
    freshness,
    lossLimit,
    breaker,
    gate,
    riskLimits: book,
    rateLimit,
    executor,
    readiness,
    checkpointer,
    reactions,
    exchange,
    deadMansSwitch: deadMansSwitchFromConfig(config, exchange, alerts),
    venueClock: openVenueClock(o, exchange, modes),
    clock,
    timers: options.timers,
    print: options.print,
    botState: options.state,
    closers: o.closers,
    subscriptions: o.subscriptions,
  });
  log?.append({ kind: 'state', by: name, data: { event: 'opened', symbols: [...options.symbols] } });
  await warden.venueClock?.start();
  if (options.reconcileOnOpen !== false) await warden.reconcile();
  return warden;
}
