import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { SqliteStore } from '../src/store/index.js';
import { Daemon } from '../src/daemon/index.js';
import { CcxtExchange, ExchangeSimulator, SimulatorHttpServer } from '../src/exchange/index.js';
import { createSimulatedCcxt } from '../src/exchange/ccxt-sim-client.js';

describe("the venue's server time as a drift reference (real ccxt over HTTP)", () => {
  it('the daemon alerts when this host is 20 s ahead of the venue, and when the venue stops answering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-venue-clock-'));
    const sim = new ExchangeSimulator({
      markets: [{ symbol: 'BTC/USDT', mid: 100, spreadBps: 10 }],
      balances: { USDT: 1000 },
      clock: { now: () => Date.now() - 20_000 },
    });
    const server = new SimulatorHttpServer(sim, { holdMs: 500 });
    const url = await server.start();
    const exchange = new CcxtExchange(await createSimulatedCcxt(url, { timeout: 400 }), {
      positions: 'none',
    });
    const config = parseConfig({
      heartbeats: [{ name: 'bot', periodSec: 3600, graceSec: 3600 }],
      watchdog: { intervalSec: 0.2, referenceTimeoutMs: 1000 },
      alerts: { channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/never' }] },
    });
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const daemon = new Daemon({
      loaded: { config, path: null, dataDir: dir },
      store,
      port: 0,
      exchange,
      log: () => undefined,
    });
    await daemon.start();
    const incident = async (kind: string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = (await store.incidents.list()).find((i) => i.kind === kind);
        if (found || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const drift = await incident('clock_drift');
      assert.ok(drift, 'a clock_drift incident');
      assert.equal(drift.key, 'clock:drift:venue:binance');
      assert.match(drift.detail, /this host's clock is (19|20|21)\d{3} ms ahead of venue:binance/);
      assert.ok((await store.alerts.list()).some((a) => a.title === 'Clock drift'));
      await server.close();
      const down = await incident('clock_reference_unreachable');
      assert.ok(down, 'an unreachable venue is reported, not taken as no drift');
      assert.match(down.detail, /venue:binance cannot be read/);
    } finally {
      await daemon.close();
      await exchange.close();
      await server.close().catch(() => undefined);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
