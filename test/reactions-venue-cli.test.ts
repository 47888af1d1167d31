// `warden reconcile`, `warden dlq replay` and `warden trip --flatten` as real processes against a
// config whose `exchange` section points at the simulator's HTTP server (the real ccxt client).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../src/exchange/index.js';
import { Executor, createSqliteOrderStores, type ReconcileReport } from '../src/orders/index.js';
import { constantBackoff } from '../src/resilience/index.js';
import { SqliteStore } from '../src/store/index.js';
import { warden, workspace } from './helpers/cli.js';
import { SYMBOL, refTimers, startHttpSimulator } from './helpers/orders-rig.js';

/** A DLQ entry (dead after 5xx on every attempt) for a resting buy of SYMBOL, made by the library. */
async function seedDeadOrder(dataDir: string, key: string): Promise<number> {
  const store = SqliteStore.open(join(dataDir, 'warden.db'));
  const stores = createSqliteOrderStores(store.database);
  const sim = new ExchangeSimulator({ markets: [{ symbol: SYMBOL, mid: 100 }], balances: { USDT: 1e9 } });
  sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 6 });
  const ex = new Executor({
    exchange: new InProcessExchange(sim, { recvWindowMs: 50 }),
    orders: stores.orders,
    dlq: stores.dlq,
    symbols: [SYMBOL],
    gate: () => ({ allow: true, reason: 'running' }),
    lookupBackoff: constantBackoff(0),
    timers: refTimers,
  });
  const r = await ex.submit({
    idempotencyKey: key,
    symbol: SYMBOL,
    side: 'buy',
    type: 'limit',
    amount: 1,
    price: 90,
  });
  assert.equal(r.status, 'dead');
  await stores.close();
  await store.close();
  return r.status === 'dead' ? (r.dlqId ?? 0) : 0;
}

describe('the exchange section: reconcile, dlq replay and flatten on the configured venue', () => {
  let rig: Awaited<ReturnType<typeof startHttpSimulator>>;
  let ws: ReturnType<typeof workspace>;
  let dlqId = 0;

  before(async () => {
    rig = await startHttpSimulator({ retryAfterMs: 1 });
    ws = workspace({ exchange: { kind: 'sim-http', url: rig.url, recvWindowMs: 500 } });
    dlqId = await seedDeadOrder(ws.dataDir, 'venue-replay-1');
  });

  after(async () => {
    await rig.server.close();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  it('dlq replay (no --exchange) places the entry at the configured venue, once', async () => {
    const r = await warden([...ws.args, 'dlq', 'replay', String(dlqId)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed: placed/);
    const mine = rig.sim.allOrders().filter((o) => o.clientOrderId.length > 0 && o.price === 90);
    assert.equal(mine.length, 1, 'the order reached the HTTP simulator');
    const again = await warden([...ws.args, 'dlq', 'replay', String(dlqId)]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is replayed: the order was placed/);
    assert.equal(rig.sim.allOrders().filter((o) => o.price === 90).length, 1, 'nothing doubled');
  });

  it('reconcile reports an order the store does not know, and fails (exit 1) when the venue cannot be read', async () => {
    rig.sim.placeOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: 2,
      price: 80,
      clientOrderId: 'stranger1',
    });
    const r = await warden([...ws.args, 'reconcile', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ReconcileReport;
    assert.equal(report.ok, true);
    assert.equal(report.exchange, 'binance');
    assert.equal(report.adopted.openOrders.length, 2);
    const unknown = report.differences.filter((d) => d.kind === 'unknown_order');
    assert.deepEqual(
      unknown.map((d) => (d.kind === 'unknown_order' ? d.order.clientOrderId : '')),
      ['stranger1'],
    );
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOpenOrders', times: 1000 });
    try {
      const down = await warden([...ws.args, 'reconcile']);
      assert.equal(down.code, 1, down.stdout);
      assert.match(down.stdout, /reconciliation FAILED against binance/);
    } finally {
      rig.sim.faults.clear();
    }
  });

  it('trip --flatten cancels every open order at the venue through the built-in flatten; a repeat sends nothing', async () => {
    assert.ok(rig.sim.openOrders().length >= 2);
    const before = rig.sim.allOrders().length;
    const r = await warden([...ws.args, 'trip', '--reason', 'flatten test', '--by', 'test', '--flatten']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /flatten: ok: built-in flatten on binance: canceled 2 open order/);
    assert.deepEqual(rig.sim.openOrders(), []);
    const again = await warden([
      ...ws.args,
      'trip',
      '--reason',
      'flatten again',
      '--by',
      'test',
      '--flatten',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /canceled 0 open order/);
    assert.equal(rig.sim.allOrders().length, before, 'no order was created by either flatten');
  });

  it('a flatten that fails alerts critical, exits 1, and trading stays halted', async () => {
    rig.sim.placeOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 70,
      clientOrderId: 'resting9',
    });
    rig.sim.faults.injectNext('http_5xx', { operation: 'cancelAllOrders', times: 1000 });
    try {
      const r = await warden([...ws.args, 'trip', '--reason', 'venue down', '--by', 'test', '--flatten']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /flatten: FAILED: built-in flatten failed: ExchangeNotAvailable/);
      assert.match(r.stderr, /FLATTEN FAILED: positions may still be open/);
      const status = await warden([...ws.args, 'status']);
      assert.equal(status.code, 1, 'halted');
      assert.equal(rig.sim.openOrders().length, 1);
    } finally {
      rig.sim.faults.clear();
    }
  });

  it('a section Warden cannot build is one line and exit 1, naming the variable (never the secret) or the id', async () => {
    const bad = workspace({
      exchange: { kind: 'ccxt', id: 'binance', apiKeyEnv: 'WARDEN_TEST_NO_SUCH_KEY' },
    });
    const unknownVenue = workspace({ exchange: { kind: 'ccxt', id: 'nosuchvenue' } });
    const none = workspace({});
    try {
      const r = await warden([...bad.args, 'reconcile'], { env: { WARDEN_TEST_NO_SUCH_KEY: '' } });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /exchange.apiKeyEnv: environment variable WARDEN_TEST_NO_SUCH_KEY is not set/);
      const u = await warden([...unknownVenue.args, 'reconcile']);
      assert.equal(u.code, 1);
      assert.match(u.stderr, /ccxt has no exchange "nosuchvenue"/);
      const n = await warden([...none.args, 'reconcile']);
      assert.equal(n.code, 1);
      assert.match(n.stderr, /reconcile needs a venue: add an "exchange" section/);
    } finally {
      for (const w of [bad, unknownVenue, none]) rmSync(w.dir, { recursive: true, force: true });
    }
  });
});
