import type { LoadedConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { FastifyInstance } from 'fastify';
import { KillSwitch, fallbackAlertsFor, startReminders } from '../killswitch/index.js';
import { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
import { SpaceReserve } from '../store/index.js';
import {
  Watchdog,
  closeReferenceClocks,
  heartbeatFilePolicyFromConfig,
  referenceClocksFromConfig,
  type ReferenceClock,
  type WatchReport,
} from '../heartbeat/index.js';
import type { Exchange } from '../exchange/index.js';
import { createAlerter, type Alerter } from '../alerts/index.js';
import { buildHttpApi, closeHttpApi } from './http-api.js';
import { httpUrl, isLoopbackHost } from './bind-address.js';
import { existsSync } from 'node:fs';
import { startFleet, type FleetRuntime } from '../fleet/index.js';
import { resolve as resolvePath } from 'node:path';
import type { DecisionLog, HeadAnchor } from '../decisions/index.js';
import type { StrategyBreaker } from '../strategy/index.js';
import { strategyBreakerFor, strategyStateIn } from '../strategy/runtime/configured-breaker.js';
import { evaluateIntoStore } from '../strategy/evaluate/evaluate-into-store.js';
import { DeadLetterQueue } from '../orders/index.js';
import type { WardenLogger } from './logger.js';
import { readToken } from './token-source.js';
import { DaemonEvents } from './daemon-events.js';
import { DaemonMetrics } from './metrics.js';
import type { RouteGroup } from './http-api.js';
import type { DecisionsSource } from './routes/decision-routes.js';
import { Leadership, type LeaderDuty, type LeaderLock } from './leadership.js';
import { DataDirLeaderLock } from './data-dir-leader-lock.js';
import { leaderGauge } from './leader-gauge.js';
import { telegramCommandsDuty } from './telegram/index.js';
import { daemonLogger, dlqRoutesFor, openDaemonDecisions, strategyMirrorFor } from './daemon-wiring.js';
import { daemonGateRoutes, type DaemonGateOptions } from './daemon-gate.js';
import { dashboardRouteGroups } from './dashboard-api.js';
import {
  evaluateParamsFromConfig,
  evaluateStrategies,
  lastEvaluationAt,
  startEvaluationSchedule,
  strategyPaths,
  type EvaluationScheduleOptions,
} from '../strategy/index.js';
import { strategyAlerts } from '../alerts/strategy-alerts.js';
import type { AlertInput } from '../util/alert-sink.js';

/** How long requests in flight may finish when the daemon stops, before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 1_500;

/** Options of the daemon (`gateLayers`, `modes`, `breakers`: the gate, mode and breaker routes' parts). */
export interface DaemonOptions extends DaemonGateOptions {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly host?: string;
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the daemon logs (pino; default JSON lines on stdout, errors on stderr, secrets masked). */
  readonly logger?: WardenLogger;
  /** Receives each log message as one plain line instead (tests); ignored when `logger` is given. */
  readonly log?: (line: string) => void;
  /** Further API route groups (the gate's, the modes'), each plugged in with one call. */
  readonly routes?: readonly RouteGroup[];
  /** The venue, when the daemon has one: its server time becomes a reference for clock drift. */
  readonly exchange?: Exchange;
  /**
   * Elects the one daemon of a store that runs the watchdog, the schedules, the reminders and the
   * Telegram commands (default: a pid lock in the data dir; fleet mode: an advisory lock).
   */
  readonly leaderLock?: LeaderLock;
}

/**
 * `warden serve`: the independent witness. Runs the watchdog loop, the alert outbox, the
 * halt reminders and the HTTP API, in a process of its own.
 */
export class Daemon {
  readonly #opts: DaemonOptions;
  #ks: KillSwitch | undefined;
  #alerter: Alerter | undefined;
  #http: FastifyInstance | undefined;
  #abort = new AbortController();
  #fleet: FleetRuntime | null = null;
  #closers: { close(): void }[] = [];
  #references: ReferenceClock[] = [];
  #exposed = false;
  #tokenSet = false;
  #logger: WardenLogger | undefined;
  #breaker: StrategyBreaker | undefined;
  #decisions: DecisionLog | undefined;
  #decisionsSource: DecisionsSource | undefined;
  #decisionsAnchor: HeadAnchor | undefined;
  /** What only the leader runs; started by `#leadership` once the API listens. */
  #duties: LeaderDuty[] = [];
  #leadership: Leadership | undefined;
  /** Every state change, for `GET /v1/events`. */
  readonly events = new DaemonEvents();
  /** Where the HTTP API listens, once started, as bound (`http://0.0.0.0:8787` for every interface). */
  address = '';

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
  }

  /** Starts every loop and the HTTP API. */
  async start(): Promise<void> {
    const { loaded, store } = this.#opts;
    const { config, dataDir } = loaded;
    const env = this.#opts.env ?? process.env;
    // Read first, so a refused token file stops the start before anything runs.
    const tokenFile = config.daemon.tokenFile && resolvePath(dataDir, config.daemon.tokenFile);
    const token = readToken({ tokenEnv: config.daemon.tokenEnv, tokenFile }, env);
    const logger = (this.#logger = this.#opts.logger ?? daemonLogger(config, env, token, this.#opts.log));
    const log = (l: string): void => logger.info(l);
    this.#alerter = createAlerter(config, store);
    this.#alerter.start();
    // Alerts the outbox cannot take (full disk) go straight from memory; the reserve frees room for a trip.
    const alerts = fallbackAlertsFor(config.alerts.channels, this.#alerter, env);
    // Fleet mode (PostgreSQL): the change feed wakes the caches; only the elected leader runs the duties.
    const fleet = (this.#fleet = startFleet(config, store, {
      role: 'daemon',
      env,
      onError: (what, err) => logger.warn({ err }, `${what}: ${(err as Error).message}`),
      onRole: (leader) => logger.warn({ leader }, leader ? 'fleet: this daemon leads' : 'fleet: standby'),
    }));
    this.#ks = await KillSwitch.open({
      store,
      dataDir,
      source: 'daemon',
      pollMs: config.killSwitch.pollMs,
      ...fleet?.killSwitchOptions,
      alerts,
      reserve:
        config.killSwitch.reserveBytes > 0
          ? new SpaceReserve(dataDir, config.killSwitch.reserveBytes)
          : undefined,
      fillReserve: true,
      // with an exchange section: the built-in flatten (then flattenCommand, when set too)
      flatten: flattenHookFromConfig(loaded, store, { alerts, env }),
    });
    const ks = this.#ks;
    fleet?.wake({ killSwitch: ks, onError: (err) => logger.warn({ err }, 'kill switch re-read failed') });
    const reminders = (): { close(): void } =>
      startReminders({
        killSwitch: ks,
        alerts,
        cron: config.killSwitch.reminderCron,
        timezone: config.killSwitch.reminderTimezone,
        onError: (err) => logger.error({ err }, 'reminder failed'),
      });
    this.#duties.push({ name: 'halt reminders', start: reminders });
    if (config.heartbeats.length > 0) {
      this.#references = referenceClocksFromConfig(config, { exchange: this.#opts.exchange });
      const dog = new Watchdog({
        store,
        expectations: config.heartbeats,
        killSwitch: this.#ks,
        alerts,
        maxClockDriftMs: config.watchdog.maxClockDriftMs,
        references: this.#references,
        referenceTimeoutMs: config.watchdog.referenceTimeoutMs,
        clockSkewToleranceMs: config.watchdog.clockSkewToleranceMs,
        dataDir,
      });
      const watch = (signal: AbortSignal): Promise<void> =>
        dog.run(config.watchdog.intervalSec * 1000, signal, (r: WatchReport | Error) => this.#onWatch(r));
      this.#duties.push({
        name: 'watchdog',
        start: () => {
          const stop = new AbortController();
          const running = watch(AbortSignal.any([stop.signal, this.#abort.signal]));
          return { close: () => (stop.abort(), running) };
        },
      });
    }
    const metrics = this.#wire(log);
    const telegram = telegramCommandsDuty({
      loaded,
      env,
      store,
      killSwitch: this.#ks,
      alerts,
      logger,
      dlq: dlqRoutesFor(store, undefined, ks, this.#alerter).dlq,
      decisions: this.#decisions,
      registry: metrics.registry,
      strategy: this.#breaker!,
    });
    if (telegram) this.#duties.push(telegram);
    const gateApi = daemonGateRoutes(this.#opts, {
      config,
      killSwitch: this.#ks,
      strategy: this.#breaker!,
      decisions: this.#decisions,
      metrics,
      events: this.events,
      logger,
      store,
      feed: fleet?.feed,
    });
    this.#closers.push(gateApi);
    const host = this.#opts.host ?? config.daemon.host;
    this.#tokenSet = token !== undefined;
    // Beyond loopback, reads need the token too: decided before the first request can arrive.
    this.#exposed = !isLoopbackHost(host);
    const d = config.daemon;
    this.#http = buildHttpApi({
      store,
      killSwitch: this.#ks,
      dataDir,
      token,
      limits: {
        maxConnections: d.maxConnections,
        headersTimeoutMs: d.headersTimeoutMs,
        requestTimeoutMs: d.requestTimeoutMs,
        keepAliveTimeoutMs: d.keepAliveTimeoutMs,
      },
      readsNeedToken: () => this.#exposed,
      heartbeatFiles: heartbeatFilePolicyFromConfig(config, dataDir),
      strategy: {
        breaker: this.#breaker!,
        stateKey: config.strategy.stateKey,
      },
      dlq: dlqRoutesFor(this.#opts.store, this.#opts.exchange, this.#ks, this.#alerter),
      decisions: this.#decisionsSource,
      events: this.events,
      metrics: metrics.registry,
      logger,
      routes: [...gateApi.routes, ...dashboardRouteGroups(config, dataDir), ...(this.#opts.routes ?? [])],
      onDecision: (head, kind) =>
        this.events.emit({
          type: 'decision',
          at: Date.now(),
          data: { seq: head.seq, hash: head.hash, kind },
        }),
    });
    await this.#http.listen({ host, port: this.#opts.port ?? config.daemon.port });
    const bound = this.#http.addresses().filter((a) => typeof a !== 'string');
    // A name that resolved to a non-loopback address exposes the API just the same.
    if (bound.some((a) => !isLoopbackHost(a.address))) this.#exposed = true;
    this.address = httpUrl(bound[0]!);
    if (this.#fleet?.election) {
      // Fleet mode: the advisory-lock election decides who runs the duties, for every host.
      const election = this.#fleet.election;
      for (const d of this.#duties) this.#fleet.leaderDuty(d.start);
      leaderGauge(metrics.registry, () => election.isLeader);
      return;
    }
    const leadership = (this.#leadership = new Leadership({
      lock: this.#opts.leaderLock ?? new DataDirLeaderLock(dataDir),
      duties: this.#duties,
      log: {
        info: (m) => logger.info(m),
        warn: (m) => logger.warn(m),
        error: (o, m) => logger.error(o, m),
      },
    }));
    leaderGauge(metrics.registry, () => leadership.leading);
    await leadership.start();
  }

  /** True while this daemon leads: it runs the watchdog, the schedules, the reminders, the Telegram commands. */
  get leading(): boolean {
    return this.#leadership?.leading ?? false;
  }

  /** A watchdog report: logged, and opened or closed incidents as events. */
  #onWatch(r: WatchReport | Error): void {
    const logger = this.#logger!;
    if (r instanceof Error) logger.error({ err: r }, 'watchdog check failed');
    else
      for (const x of r.results)
        if (x.opened || x.recovered) {
          logger.warn(
            { heartbeat: x.name, ok: x.ok },
            `watchdog: ${x.name} ${x.ok ? 'recovered' : x.detail}`,
          );
          this.events.emit({
            type: 'heartbeat',
            at: Date.now(),
            data: { name: x.name, incident: x.ok ? 'closed' : 'opened', detail: x.detail },
          });
        }
  }

  /** Fleet mode's feed and election (null on SQLite). */
  get fleet(): FleetRuntime | null {
    return this.#fleet;
  }

  /** The daemon's logger (available once `start()` has begun). */
  get logger(): WardenLogger | undefined {
    return this.#logger;
  }

  /** True when the API is reachable beyond loopback (then every route needs the token). */
  get exposed(): boolean {
    return this.#exposed;
  }

  /** True when the API token env var is set (without it every token-guarded route answers 401). */
  get tokenSet(): boolean {
    return this.#tokenSet;
  }

  /**
   * Builds what the API serves besides the kill switch (the strategy breaker, the order stores,
   * the decision log, the metrics) and connects the events: kill switch changes and alerts.
   */
  #wire(log: (l: string) => void): DaemonMetrics {
    const { loaded, store } = this.#opts;
    const { config, dataDir } = loaded;
    const ks = this.#ks!;
    const alerter = this.#alerter!;
    this.#breaker = strategyBreakerFor(config, dataDir, store, {
      onError: (err) => this.#logger?.warn({ err }, 'strategy state read failed'),
      polledByFeed: this.#fleet !== null,
    });
    const breaker = this.#breaker;
    this.#fleet?.wake({
      strategy: breaker,
      onError: (err) => this.#logger?.warn({ err }, 'strategy state re-read failed'),
    });
    if (this.#fleet) this.#closers.push(strategyMirrorFor(config, dataDir, breaker, this.#logger!, alerter));
    const decisions = openDaemonDecisions(config, dataDir, this.#logger!, store.kv);
    this.#decisions = decisions.log;
    this.#decisionsAnchor = decisions.anchor;
    this.#decisionsSource = decisions.source;
    const metrics = new DaemonMetrics({
      killSwitch: ks,
      store,
      heartbeats: config.heartbeats,
      strategy: { breaker, stateKey: config.strategy.stateKey },
      dlq: new DeadLetterQueue(store.dlq),
      decisions: this.#decisions,
      channels: alerter.channels.map((c) => c.name),
    });
    const subs = [
      ks.onChange((state) => {
        this.#logger!.warn(
          { halted: state.halted },
          state.halted ? `halted: ${state.reason}` : 'trading resumed',
        );
        this.events.emit({ type: 'killswitch', at: Date.now(), data: state });
      }),
      alerter.onSent(({ alert }) => {
        metrics.alertSent(alert.channel);
        this.events.emit({
          type: 'alert',
          at: Date.now(),
          data: { channel: alert.channel, title: alert.title, outcome: 'sent' },
        });
      }),
      alerter.onFailed(({ alert, final }) => {
        metrics.alertFailed(alert.channel, final);
        this.events.emit({
          type: 'alert',
          at: Date.now(),
          data: { channel: alert.channel, title: alert.title, outcome: 'failed', final },
        });
      }),
    ];
    this.#closers.push({ close: () => subs.forEach((x) => x.dispose()) });
    const schedule = this.#strategyScheduleDuty(log, metrics);
    if (schedule) this.#duties.push(schedule);
    return metrics;
  }

  /**
   * The nightly strategy evaluation (seed 000's cron, inside the daemon), with alerts on trips,
   * recoveries, failures and on a run that did not happen in time. It runs when the breaker is
   * in use: its trade log or its state file exists. A leader duty.
   */
  #strategyScheduleDuty(log: (l: string) => void, metrics: DaemonMetrics): LeaderDuty | null {
    const { config, dataDir } = this.#opts.loaded;
    const s = config.strategy;
    const paths = strategyPaths(s, dataDir);
    const inStore = strategyStateIn(this.#opts.store) === 'store';
    if (!existsSync(paths.trades) && (inStore || !existsSync(paths.state))) {
      log(`strategy evaluation off: no trade log at ${paths.trades} and no state at ${paths.state}`);
      return null;
    }
    const alerts = this.#alerter!;
    const wording = strategyAlerts();
    const raise = (a: AlertInput) => {
      alerts.alert(a).catch((err: unknown) => this.#logger?.error({ err }, 'alert failed'));
    };
    const options: EvaluationScheduleOptions = {
      pattern: s.cron,
      timezone: s.timezone,
      graceMs: s.missedRunGraceMinutes * 60_000,
      evaluate: async () => {
        const t0 = Date.now();
        try {
          const params = evaluateParamsFromConfig(s, dataDir, Date.now());
          // Fleet mode: the verdicts go to the store (compare-and-set, audited, notified).
          const r = inStore
            ? await evaluateIntoStore(params, this.#opts.store.strategyState, { by: 'daemon' })
            : evaluateStrategies(params);
          metrics.evaluation(Date.now() - t0, true, Date.now());
          return r;
        } catch (err) {
          metrics.evaluation(Date.now() - t0, false, Date.now());
          throw err;
        }
      },
      lastSuccessAt: () => (inStore ? (this.#breaker?.asOfMs ?? null) : lastEvaluationAt(paths.state)),
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
    return {
      name: 'strategy evaluation',
      start: () => {
        const schedule = startEvaluationSchedule(options);
        log(
          `strategy evaluation scheduled (${s.cron} ${s.timezone}), next ${schedule.nextRun()?.toISOString() ?? 'never'}`,
        );
        return schedule;
      },
    };
  }

  /**
   * Stops everything; queued alerts stay in the outbox. Requests in flight get
   * `SHUTDOWN_GRACE_MS`, then every connection still open (a slow client) is cut.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const c of this.#closers) c.close();
    const http = this.#http ? closeHttpApi(this.#http, SHUTDOWN_GRACE_MS) : undefined;
    await this.#leadership?.close();
    await this.#fleet?.close();
    await closeReferenceClocks(this.#references);
    await http;
    await this.#ks?.close();
    await this.#alerter?.close();
    this.#breaker?.close();
    // the last head into the store while the writer lock is still held, then the log
    await this.#decisions?.flush().catch(() => undefined);
    await this.#decisionsAnchor?.flush();
    this.#decisionsAnchor?.dispose();
    await this.#decisions
      ?.close()
      .catch((err: unknown) => this.#logger?.error({ err }, 'decision log close failed'));
  }
}
