import { resolve } from 'node:path';
import { createAlerter } from '../alerts/index.js';
import type { LoadedConfig } from '../config/index.js';
import { DecisionLog } from '../decisions/index.js';
import { alertsWithDecisionHead, anchorHeadInStore, type HeadAnchor } from '../decisions/head-anchor.js';
import { createExchangeFromConfig } from '../exchange/from-config.js';
import type { Exchange } from '../exchange/index.js';
import type { DecisionSink } from '../gate/gate-types.js';
import { KillSwitch, fallbackAlertsFor } from '../killswitch/index.js';
import { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
import { DegradationManager, ModeRecorder, degradationOptionsFromConfig } from '../modes/index.js';
import { watchExchangeBreakerFromConfig } from '../reactions/from-config.js';
import { CircuitBreaker, ConsecutiveRule, isDependencyFailure } from '../resilience/index.js';
import { SessionLossLimit, lossLimitOptionsFromConfig } from '../risk/index.js';
import type { Store } from '../store/index.js';
import { shareBreakerFromConfig } from '../fleet/shared-breaker-from-config.js';
import { startFleet, type FleetRuntime } from '../fleet/fleet-runtime.js';
import type { Clock } from '../util/clock.js';
import type { AlertSink } from '../util/alert-sink.js';
import { reserveFor } from '../store/space-reserve.js';
import type { WardenCheckpoint, WardenParts } from './warden.js';
import type { OpenWardenOptions } from './warden-options.js';

/** What every step of `openWarden` shares: the options, the config, and what unwinds on a failure. */
export interface Opening {
  readonly options: OpenWardenOptions;
  readonly cfg: LoadedConfig;
  readonly config: LoadedConfig['config'];
  readonly dataDir: string;
  readonly clock: Clock;
  /** Run last first by `close()`, or by the unwind when a later step fails. */
  readonly closers: WardenParts['closers'];
  readonly subscriptions: { dispose(): void }[];
}

/** `{ env }` when the options carry one. */
export function envOf(o: Opening): { env?: NodeJS.ProcessEnv } {
  return o.options.env ? { env: o.options.env } : {};
}

/** `{ timers }` when the options carry them. */
export function timersOf(o: Opening): Pick<OpenWardenOptions, 'timers'> {
  return o.options.timers ? { timers: o.options.timers } : {};
}

/** A warning at most once a minute. */
function throttledWarning(type: string, text: (err: unknown, what?: string) => string) {
  let last = 0;
  return (err: unknown, what?: string): void => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    process.emitWarning(text(err, what), type);
  };
}

/** The decision log and the gate's sink for it, with its head anchored in the store. */
export interface OpenedDecisions {
  readonly log: DecisionLog | null;
  readonly gateDecisions: DecisionSink | (() => DecisionSink);
  readonly anchor: HeadAnchor | null;
}

/**
 * Decision log first: every other part records into it. One that cannot be opened (the daemon
 * holds its writer lock, a full disk) leaves the gate denying new risk, with the reason.
 */
export function openDecisions(o: Opening, store: Store): OpenedDecisions {
  const { config, dataDir, clock } = o;
  let log: DecisionLog;
  try {
    log = DecisionLog.open({
      dir: resolve(dataDir, config.decisions.dir),
      flushIntervalMs: config.decisions.flushIntervalMs,
      rotateBytes: config.decisions.rotateBytes,
      rotateDaily: config.decisions.rotateDaily,
      clock,
    });
  } catch (err) {
    const gateDecisions = (): DecisionSink => {
      throw err;
    };
    return { log: null, gateDecisions, anchor: null };
  }
  o.closers.push(() => log.close());
  const anchor = anchorHeadInStore(log, store.kv, { everyMs: o.options.anchorEveryMs ?? 1000, clock });
  o.subscriptions.push({ dispose: () => anchor.dispose() });
  // before the log closes (closers run last first): the final head into the store
  o.closers.push(async () => {
    await log.flush().catch(() => undefined);
    await anchor.flush();
  });
  return { log, gateDecisions: log, anchor };
}

/** The caller's alerts, or the config's outbox (with fallbacks); each alert carries the log's head. */
export function openAlerts(o: Opening, store: Store, log: DecisionLog | null): AlertSink {
  let alerts = o.options.alerts;
  if (alerts === undefined) {
    const alerter = createAlerter(o.config, store);
    o.closers.push(async () => {
      await alerter.flush().catch(() => undefined);
      await alerter.close();
    });
    alerts = fallbackAlertsFor(o.config.alerts.channels, alerter);
  }
  return alertsWithDecisionHead(alerts, () => log?.head ?? null);
}

/**
 * Fleet mode: this process's one change feed (one LISTEN connection) and its poll wake the kill
 * switch, the strategy breaker and a shared exchange breaker; the kill switch holds the lease.
 */
export function openFleetFeed(o: Opening, store: Store): FleetRuntime | null {
  const warn = throttledWarning(
    'WardenFleetFeedWarning',
    (err, what) => `warden: ${what}: ${(err as Error).message} (the feed's poll and the lease go on)`,
  );
  const fleet = startFleet(o.config, store, {
    role: 'bot',
    ...envOf(o),
    onError: (what, err) => warn(err, what),
  });
  if (fleet !== null) o.closers.push(() => fleet.close());
  return fleet;
}

/** The kill switch over the store (leased in fleet mode), with the config's flatten hook. */
export async function openKillSwitch(
  o: Opening,
  store: Store,
  fleet: FleetRuntime | null,
  alerts: AlertSink,
): Promise<KillSwitch> {
  const killSwitch = await KillSwitch.open({
    store,
    dataDir: o.dataDir,
    source: o.options.source ?? 'bot',
    pollMs: o.config.killSwitch.pollMs,
    ...fleet?.killSwitchOptions,
    alerts,
    clock: o.clock,
    reserve: reserveFor(o.cfg),
    flatten: flattenHookFromConfig(o.cfg, store, { alerts, ...envOf(o) }),
  });
  o.closers.push(() => killSwitch.close());
  return killSwitch;
}

/** What the modes and the loss limit start from. */
export interface RiskInputs {
  readonly store: Store;
  readonly name: string;
  readonly killSwitch: KillSwitch;
  readonly alerts: AlertSink;
  readonly decisions: DecisionLog | undefined;
  readonly restored: WardenCheckpoint | null;
}

/** The degradation manager, and its every transition (and a refresh) into the store. */
export function openModes(o: Opening, r: RiskInputs): DegradationManager {
  const { killSwitch, alerts, decisions, restored } = r;
  const peakEquity = restored?.modes?.peakEquity;
  const modes = new DegradationManager(
    degradationOptionsFromConfig(o.config.modes, {
      killSwitch,
      alerts,
      clock: o.clock,
      ...(decisions ? { decisions } : {}),
      ...(peakEquity ? { initialState: { peakEquity } } : {}),
    }),
  );
  o.closers.push(() => modes.close());
  // For `warden serve`'s GET /v1/mode and `warden status`.
  const recorder = new ModeRecorder({
    repo: r.store.modes,
    bot: r.name,
    source: modes,
    ...(o.options.modeRefreshMs !== undefined ? { refreshMs: o.options.modeRefreshMs } : {}),
    onError: (err) => process.stderr.write(`warden: ${err.message}\n`),
  });
  o.closers.push(() => recorder.close());
  return modes;
}

/** The session loss limit, when the config has a `lossLimit` section. */
export function openLossLimit(o: Opening, r: RiskInputs): SessionLossLimit | null {
  if (o.config.lossLimit === undefined) return null;
  const { killSwitch, alerts, decisions, restored } = r;
  const lossLimit = new SessionLossLimit(
    lossLimitOptionsFromConfig(o.config.lossLimit, {
      killSwitch,
      alerts,
      clock: o.clock,
      ...(decisions ? { decisions } : {}),
      ...(restored?.lossLimit ? { initialState: restored.lossLimit } : {}),
    }),
  );
  o.closers.push(() => lossLimit.close());
  return lossLimit;
}

/** The caller's venue, or the config's `exchange` section's; neither is an error. */
export async function openExchange(o: Opening): Promise<Exchange> {
  if (o.options.exchange !== undefined) return o.options.exchange;
  if (o.config.exchange === undefined)
    throw new RangeError(
      `openWarden needs a venue: add an "exchange" section to ${o.cfg.path ?? 'the config'} (docs/exchange.md), or pass { exchange }`,
    );
  const ex = await createExchangeFromConfig(o.config.exchange, envOf(o));
  o.closers.push(() => ex.close());
  return ex;
}

/** What the exchange breaker is wired to. */
export interface BreakerInputs {
  readonly store: Store;
  readonly exchange: Exchange;
  readonly fleet: FleetRuntime | null;
  readonly modes: DegradationManager;
  readonly killSwitch: KillSwitch;
  readonly alerts: AlertSink;
}

/** The exchange breaker (shared with the fleet when configured), followed by the modes and its watch. */
export function openExchangeBreaker(o: Opening, b: BreakerInputs): CircuitBreaker {
  const { config, clock } = o;
  const breaker =
    o.options.breaker ??
    new CircuitBreaker({
      name: `exchange:${b.exchange.id}`,
      rule: new ConsecutiveRule(5),
      openMs: 30_000,
      isFailure: isDependencyFailure,
      clock,
    });
  // fleet.sharedBreakers: trips shared with every process on the account (off by default).
  const warn = throttledWarning(
    'WardenSharedBreakerWarning',
    (err) => `warden: shared breaker: ${(err as Error).message}`,
  );
  const sharing = shareBreakerFromConfig(config, b.store, breaker, {
    ...envOf(o),
    ...(b.fleet !== null ? { feed: b.fleet.feed } : {}),
    onError: (err) => warn(err),
  });
  if (sharing) o.closers.push(() => sharing.close());
  o.subscriptions.push(b.modes.followBreaker(breaker));
  o.subscriptions.push(
    watchExchangeBreakerFromConfig(config, breaker, {
      alerts: b.alerts,
      killSwitch: b.killSwitch,
      clock,
      ...timersOf(o),
    }),
  );
  return breaker;
}
