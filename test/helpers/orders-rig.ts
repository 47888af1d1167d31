// Shared pieces of the orders process tests: a simulator behind the Binance HTTP server, and
// referenced timers (the system ones are unref'd; a test or a child awaiting only a backoff would exit).
import { ExchangeSimulator, SimulatorHttpServer, type FaultConfig } from '../../src/exchange/index.js';
import type { Timers } from '../../src/resilience/index.js';

export const SYMBOL = 'BTC/USDT';

export const refTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A simulator with deep pockets, served over HTTP on a free port of 127.0.0.1. */
export async function startHttpSimulator(faults: FaultConfig = {}, seed = 1) {
  const sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
    balances: { USDT: 1e12, BTC: 1e6 },
    seed,
    faults,
  });
  const server = new SimulatorHttpServer(sim, { holdMs: 1_000 });
  const url = await server.start();
  return { sim, server, url };
}
