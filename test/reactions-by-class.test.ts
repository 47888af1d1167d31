// Each failure class of the taxonomy driven through the real Executor of openWarden against the
// simulator (its fault injector, its own rejections), on a real SQLite store, checking what seed
// 003's table asks: the mode, the DLQ, the alert, the halt. The resource class uses a real full
// filesystem (a small tmpfs) under the checkpoint directory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { ModeChange } from '../src/modes/index.js';
import { BTC, ETH, createBotWorld, type BotWorld } from '../src/runtime/runtime-test-rig.js';
import type { Warden } from '../src/runtime/index.js';

const limit = (key: string, over: Record<string, unknown> = {}) => ({
  idempotencyKey: key,
  symbol: BTC,
  side: 'buy' as const,
  type: 'limit' as const,
  amount: 1,
  price: 95,
  ...over,
});

async function healthy(world: BotWorld, over = {}): Promise<Warden> {
  const w = await world.open(over);
  w.equity(10_000);
  w.tick(BTC, 100);
  w.tick(ETH, 10);
  assert.equal(w.modes.mode, 'FULL');
  return w;
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('failure-class reactions through the executor', () => {
  let world: BotWorld;
  afterEach(() => world.destroy());

  it('network / exchange unavailable → the breaker: it opens, the gate fails fast, REDUCE_ONLY, "exchange unreachable"', async () => {
    world = await createBotWorld();
    const w = await healthy(world);
    world.sim.faults.injectNext('http_429', { operation: 'createOrder', times: 6 });
    const a = await w.submit(limit('n1'));
    const b = await w.submit(limit('n2'));
    assert.equal(a.status, 'dead');
    assert.equal(b.status, 'dead');
    assert.equal(w.breaker.state, 'open');
    assert.equal(w.modes.mode, 'REDUCE_ONLY');
    assert.equal(w.modes.state.reason, 'breaker_open');
    const c = await w.submit(limit('n3'));
    assert.equal(c.status, 'denied');
    assert.ok(world.alerts.some((x) => x.title === 'Exchange unreachable'));
    assert.equal(w.killSwitch.state().halted, false, 'no halt for a venue that is down');
    assert.equal(w.reactions.logicCount(), 0, 'not counted as a request the venue will never accept');
  });

  it('data (a NaN price from the venue) → the signal skipped, OBSERVATION for that instrument only', async () => {
    world = await createBotWorld();
    const w = await healthy(world);
    world.sim.faults.injectBadData('nan');
    const t = await world.exchange.fetchTicker(BTC);
    assert.ok(Number.isNaN(t.last));
    assert.equal(w.tick(BTC, t.last, t.timestamp).accepted, false);
    const d = await w.submit(limit('d1'));
    assert.deepEqual(d, { status: 'denied', idempotencyKey: 'd1', reason: 'freshness_bad_data' });
    const other = await w.submit(limit('d2', { symbol: ETH, price: 9.5 }));
    assert.equal(other.status, 'placed', 'another instrument trades on');
    assert.equal(w.modes.mode, 'FULL', 'the account as a whole is not degraded');
    w.tick(BTC, 100.2);
    assert.equal((await w.submit(limit('d3'))).status, 'placed', 'a good tick ends OBSERVATION');
    const ex = w.report(new SyntaxError('Unexpected token < in JSON'), { symbol: BTC });
    assert.equal(ex.reaction, 'data');
    assert.equal((await w.submit(limit('d4'))).status, 'denied');
    assert.ok(world.alerts.some((x) => x.title === `Bad data on ${BTC}: signal skipped`));
  });

  it('logic (an order the venue will never accept) → DLQ + alert, and a halt after the configured count', async () => {
    world = await createBotWorld({ reactions: { byClass: { logic: { haltAfter: 3, windowSec: 600 } } } });
    const w = await healthy(world);
    // a reduce-only sell with no position: the simulator answers InvalidOrder (a 4xx, forever)
    const bad = (k: string) => limit(k, { side: 'sell', reduceOnly: true, price: 101 });
    assert.equal((await w.submit(bad('l1'))).status, 'rejected');
    assert.equal((await w.submit(bad('l2'))).status, 'rejected');
    assert.equal(w.killSwitch.state().halted, false, 'two are below the count');
    assert.equal(w.reactions.logicCount(), 2);
    assert.equal((await w.submit(bad('l3'))).status, 'rejected');
    await until('the halt', () => w.killSwitch.state().halted);
    const dlq = await w.orderStores.dlq.list({ status: 'open' });
    assert.deepEqual(dlq.map((e) => e.idempotencyKey).sort(), ['l1', 'l2', 'l3']);
    assert.ok(
      world.alerts.some((x) => /rejected/i.test(x.title)),
      'the rejection alerted',
    );
    assert.ok(world.alerts.some((x) => x.title === 'Halted: repeated rejected requests'));
    const after = await w.submit(limit('l4'));
    assert.deepEqual(after, { status: 'denied', idempotencyKey: 'l4', reason: 'halted_deny_new_risk' });
  });

  it('state (the venue does not know an order we hold open) → the reconciliation gate re-engaged, reconcile re-run', async () => {
    world = await createBotWorld();
    const w = await healthy(world);
    const r = await w.submit(limit('s1', { price: 90 }));
    assert.equal(r.status, 'placed');
    const firstReady = w.readiness.readyAt;
    const changes: ModeChange[] = [];
    w.modes.onChange((c) => changes.push(c));
    // a slow venue, so the re-run reconcile is still reading while we look
    world.sim.faults.configure({ latencyMs: 300, operations: ['fetchOpenOrders'] });
    // someone cancels the order at the venue behind the bot's back
    world.sim.cancelOrder(world.sim.openOrders(BTC)[0]!.id, BTC);
    await assert.rejects(w.cancel('s1'), { name: 'OrderNotFound' });
    assert.equal(w.readiness.ready, false, 'new risk waits for the reconcile');
    const denied = await w.submit(limit('s2'));
    assert.deepEqual(denied, { status: 'denied', idempotencyKey: 's2', reason: 'reconciliation_pending' });
    await until('the re-run reconcile', () => w.readiness.ready && w.readiness.readyAt !== firstReady);
    world.sim.faults.configure({});
    assert.deepEqual(
      changes.map((c) => [c.to, c.reason]),
      [
        ['REDUCE_ONLY', 'reconciliation_pending'],
        ['FULL', 'nominal'],
      ],
    );
    assert.ok(world.alerts.some((x) => x.title === 'State differs from the venue: reconciling'));
    assert.equal((await w.submit(limit('s3'))).status, 'placed', 'trading resumes after the reconcile');
  });

  it('resource (a real full disk under the checkpoints) → REDUCE_ONLY and a critical alert', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'warden-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      world = await createBotWorld({ reactions: { byClass: { resource: { reduceOnlySec: 120 } } } });
      const w = await healthy(world, { checkpoints: { dir: join(mnt, 'checkpoints') } });
      // fill the filesystem to the last byte
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        /* ENOSPC: full now */
      }
      const r = await w.submit(limit('x1', { price: 90 })); // claimed + placed: a checkpoint is due
      assert.equal(r.status, 'placed');
      await until('the resource reaction', () => w.modes.mode === 'REDUCE_ONLY');
      assert.equal(w.modes.state.reason, 'resource_exhausted');
      const alert = world.alerts.find((x) => x.title.startsWith('Resource exhausted'));
      assert.ok(alert, 'a critical alert');
      assert.equal(alert.severity, 'critical');
      assert.match(alert.body, /ENOSPC/);
      const denied = await w.submit(limit('x2'));
      assert.deepEqual(denied, {
        status: 'denied',
        idempotencyKey: 'x2',
        reason: 'mode_reduce_only_deny_new_risk',
      });
    } finally {
      await world.destroy(); // closes the bot before its checkpoint dir goes
      execFileSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
