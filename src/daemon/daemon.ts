import type { LoadedConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { FastifyInstance } from 'fastify';
import { KillSwitch, commandFlattenHook, startReminders } from '../killswitch/index.js';
import { Watchdog, type WatchReport } from '../heartbeat/index.js';
import { createAlerter, type Alerter } from '../alerts/index.js';
import { buildHttpApi } from './http-api.js';

/** Options of the daemon. */
export interface DaemonOptions {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly host?: string;
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
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
  /** Where the HTTP API listens, once started. */
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
    this.#ks = await KillSwitch.open({
      store,
      dataDir,
      source: 'daemon',
      pollMs: config.killSwitch.pollMs,
      alerts: this.#alerter,
      flatten: config.killSwitch.flattenCommand
        ? commandFlattenHook(config.killSwitch.flattenCommand, config.killSwitch.flattenTimeoutSec * 1000)
        : undefined,
    });
    this.#closers.push(
      startReminders({
        killSwitch: this.#ks,
        alerts: this.#alerter,
        cron: config.killSwitch.reminderCron,
        timezone: config.killSwitch.reminderTz,
        onError: (e) => log(`reminder failed: ${String(e)}`),
      }),
    );
    if (config.heartbeats.length > 0) {
      const dog = new Watchdog({
        store,
        expectations: config.heartbeats,
        killSwitch: this.#ks,
        alerts: this.#alerter,
        maxClockDriftMs: config.watchdog.maxClockDriftMs,
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
    this.#http = buildHttpApi({
      store,
      killSwitch: this.#ks,
      dataDir,
      token: env[config.daemon.tokenEnv] || undefined,
    });
    this.address = await this.#http.listen({
      host: this.#opts.host ?? config.daemon.host,
      port: this.#opts.port ?? config.daemon.port,
    });
  }

  /** Stops everything; queued alerts stay in the outbox. */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const c of this.#closers) c.close();
    await this.#watching;
    await this.#http?.close();
    await this.#ks?.close();
    await this.#alerter?.close();
  }
}
