import { existsSync } from 'node:fs';
import type { Alerter } from '../alerts/index.js';
import { strategyAlerts } from '../alerts/strategy-alerts.js';
import type { LoadedConfig } from '../config/index.js';
import {
  Watchdog,
  referenceClocksFromConfig,
  type ReferenceClock,
  type WatchReport,
} from '../heartbeat/index.js';
import type { Exchange } from '../exchange/index.js';
import { startReminders, type KillSwitch } from '../killswitch/index.js';
import type { Store } from '../store/index.js';
import {
  evaluateParamsFromConfig,
  evaluateStrategies,
  lastEvaluationAt,
  startEvaluationSchedule,
  strategyPaths,
  type EvaluationScheduleOptions,
  type StrategyBreaker,
} from '../strategy/index.js';
import { strategyStateIn } from '../strategy/runtime/configured-breaker.js';
import { evaluateIntoStore } from '../strategy/evaluate/evaluate-into-store.js';
import type { AlertInput, AlertSink } from '../util/alert-sink.js';
import type { LeaderDuty } from './leadership.js';
import type { WardenLogger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';

/** The halt reminders on the config's cron: a leader duty. */
export function remindersDuty(
  config: LoadedConfig['config'],
  killSwitch: KillSwitch,
  alerts: AlertSink,
  logger: WardenLogger,
): LeaderDuty {
  const start = (): { close(): void } =>
    startReminders({
      killSwitch,
      alerts,
      cron: config.killSwitch.reminderCron,
      timezone: config.killSwitch.reminderTimezone,
      onError: (err) => logger.error({ err }, 'reminder failed'),
    });
  return { name: 'halt reminders', start };
}

/** What the watchdog duty watches with, and where its reports go. */
export interface WatchdogDutyParts {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly killSwitch: KillSwitch;
  readonly alerts: AlertSink;
  readonly exchange: Exchange | undefined;
  /** Aborted when the daemon closes. */
  readonly signal: AbortSignal;
  readonly onWatch: (r: WatchReport | Error) => void;
}

/**
 * The watchdog over the config's heartbeats (null: none configured) and its reference clocks,
 * which the daemon closes on `close()`: a leader duty.
 */
export function watchdogDuty(
  p: WatchdogDutyParts,
): { duty: LeaderDuty; references: ReferenceClock[] } | null {
  const { config, dataDir } = p.loaded;
  if (config.heartbeats.length === 0) return null;
  const references = referenceClocksFromConfig(config, { exchange: p.exchange });
  const dog = new Watchdog({
    store: p.store,
    expectations: config.heartbeats,
    killSwitch: p.killSwitch,
    alerts: p.alerts,
    maxClockDriftMs: config.watchdog.maxClockDriftMs,
    references,
    referenceTimeoutMs: config.watchdog.referenceTimeoutMs,
    clockSkewToleranceMs: config.watchdog.clockSkewToleranceMs,
    dataDir,
  });
  const watch = (signal: AbortSignal): Promise<void> =>
    dog.run(config.watchdog.intervalSec * 1000, signal, p.onWatch);
  const duty: LeaderDuty = {
    name: 'watchdog',
    start: () => {
      const stop = new AbortController();
      const running = watch(AbortSignal.any([stop.signal, p.signal]));
      return { close: () => (stop.abort(), running) };
    },
  };
  return { duty, references };
}

/** What the strategy evaluation duty evaluates with, and where its outcomes go. */
export interface StrategyScheduleParts {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly alerter: Alerter;
  readonly metrics: DaemonMetrics;
  readonly logger: WardenLogger;
  readonly breaker: StrategyBreaker;
  readonly log: (line: string) => void;
}

/**
 * The nightly strategy evaluation (seed 000's cron, inside the daemon), with alerts on trips,
 * recoveries, failures and on a run that did not happen in time. It runs when the breaker is
 * in use: its trade log or its state file exists. A leader duty.
 */
export function strategyScheduleDuty(p: StrategyScheduleParts): LeaderDuty | null {
  const { config, dataDir } = p.loaded;
  const s = config.strategy;
  const paths = strategyPaths(s, dataDir);
  const inStore = strategyStateIn(p.store) === 'store';
  if (!existsSync(paths.trades) && (inStore || !existsSync(paths.state))) {
    p.log(`strategy evaluation off: no trade log at ${paths.trades} and no state at ${paths.state}`);
    return null;
  }
  const options = evaluationScheduleOptions(p, inStore, paths.state);
  return {
    name: 'strategy evaluation',
    start: () => {
      const schedule = startEvaluationSchedule(options);
      p.log(
        `strategy evaluation scheduled (${s.cron} ${s.timezone}), next ${schedule.nextRun()?.toISOString() ?? 'never'}`,
      );
      return schedule;
    },
  };
}

/** The schedule's options: the evaluation (timed into the metrics) and an alert for each outcome. */
function evaluationScheduleOptions(
  p: StrategyScheduleParts,
  inStore: boolean,
  statePath: string,
): EvaluationScheduleOptions {
  const { dataDir } = p.loaded;
  const s = p.loaded.config.strategy;
  const { metrics } = p;
  const wording = strategyAlerts();
  const raise = (a: AlertInput) => {
    p.alerter.alert(a).catch((err: unknown) => p.logger.error({ err }, 'alert failed'));
  };
  return {
    pattern: s.cron,
    timezone: s.timezone,
    graceMs: s.missedRunGraceMinutes * 60_000,
    evaluate: async () => {
      const t0 = Date.now();
      try {
        const params = evaluateParamsFromConfig(s, dataDir, Date.now());
        // Fleet mode: the verdicts go to the store (compare-and-set, audited, notified).
        const r = inStore
          ? await evaluateIntoStore(params, p.store.strategyState, { by: 'daemon' })
          : evaluateStrategies(params);
        metrics.evaluation(Date.now() - t0, true, Date.now());
        return r;
      } catch (err) {
        metrics.evaluation(Date.now() - t0, false, Date.now());
        throw err;
      }
    },
    lastSuccessAt: () => (inStore ? (p.breaker.asOfMs ?? null) : lastEvaluationAt(statePath)),
    onTrip: (t) => {
      metrics.strategyTransition('blocked');
      raise(wording.trip(t));
    },
    onRecover: (t) => {
      metrics.strategyTransition('active');
      raise(wording.recover(t));
    },
    onMissedRun: (m) => raise(wording.missedRun(m)),
    onError: (err) => raise(wording.failed(err)),
  };
}
