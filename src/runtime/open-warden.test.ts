import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DECISION_HEAD_KEY, readAnchoredHead } from '../decisions/head-anchor.js';
import { verifyDecisionLog } from '../decisions/index.js';
import type { ExecutorStateChange } from '../orders/index.js';
import { BTC, createBotWorld, type BotWorld } from './runtime-test-rig.js';

const CONFIG = {
  gate: {
    riskLimits: { maxOrderNotional: 10_000, maxPosition: 50, maxOpenOrders: 10 },
    rateLimit: { overall: { limit: 100, windowMs: 60_000 } },
  },
  lossLimit: { maxLoss: 500 },
};

describe('openWarden: one call gives the bot everything, from the config', () => {
  let world: BotWorld;
  beforeEach(async () => {
    world = await createBotWorld(CONFIG);
  });
  afterEach(() => world.destroy());

  it('builds the gate with every layer in place, reconciles on open, and trades once healthy', async () => {
    const w = await world.open();
    assert.deepEqual(
      w.gate.layers.map((l) => [l.slot, l.layer !== null]),
      [
        ['killSwitch', true],
        ['mode', true],
        ['freshness', true],
        ['strategy', true],
        ['lossLimit', true],
        ['riskLimits', true],
        ['breaker', true],
        ['rateLimit', true],
      ],
    );
    assert.equal(w.readiness.ready, true, 'reconciled on open');
    const buy = { symbol: BTC, side: 'buy' as const, type: 'limit' as const, amount: 1, price: 100.5 };
    // nothing pushed yet: the mode fails closed (OBSERVATION)
    const early = await w.submit({ ...buy, idempotencyKey: 'early' });
    assert.equal(early.status, 'denied');
    w.equity(10_000);
    w.tick(BTC, 100);
    assert.equal(w.modes.mode, 'FULL');
    const r = await w.submit({ ...buy, idempotencyKey: 'b1' });
    assert.equal(r.status, 'placed');
    assert.equal(w.riskLimits.positions()[BTC], 1, 'the fill moved the position');
    // a limit over maxPosition is denied by the risk layer
    const big = await w.submit({ ...buy, idempotencyKey: 'big', amount: 60 });
    assert.deepEqual(big, { status: 'denied', idempotencyKey: 'big', reason: 'max_position' });
  });

  it("records the bot's mode in the store on every transition, under its name", async () => {
    const w = await world.open({ name: 'mode-bot' });
    const stored = async (want: string) => {
      for (let i = 0; i < 200; i++) {
        const m = await w.store.modes.get('mode-bot');
        if (m?.mode === want) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`mode ${want} never stored (have ${(await w.store.modes.get('mode-bot'))?.mode})`);
    };
    const first = await stored('OBSERVATION');
    assert.equal(first.pid, process.pid);
    w.equity(10_000);
    w.tick(BTC, 100);
    const full = await stored('FULL');
    assert.equal(full.reason, 'nominal');
    assert.ok(full.seq > first.seq);
  });

  it('new risk is denied until reconcile succeeds', async () => {
    const w = await world.open({ reconcileOnOpen: false });
    w.equity(10_000);
    w.tick(BTC, 100);
    const d = await w.submit({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 99,
      idempotencyKey: 'k',
    });
    assert.deepEqual(d, { status: 'denied', idempotencyKey: 'k', reason: 'reconciliation_pending' });
    assert.equal((await w.reconcile()).ok, true);
    const k2 = await w.submit({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 99,
      idempotencyKey: 'k2',
    });
    assert.equal(k2.status, 'placed');
  });

  it('fills and cancels raise state changes, feed positions and open orders, and write checkpoints', async () => {
    const w = await world.open();
    w.equity(10_000);
    w.tick(BTC, 100);
    const seen: ExecutorStateChange['kind'][] = [];
    w.executor.onStateChange((e) => seen.push(e.kind));
    const rest = { symbol: BTC, side: 'buy' as const, type: 'limit' as const, amount: 2, price: 95 };
    assert.equal((await w.submit({ ...rest, idempotencyKey: 'r1' })).status, 'placed');
    assert.equal((await w.submit({ ...rest, idempotencyKey: 'r2', price: 90 })).status, 'placed');
    assert.equal(w.executor.openOrders().length, 2);
    world.sim.setMid(BTC, 94); // r1 crosses and fills
    await w.sync();
    assert.equal(w.riskLimits.positions()[BTC], 2);
    await w.cancel('r2');
    assert.deepEqual(seen, ['claimed', 'placed', 'claimed', 'placed', 'filled', 'cancelled']);
    assert.equal(w.executor.openOrders().length, 0);
    await new Promise((r) => setImmediate(r));
    const latest = w.checkpoints.loadLatest();
    assert.ok(latest, 'a checkpoint was written');
    const state = latest.checkpoint.state as {
      positions: { symbol: string; amount: number }[];
      openOrders: unknown[];
    };
    assert.deepEqual(state.positions, [{ symbol: BTC, amount: 2, entryPrice: null }]);
    assert.deepEqual(state.openOrders, []);
  });

  it('the decision head travels in heartbeats, alerts and the store', async () => {
    const w = await world.open();
    w.equity(10_000);
    w.tick(BTC, 100);
    await w.submit({ symbol: BTC, side: 'buy', type: 'limit', amount: 1, price: 90, idempotencyKey: 'h1' });
    await w.decisions!.flush();
    await w.beat();
    const hb = JSON.parse(readFileSync(join(world.dataDir, 'heartbeat.json'), 'utf8')) as {
      decisions?: { seq: number; hash: string };
    };
    assert.equal(hb.decisions?.seq, w.decisions!.durableHead.seq);
    await w.alerts.alert({ key: 'k', severity: 'info', title: 't', body: 'b' });
    assert.match(world.alerts.at(-1)!.body, /decision log head: seq \d+ sha256 [0-9a-f]{64}/);
    const head = w.decisions!.head;
    await w.close();
    const { SqliteStore } = await import('../store/index.js');
    const store = SqliteStore.open(join(world.dataDir, 'warden.db'));
    try {
      const anchored = await readAnchoredHead(store.kv);
      assert.ok(anchored, `kv ${DECISION_HEAD_KEY} written`);
      assert.ok(anchored.seq >= head.seq);
      const v = verifyDecisionLog(join(world.dataDir, 'decisions'), { head: anchored });
      assert.equal(v.ok, true);
    } finally {
      await store.close();
    }
    assert.ok(readdirSync(join(world.dataDir, 'decisions')).length > 0);
  });
});
