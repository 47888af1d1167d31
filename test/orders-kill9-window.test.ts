// Issue 8, item 1: an order must not be doubled after a kill -9 while its createOrder requests
// are still being processed by the venue. Process A sends market orders (which fill at once, so
// the venue's client-id uniqueness, which covers open orders only, as on Binance, cannot save
// us) and every one is accepted by the venue only 3 s after it arrived (`delayed_accept`), past
// A's 250 ms timeout but inside the 5 s recvWindow. A is SIGKILLed while they are held. Then
// another actor takes over at once (A's pid is gone): a second process through the executor, or
// reconciliation. Its lookups say "absent" because A's requests have not landed; before the fix
// it resent (or buried the intent in the DLQ) and the venue ended up holding two filled orders
// per client id. The venue's own record must show at most one order per client id.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CcxtExchange,
  type ExchangeSimulator,
  type Order,
  type SimulatorHttpServer,
} from '../src/exchange/index.js';
import { createSimulatedCcxt } from '../src/exchange/ccxt-sim-client.js';
import { createSqliteOrderStores, reconcile } from '../src/orders/index.js';
import { SqliteStore } from '../src/store/index.js';
import { spawnSubmitter, type Submitter } from './helpers/orders-child.js';
import { refTimers, startHttpSimulator } from './helpers/orders-rig.js';

const KEYS = Array.from({ length: 12 }, (_, i) => `race-${i}`);
const ACCEPT_DELAY_MS = 3_000;

function byClientId(orders: readonly Order[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const o of orders) n.set(o.clientOrderId, (n.get(o.clientOrderId) ?? 0) + 1);
  return n;
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts A, waits until the venue holds every one of its requests, then SIGKILLs it. */
async function killWhileHeld(db: string, url: string, sim: ExchangeSimulator): Promise<void> {
  const a: Submitter = spawnSubmitter({ db, url, keys: KEYS, type: 'market', concurrent: true });
  await until('A to send every order', () => sim.faults.injected().delayed_accept >= KEYS.length);
  a.child.kill('SIGKILL');
  const exit = await a.exited;
  assert.equal(exit.signal, 'SIGKILL', exit.stderr);
  // the race is real: the venue received every request and has accepted none yet
  assert.equal(sim.allOrders().length, 0, 'nothing accepted yet when A died');
}

/** Waits until the venue has acted on every request it received (the delayed ones included), then checks its record. */
async function assertOneOrderPerKey(sim: ExchangeSimulator, server: SimulatorHttpServer): Promise<void> {
  await until('the venue to act on every request it holds', () => server.processing === 0);
  const counts = byClientId(sim.allOrders());
  const doubled = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'no client order id holds two orders at the venue');
  assert.equal(counts.size, KEYS.length, 'every key was placed exactly once');
}

describe('kill -9 while the venue still holds the createOrder requests', () => {
  it('a second process takes the claims over and waits out the receive window: one order per client id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-window-'));
    const db = join(dir, 'warden.db');
    await SqliteStore.open(db).close();
    const rig = await startHttpSimulator({
      rates: { delayed_accept: 1 },
      operations: ['createOrder'],
      acceptDelayMs: ACCEPT_DELAY_MS,
    });
    try {
      const b = spawnSubmitter({
        db,
        url: rig.url,
        keys: KEYS,
        type: 'market',
        concurrent: true,
        waitForGo: true,
      });
      await b.ready();
      await killWhileHeld(db, rig.url, rig.sim);
      b.go(); // at once: A's requests land ~3 s from now
      const exit = await b.exited;
      assert.equal(exit.code, 0, exit.stderr);
      await assertOneOrderPerKey(rig.sim, rig.server);
      for (const key of KEYS) {
        const line = b.lines.find((l) => l.key === key);
        assert.equal(line?.status, 'placed', `${key}: ${JSON.stringify(line)}`);
      }
      const store = SqliteStore.open(db);
      const stores = createSqliteOrderStores(store.database);
      try {
        assert.equal((await stores.orders.list({ state: 'placed', limit: 100 })).length, KEYS.length);
        assert.equal(await stores.dlq.countOpen(), 0);
      } finally {
        await stores.close();
        await store.close();
      }
    } finally {
      await rig.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reconciliation right after the kill adopts the late orders instead of calling them never placed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-window-'));
    const db = join(dir, 'warden.db');
    await SqliteStore.open(db).close();
    const rig = await startHttpSimulator({
      rates: { delayed_accept: 1 },
      operations: ['createOrder'],
      acceptDelayMs: ACCEPT_DELAY_MS,
    });
    const store = SqliteStore.open(db);
    const stores = createSqliteOrderStores(store.database);
    const exchange = new CcxtExchange(await createSimulatedCcxt(rig.url, { timeout: 1_000 }), {
      positions: 'none',
    });
    try {
      await killWhileHeld(db, rig.url, rig.sim);
      const report = await reconcile({
        exchange,
        orderStore: stores.orders,
        dlq: stores.dlq,
        print: null,
        timers: refTimers,
      });
      assert.equal(report.ok, true, JSON.stringify(report.errors));
      await assertOneOrderPerKey(rig.sim, rig.server);
      for (const key of KEYS) assert.equal((await stores.orders.get(key))?.state, 'placed', key);
      assert.equal(await stores.dlq.countOpen(), 0, 'nothing buried as not_placed_before_crash');
    } finally {
      await stores.close();
      await store.close();
      await exchange.close();
      await rig.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
