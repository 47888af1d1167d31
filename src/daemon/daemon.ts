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
  readonly log?: (line: string) => void;
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
  #watching: Promise<void> | undefined;
  #closers: { close(): void }[] = [];
  #references: ReferenceClock[] = [];
  #exposed = false;
  #tokenSet = false;
  /** Where the HTTP API listens, once started, as bound (`http://0.0.0.0:8787` for every interface). */
  address = '';

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
  }

  /** Starts every loop and the HTTP API. */
  async start(): Promise<void> {
    const { loaded, store } = this.#opts;
    const { config, dataDir } = loaded;
    const log = this.#opts.log ?? ((l: string) => void process.stdout.write(`${l}\n`));
    const env = this.#opts.env ?? process.env;
    this.#alerter = createAlerter(config, store);
    this.#alerter.start();
    // Alerts the outbox cannot take (full disk) go straight from memory; the reserve frees room for a trip.
    const alerts = fallbackAlertsFor(config.alerts.channels, this.#alerter, env);
    this.#ks = await KillSwitch.open({
      store,
      dataDir,
      source: 'daemon',
      pollMs: config.killSwitch.pollMs,
      alerts,
      reserve:
        config.killSwitch.reserveBytes > 0
          ? new SpaceReserve(dataDir, config.killSwitch.reserveBytes)
          : undefined,
      fillReserve: true,
      // with an exchange section: the built-in flatten (then flattenCommand, when set too)
      flatten: flattenHookFromConfig(loaded, store, { alerts, env }),
    });
    this.#closers.push(
      startReminders({
        killSwitch: this.#ks,
        alerts,
        cron: config.killSwitch.reminderCron,
        timezone: config.killSwitch.reminderTz,
        onError: (e) => log(`reminder failed: ${String(e)}`),
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
      this.#watching = dog.run(
        config.watchdog.intervalSec * 1000,
        this.#abort.signal,
        (r: WatchReport | Error) => {
          if (r instanceof Error) log(`watchdog check failed: ${r.message}`);
          else
            for (const x of r.results)
              if (x.opened || x.recovered) log(`watchdog: ${x.name} ${x.ok ? 'recovered' : x.detail}`);
        },
      );
    }
    this.#startStrategySchedule(log);
    const host = this.#opts.host ?? config.daemon.host;
    const token = env[config.daemon.tokenEnv] || undefined;
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
    });
    await this.#http.listen({ host, port: this.#opts.port ?? config.daemon.port });
    const bound = this.#http.addresses().filter((a) => typeof a !== 'string');
    // A name that resolved to a non-loopback address exposes the API just the same.
    if (bound.some((a) => !isLoopbackHost(a.address))) this.#exposed = true;
    this.address = httpUrl(bound[0]!);
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
   * The nightly strategy evaluation (seed 000's cron, inside the daemon), with alerts on trips,
   * recoveries, failures and on a run that did not happen in time. It runs when the breaker is
   * in use: its trade log or its state file exists.
   */
  #startStrategySchedule(log: (l: string) => void): void {
    const { config, dataDir } = this.#opts.loaded;
    const s = config.strategy;
    const paths = strategyPaths(s, dataDir);
    if (!existsSync(paths.trades) && !existsSync(paths.state)) {
      log(`strategy evaluation off: no trade log at ${paths.trades} and no state at ${paths.state}`);
      return;
    }
    const alerts = this.#alerter!;
    const raise = (key: string, severity: 'info' | 'warning' | 'critical', title: string, body: string) => {
      alerts.alert({ key, severity, title, body }).catch((e: unknown) => log(`alert failed: ${String(e)}`));
    };
    const schedule = startEvaluationSchedule({
      pattern: s.schedule,
      timezone: s.timezone,
      graceMs: s.missedRunGraceMinutes * 60_000,
      evaluate: () => evaluateStrategies(evaluateParamsFromConfig(s, dataDir, Date.now())),
      lastSuccessAt: () => lastEvaluationAt(paths.state),
      onTrip: (t) =>
        raise(
          `strategy:trip:${t.key}:${Date.now()}`,
          'critical',
          `Strategy ${t.key} blocked`,
          `${t.reason}: roi ${t.roi} over ${t.n} trades`,
        ),
      onRecover: (t) =>
        raise(
          `strategy:recover:${t.key}:${Date.now()}`,
          'info',
          `Strategy ${t.key} recovered`,
          `${t.reason}: roi ${t.roi} over ${t.n} trades`,
        ),
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
    this.#closers.push(schedule);
  }

  /**
   * Stops everything; queued alerts stay in the outbox. Requests in flight get
   * `SHUTDOWN_GRACE_MS`, then every connection still open (a slow client) is cut.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const c of this.#closers) c.close();
    const http = this.#http ? closeHttpApi(this.#http, SHUTDOWN_GRACE_MS) : undefined;
    await this.#watching;
    await closeReferenceClocks(this.#references);
    await http;
    await this.#ks?.close();
    await this.#alerter?.close();
  }
}
