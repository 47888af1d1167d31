// The gate, mode and breaker parts of the daemon's API: composed here from what the daemon holds,
// so daemon.ts only adds the route groups this returns.
import type { WardenConfig } from '../config/index.js';
import type { DecisionLog } from '../decisions/index.js';
import {
  KillSwitchLayer,
  StrategyLayer,
  gateFromConfig,
  type GateParts,
  type ChecksStrategy,
} from '../gate/index.js';
import type { KillSwitch } from '../killswitch/index.js';
import { defaultBreakerRegistry } from '../resilience/index.js';
import type { WardenLogger } from './logger.js';
import type { DaemonEvents } from './daemon-events.js';
import { BreakerWatch, type BreakerSource } from './breaker-watch.js';
import { registerGateMetrics } from './gate-metrics.js';
import type { DaemonMetrics } from './metrics.js';
import type { RouteGroup } from './http-api.js';
import { gateRoutes } from './routes/gate-routes.js';
import { modeRoutes, modeView, type ModeSource } from './routes/mode-routes.js';
import { breakerRoutes } from './routes/breaker-routes.js';
import type { Store } from '../store/index.js';
import type { ChangeWake } from '../fleet/index.js';
import type { Disposable } from '../util/event.js';
import { ModeBoard, modeMaxAgeFor } from './mode-board.js';
import { gateEvents } from './gate-events.js';

/** Parts a caller may give the daemon for its gate, mode and breaker routes (the bot runtime's). */
export interface DaemonGateOptions {
  /** Layers of the gate's other slots, e.g. a `DegradationManager` as `mode`, a `Freshness`. */
  readonly gateLayers?: Pick<GateParts, 'mode' | 'freshness' | 'lossLimit' | 'breaker'>;
  /** This process's own degradation manager, shown by `GET /v1/mode` beside the bots' modes from the store. */
  readonly modes?: ModeSource;
  /** The breakers `GET /v1/breakers` lists (default: the process-wide registry). */
  readonly breakers?: BreakerSource;
}

/** What the daemon holds that the gate is built over. */
export interface DaemonGateDeps {
  readonly config: WardenConfig;
  readonly killSwitch: KillSwitch;
  readonly strategy: ChecksStrategy;
  /** The daemon's decision log, when it holds it: every gate decision is recorded there. */
  readonly decisions: DecisionLog | undefined;
  readonly metrics: DaemonMetrics;
  readonly events: DaemonEvents;
  readonly logger: WardenLogger;
  /** Where the bots record their modes. */
  readonly store: Store;
  /** Fleet mode's change feed: the bots' modes are re-read when it wakes (else on a 1 s poll). */
  readonly feed?: { onWake(listener: (w: ChangeWake) => void): Disposable } | undefined;
}

/**
 * The daemon's gate (the config's `gate` section over its kill switch, strategy breaker and
 * decision log, plus any layers given), and the route groups of `POST /v1/gate`, `GET /v1/mode`
 * and `GET /v1/breakers`, with their metrics and events. `close()` stops the breaker sweep.
 */
export function daemonGateRoutes(
  o: DaemonGateOptions,
  d: DaemonGateDeps,
): { routes: RouteGroup[]; close(): void } {
  const { gate } = gateFromConfig(d.config.gate, {
    ...o.gateLayers,
    killSwitch: new KillSwitchLayer(d.killSwitch),
    strategy: new StrategyLayer(d.strategy),
    decisions: d.decisions,
    by: 'daemon',
    onError: (err, where) => d.logger.error({ err }, `gate: ${where} failed`),
  });
  const watch = new BreakerWatch(o.breakers ?? defaultBreakerRegistry(), (e) =>
    d.events.emit({
      type: 'breaker',
      at: Date.now(),
      data: { name: e.breaker, from: e.from, state: e.to.state, since: e.to.since, reason: e.reason },
    }),
  );
  const modes = o.modes;
  const sub = modes?.onChange(() => {
    if (d.events.listened) d.events.emit({ type: 'mode', at: Date.now(), data: modeView(modes, Date.now()) });
  });
  // Every bot's mode from the store: changes (and a record turning stale) become `mode` events.
  const maxAgeFor = modeMaxAgeFor(d.config.heartbeats);
  const board = new ModeBoard({
    store: d.store,
    maxAgeFor,
    pollMs: d.feed ? 0 : 1000,
    onChange: (v) => d.events.emit({ type: 'mode', at: Date.now(), data: v }),
    onError: (err) => d.logger.warn({ err }, `bot modes: ${err.message}`),
  });
  void board.refresh();
  const wake = d.feed?.onWake((w) => {
    if (w.area === null || w.area === 'modes') void board.refresh();
  });
  const served = gateEvents(d.events);
  const count = registerGateMetrics(d.metrics.registry, { modes, bots: board, breakers: watch });
  return {
    routes: [
      gateRoutes(gate, (x, intent) => {
        count(x);
        served.onDecision(x, intent);
      }),
      modeRoutes(modes, undefined, { maxAgeFor }),
      breakerRoutes(watch),
    ],
    close: () => {
      sub?.dispose();
      wake?.dispose();
      board.close();
      served.close();
      watch.close();
    },
  };
}
