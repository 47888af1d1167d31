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
import { startFleet, type FleetRuntime, type LeaderDuty } from '../fleet/index.js';
import { resolve as resolvePath } from 'node:path';
import type { DecisionLog } from '../decisions/index.js';
import { StrategyBreaker } from '../strategy/index.js';
import { DeadLetterQueue } from '../orders/index.js';
import type { WardenLogger } from './logger.js';
import { readToken } from './token-source.js';
import { DaemonEvents } from './daemon-events.js';
import { DaemonMetrics } from './metrics.js';
import type { RouteGroup } from './http-api.js';
import type { DecisionsSource } from './routes/decision-routes.js';
import { daemonLogger, dlqRoutesFor, openDaemonDecisions } from './daemon-wiring.js';
import {
  evaluateParamsFromConfig,
  evaluateStrategies,
  lastEvaluationAt,
  startEvaluationSchedule,
  strategyPaths,
} from '../strategy/index.js';

/** How long requests in flight may finish when the daemon stops, before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 1_500;

/** Options of the daemon. */
export interface DaemonOptions {
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
  #watching: Promise<void>[] = [];
  #fleet: FleetRuntime | null = null;
  #closers: { close(): void }[] = [];
  #references: ReferenceClock[] = [];
  #exposed = false;
  #tokenSet = false;
  #logger: WardenLogger | undefined;
  #breaker: StrategyBreaker | undefined;
  #decisions: DecisionLog | undefined;
  #decisionsSource: DecisionsSource | undefined;
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
    const duty = (d: LeaderDuty): void => (fleet ? fleet.leaderDuty(d) : void this.#closers.push(d()));
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
    duty(() =>
      startReminders({
        killSwitch: ks,
        alerts,
        cron: config.killSwitch.reminderCron,
        timezone: config.killSwitch.reminderTz,
        onError: (err) => logger.error({ err }, 'reminder failed'),
      }),
    );
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
      duty(() => {
        const term = new AbortController();
        this.#watching.push(
          dog.run(
            config.watchdog.intervalSec * 1000,
            AbortSignal.any([this.#abort.signal, term.signal]),
            (r: WatchReport | Error) => this.#onWatch(r),
          ),
        );
        return { close: () => term.abort() };
      });
    }
    const metrics = this.#wire(log);
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
        statePath: strategyPaths(config.strategy, dataDir).state,
        stateKey: config.strategy.stateKey,
      },
      dlq: dlqRoutesFor(this.#opts.store, this.#opts.exchange, this.#ks, this.#alerter),
      decisions: this.#decisionsSource,
      events: this.events,
      metrics: metrics.registry,
      logger,
      routes: this.#opts.routes,
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
    const paths = strategyPaths(config.strategy, dataDir);
    this.#breaker = new StrategyBreaker({
      statePath: paths.state,
      stateKey: config.strategy.stateKey,
      staleAfterMs: config.strategy.staleAfterHours * 3_600_000,
    });
    const decisions = openDaemonDecisions(config, dataDir, this.#logger!);
    this.#decisions = decisions.log;
    this.#decisionsSource = decisions.source;
    const metrics = new DaemonMetrics({
      killSwitch: ks,
      store,
      heartbeats: config.heartbeats,
      strategy: { statePath: paths.state, stateKey: config.strategy.stateKey },
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
    // Fleet mode: only the leader evaluates (one run, one set of alerts per fleet).
    const schedule = () => this.#startStrategySchedule(log, metrics);
    if (this.#fleet) this.#fleet.leaderDuty(schedule);
    else this.#closers.push(schedule());
    return metrics;
  }

  /**
   * The nightly strategy evaluation (seed 000's cron, inside the daemon), with alerts on trips,
   * recoveries, failures and on a run that did not happen in time. It runs when the breaker is
   * in use: its trade log or its state file exists.
   */
  #startStrategySchedule(log: (l: string) => void, metrics: DaemonMetrics): { close(): void } {
    const { config, dataDir } = this.#opts.loaded;
    const s = config.strategy;
    const paths = strategyPaths(s, dataDir);
    if (!existsSync(paths.trades) && !existsSync(paths.state)) {
      log(`strategy evaluation off: no trade log at ${paths.trades} and no state at ${paths.state}`);
      return { close: () => undefined };
    }
    const alerts = this.#alerter!;
    const raise = (key: string, severity: 'info' | 'warning' | 'critical', title: string, body: string) => {
      alerts
        .alert({ key, severity, title, body })
        .catch((err: unknown) => this.#logger?.error({ err }, 'alert failed'));
    };
    const schedule = startEvaluationSchedule({
      pattern: s.schedule,
      timezone: s.timezone,
      graceMs: s.missedRunGraceMinutes * 60_000,
      evaluate: async () => {
        const t0 = Date.now();
        try {
          const r = await evaluateStrategies(evaluateParamsFromConfig(s, dataDir, Date.now()));
          metrics.evaluation(Date.now() - t0, true, Date.now());
          return r;
        } catch (err) {
          metrics.evaluation(Date.now() - t0, false, Date.now());
          throw err;
        }
      },
      lastSuccessAt: () => lastEvaluationAt(paths.state),
      onTrip: (t) => {
        metrics.strategyTransition('blocked');
        raise(
          `strategy:trip:${t.key}:${Date.now()}`,
          'critical',
          `Strategy ${t.key} blocked`,
          `${t.reason}: roi ${t.roi} over ${t.n} trades`,
        );
      },
      onRecover: (t) => {
        metrics.strategyTransition('active');
        raise(
          `strategy:recover:${t.key}:${Date.now()}`,
          'info',
          `Strategy ${t.key} recovered`,
          `${t.reason}: roi ${t.roi} over ${t.n} trades`,
        );
      },
      onMissedRun: (m) =>
        raise(
          `strategy:missed:${m.expectedAt.getTime()}`,
          'critical',
          'Strategy evaluation did not run',
          `due ${m.expectedAt.toISOString()}, last success ${m.lastSuccessAt?.toISOString() ?? 'never'}: the runtime check will fail open when the state goes stale`,
        ),
      onError: (err) =>
        raise(
          `strategy:error:${new Date().toISOString().slice(0, 13)}`,
          'critical',
          'Strategy evaluation failed',
          String(err),
        ),
    });
    log(
      `strategy evaluation scheduled (${s.schedule} ${s.timezone}), next ${schedule.nextRun()?.toISOString() ?? 'never'}`,
    );
    return schedule;
  }

  /**
   * Stops everything; queued alerts stay in the outbox. Requests in flight get
   * `SHUTDOWN_GRACE_MS`, then every connection still open (a slow client) is cut.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const c of this.#closers) c.close();
    const http = this.#http ? closeHttpApi(this.#http, SHUTDOWN_GRACE_MS) : undefined;
    await this.#fleet?.close();
    await Promise.all(this.#watching);
    await closeReferenceClocks(this.#references);
    await http;
    await this.#ks?.close();
    await this.#alerter?.close();
    this.#breaker?.close();
    await this.#decisions
      ?.close()
      .catch((err: unknown) => this.#logger?.error({ err }, 'decision log close failed'));
  }
}
