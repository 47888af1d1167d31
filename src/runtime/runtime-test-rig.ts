// The bot runtime's test rig: a fresh data dir with an initialised SQLite store, a config file,
// the in-process simulator venue, and an alert collector. For tests only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { SqliteStore } from '../store/index.js';
import type { AlertInput } from '../util/alert-sink.js';
import type { Timers } from '../resilience/index.js';
import { openWarden } from './open-warden.js';
import type { Warden } from './warden.js';
import type { OpenWardenOptions } from './warden-options.js';

export const BTC = 'BTC/USDT';
export const ETH = 'ETH/USDT';

/** Referenced timers: the system ones are unref'd, and a test awaiting only a backoff would end early. */
export const referencedTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** One test's world. */
export interface BotWorld {
  readonly dir: string;
  readonly dataDir: string;
  readonly configPath: string;
  readonly sim: ExchangeSimulator;
  readonly exchange: InProcessExchange;
  readonly alerts: AlertInput[];
  open(over?: Partial<OpenWardenOptions>): Promise<Warden>;
  destroy(): Promise<void>;
}

/** A data dir initialised as `warden init` would, a config (merged over `config`), and a simulator venue. */
export async function createBotWorld(
  config: Record<string, unknown> = {},
  dataDir?: string,
): Promise<BotWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bot-'));
  const data = dataDir ?? join(dir, 'data');
  await SqliteStore.open(join(data, 'warden.db')).close();
  const configPath = join(dir, 'warden.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      dataDir: data,
      killSwitch: { reserveBytes: 0, pollMs: 1000 },
      modes: { intervalMs: 1000 },
      ...config,
    }),
  );
  const sim = new ExchangeSimulator({
    markets: [
      { symbol: BTC, mid: 100, spreadBps: 10 },
      { symbol: ETH, mid: 10, spreadBps: 10 },
    ],
    balances: { USDT: 1_000_000, BTC: 100, ETH: 1000 },
    seed: 11,
    faults: { retryAfterMs: 1 },
  });
  const exchange = new InProcessExchange(sim, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    recvWindowMs: 200,
  });
  const alerts: AlertInput[] = [];
  const opened: Warden[] = [];
  return {
    dir,
    dataDir: data,
    configPath,
    sim,
    exchange,
    alerts,
    async open(over = {}) {
      const w = await openWarden({
        config: configPath,
        symbols: [BTC, ETH],
        exchange,
        alerts: { alert: (a) => (alerts.push(a), Promise.resolve()) },
        print: null,
        executor: { random: () => 0, lookupAttempts: 2, clockMarginMs: 0 },
        timers: referencedTimers,
        ...over,
      });
      opened.push(w);
      return w;
    },
    async destroy() {
      for (const w of opened.splice(0)) await w.close().catch(() => undefined);
      await exchange.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
