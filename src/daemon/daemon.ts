import type { LoadedConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { FastifyInstance } from 'fastify';
import { KillSwitch, fallbackAlertsFor } from '../killswitch/index.js';
import { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
import { SpaceReserve } from '../store/index.js';
import {
  closeReferenceClocks,
  heartbeatFilePolicyFromConfig,
  type ReferenceClock,
  type WatchReport,
} from '../heartbeat/index.js';
import type { Exchange } from '../exchange/index.js';
import { createAlerter, type Alerter } from '../alerts/index.js';
import { buildHttpApi, closeHttpApi } from './http-api.js';
import { httpUrl, isLoopbackHost } from './bind-address.js';
import { startFleet, type FleetRuntime } from '../fleet/index.js';
import { resolve as resolvePath } from 'node:path';
import type { DecisionLog, HeadAnchor } from '../decisions/index.js';
import type { StrategyBreaker } from '../strategy/index.js';
import { strategyBreakerFor } from '../strategy/runtime/configured-breaker.js';
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
import {
  daemonLogger,
  dlqRoutesFor,
  followIntoEvents,
  openDaemonDecisions,
  strategyMirrorFor,
} from './daemon-wiring.js';
import { daemonGateRoutes, type DaemonGateOptions } from './daemon-gate.js';
import { dashboardRouteGroups } from './dashboard-api.js';
import { remindersDuty, strategyScheduleDuty, watchdogDuty } from './daemon-duties.js';
import type { AlertSink } from '../util/alert-sink.js';

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
    const alerts = this.#startAlerts(env);
    const ks = await this.#openKillSwitch(alerts, env);
    this.#duties.push(remindersDuty(config, ks, alerts, logger));
    const watchdog = watchdogDuty({
      loaded,
      store,
      killSwitch: ks,
      alerts,
      exchange: this.#opts.exchange,
      signal: this.#abort.signal,
      onWatch: (r) => this.#onWatch(r),
    });
    if (watchdog) {
      this.#references = watchdog.references;
      this.#duties.push(watchdog.duty);
    }
    const metrics = this.#wire(log);
    const telegram = telegramCommandsDuty({
      loaded,
      env,
      store,
      killSwitch: ks,
      alerts,
      logger,
      dlq: dlqRoutesFor(store, undefined, ks, this.#alerter!).dlq,
      decisions: this.#decisions,
      registry: metrics.registry,
      strategy: this.#breaker!,
    });
    if (telegram) this.#duties.push(telegram);
    const gateApi = daemonGateRoutes(this.#opts, {
      config,
      killSwitch: ks,
      strategy: this.#breaker!,
      decisions: this.#decisions,
      metrics,
      events: this.events,
      logger,
      store,
      feed: this.#fleet?.feed,
    });
    this.#closers.push(gateApi);
    await this.#listen(token, metrics, gateApi.routes);
    await this.#startLeaderDuties(metrics);
  }

  /** The alert outbox, started; alerts it cannot take (full disk) go straight from memory. */
  #startAlerts(env: NodeJS.ProcessEnv): AlertSink {
    const { loaded, store } = this.#opts;
    this.#alerter = createAlerter(loaded.config, store);
    this.#alerter.start();
    return fallbackAlertsFor(loaded.config.alerts.channels, this.#alerter, env);
  }

  /**
   * Fleet mode (PostgreSQL): the change feed wakes the caches; only the elected leader runs the
   * duties. Then the kill switch (its reserve frees room for a trip), woken by the feed.
   */
  async #openKillSwitch(alerts: AlertSink, env: NodeJS.ProcessEnv): Promise<KillSwitch> {
    const { loaded, store } = this.#opts;
    const { config, dataDir } = loaded;
    const logger = this.#logger!;
    const fleet = (this.#fleet = startFleet(config, store, {
      role: 'daemon',
      env,
      onError: (what, err) => logger.warn({ err }, `${what}: ${(err as Error).message}`),
      onRole: (leader) => logger.warn({ leader }, leader ? 'fleet: this daemon leads' : 'fleet: standby'),
    }));
    const ks = (this.#ks = await KillSwitch.open({
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
    }));
    fleet?.wake({ killSwitch: ks, onError: (err) => logger.warn({ err }, 'kill switch re-read failed') });
    return ks;
  }

  /** Builds the HTTP API and listens; beyond loopback, reads need the token too. */
  async #listen(
    token: string | undefined,
    metrics: DaemonMetrics,
    gateRoutes: readonly RouteGroup[],
  ): Promise<void> {
    const { config, dataDir } = this.#opts.loaded;
    const host = this.#opts.host ?? config.daemon.host;
    this.#tokenSet = token !== undefined;
    // Decided before the first request can arrive.
    this.#exposed = !isLoopbackHost(host);
    const routes = [...gateRoutes, ...dashboardRouteGroups(config, dataDir), ...(this.#opts.routes ?? [])];
    this.#http = this.#httpApi(token, metrics, routes);
    await this.#http.listen({ host, port: this.#opts.port ?? config.daemon.port });
    const bound = this.#http.addresses().filter((a) => typeof a !== 'string');
    // A name that resolved to a non-loopback address exposes the API just the same.
    if (bound.some((a) => !isLoopbackHost(a.address))) this.#exposed = true;
    this.address = httpUrl(bound[0]!);
  }

  /** The Fastify app over every part the API serves. */
  #httpApi(token: string | undefined, metrics: DaemonMetrics, routes: RouteGroup[]): FastifyInstance {
    const { loaded, store } = this.#opts;
    const { config, dataDir } = loaded;
    const d = config.daemon;
    return buildHttpApi({
      store,
      killSwitch: this.#ks!,
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
      strategy: { breaker: this.#breaker!, stateKey: config.strategy.stateKey },
      dlq: dlqRoutesFor(store, this.#opts.exchange, this.#ks!, this.#alerter!),
      decisions: this.#decisionsSource,
      events: this.events,
      metrics: metrics.registry,
      logger: this.#logger!,
      routes,
      onDecision: (head, kind) =>
        this.events.emit({
          type: 'decision',
          at: Date.now(),
          data: { seq: head.seq, hash: head.hash, kind },
        }),
    });
  }

  /** The leader duties: by the fleet's advisory-lock election, or by `Leadership` over the leader lock. */
  async #startLeaderDuties(metrics: DaemonMetrics): Promise<void> {
    if (this.#fleet?.election) {
      // Fleet mode: the advisory-lock election decides who runs the duties, for every host.
      const election = this.#fleet.election;
      for (const d of this.#duties) this.#fleet.leaderDuty(d.start);
      leaderGauge(metrics.registry, () => election.isLeader);
      return;
    }
    const logger = this.#logger!;
    const leadership = (this.#leadership = new Leadership({
      lock: this.#opts.leaderLock ?? new DataDirLeaderLock(this.#opts.loaded.dataDir),
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
    this.#closers.push(followIntoEvents(ks, alerter, metrics, this.events, this.#logger!));
    const schedule = strategyScheduleDuty({
      loaded: this.#opts.loaded,
      store,
      alerter,
      metrics,
      logger: this.#logger!,
      breaker,
      log,
    });
    if (schedule) this.#duties.push(schedule);
    return metrics;
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
