// The ccxt exchange config path (`exchange: {kind: 'ccxt', id: 'binance', …}`, not the simulator
// shortcut `sim-http`): the real ccxt binance client, built from the config with credentials read
// from the named environment variables, pointed at the simulator's HTTP server by `apiUrl`.
// `warden reconcile` (a real process) and openWarden both go through it.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ReconcileReport } from '../src/orders/index.js';
import { createBotWorld } from '../src/runtime/runtime-test-rig.js';
import { warden, workspace } from './helpers/cli.js';
import { SYMBOL, startHttpSimulator } from './helpers/orders-rig.js';

const ENV = { SIM_API_KEY: 'sim-key-from-env', SIM_API_SECRET: 'sim-secret-from-env' };

const ccxtSection = (url: string) => ({
  kind: 'ccxt',
  id: 'binance',
  apiUrl: url,
  apiKeyEnv: 'SIM_API_KEY',
  secretEnv: 'SIM_API_SECRET',
  positions: 'none',
  recvWindowMs: 500,
  timeoutMs: 2000,
  // the simulator serves Binance's spot routes only
  ccxtOptions: { fetchMarkets: ['spot'], fetchCurrencies: false, warnOnFetchOpenOrdersWithoutSymbol: false },
});

describe('exchange kind ccxt through the real ccxt client, pointed at the simulator by apiUrl', () => {
  let rig: Awaited<ReturnType<typeof startHttpSimulator>>;
  before(async () => {
    rig = await startHttpSimulator({ retryAfterMs: 1 });
  });
  after(() => rig.server.close());

  it('warden reconcile reads the venue through it and reports the order the store does not know', async () => {
    const ws = workspace({ exchange: ccxtSection(rig.url) });
    try {
      rig.sim.placeOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 80,
        clientOrderId: 'ccxtcfg1',
      });
      const r = await warden([...ws.args, 'reconcile', '--json'], { env: ENV });
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as ReconcileReport;
      assert.equal(report.ok, true);
      assert.equal(report.exchange, 'binance');
      const unknown = report.differences.flatMap((d) =>
        d.kind === 'unknown_order' ? [d.order.clientOrderId] : [],
      );
      assert.ok(unknown.includes('ccxtcfg1'), JSON.stringify(report.differences));
      // without the credentials it names the variable and builds nothing
      const bare = await warden([...ws.args, 'reconcile'], { env: { SIM_API_KEY: '', SIM_API_SECRET: '' } });
      assert.notEqual(bare.code, 0);
      assert.match(bare.stderr, /SIM_API_KEY is not set/);
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });

  it('openWarden builds the venue from the section: reconciles, reads the venue clock, and places an order', async () => {
    const world = await createBotWorld({ exchange: ccxtSection(rig.url) });
    try {
      const w = await world.open({ exchange: undefined, symbols: [SYMBOL], env: { ...process.env, ...ENV } });
      assert.equal(w.exchange.id, 'binance');
      assert.equal(w.readiness.ready, true, 'reconciled on open through ccxt');
      assert.equal(w.venueClock?.last?.ok, true, 'the venue clock was read through ccxt (GET /api/v3/time)');
      w.equity(1_000_000);
      w.tick(SYMBOL, 100);
      assert.equal(w.modes.mode, 'FULL', w.modes.state.detail);
      const r = await w.submit({
        idempotencyKey: 'ccxt-config-1',
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 85,
      });
      assert.equal(r.status, 'placed', JSON.stringify(r));
      const atVenue = rig.sim.allOrders().filter((o) => o.price === 85);
      assert.equal(atVenue.length, 1, 'the order reached the HTTP simulator once');
      await w.close();
    } finally {
      await world.destroy();
    }
  });
});
