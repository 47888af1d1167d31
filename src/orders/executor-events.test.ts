import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AutoCheckpointer, CheckpointStore } from '../checkpoint/index.js';
import { checkpointOnExecutorChanges, type ExecutorStateChange } from './executor-events.js';
import { createRig, destroyRig, intent, type Rig } from './executor-test-rig.js';

describe('executor state changes: events, checkpoints, rejected-order alerts', () => {
  let rig: Rig;
  beforeEach(() => {
    rig = createRig();
  });
  afterEach(() => destroyRig(rig));

  it('emits claimed then placed / rejected / denied, after the store took each', async () => {
    const ex = rig.executor({ rejectedAlertWindowMs: 0 });
    const seen: ExecutorStateChange[] = [];
    ex.onStateChange((e) => seen.push(e));
    await ex.submit(intent('p1'));
    assert.equal((await rig.stores.orders.get('p1'))?.state, 'placed');
    await ex.submit(intent('r1', { amount: 1e9 }));
    assert.deepEqual(
      seen.map((e) => [e.kind, e.idempotencyKey, e.symbol]),
      [
        ['claimed', 'p1', 'BTC/USDT'],
        ['placed', 'p1', 'BTC/USDT'],
        ['claimed', 'r1', 'BTC/USDT'],
        ['rejected', 'r1', 'BTC/USDT'],
      ],
    );
    await ex.submit(intent('p1')); // a replayed answer changes nothing
    assert.equal(seen.length, 4);
  });

  it('an AutoCheckpointer subscribed writes a checkpoint file after an order is placed', async () => {
    const cps = CheckpointStore.open(join(rig.dir, 'checkpoints'));
    const ex = rig.executor();
    let orders = 0;
    const cp = new AutoCheckpointer({ store: cps, getState: () => ({ orders }), intervalMs: 3_600_000 });
    checkpointOnExecutorChanges(ex, cp);
    assert.equal(cps.loadLatest(), null);
    orders = 1;
    await ex.submit(intent('c1'));
    await new Promise((r) => setImmediate(r));
    const latest = cps.loadLatest();
    assert.ok(latest !== null, 'a checkpoint was written on the state change');
    assert.deepEqual(latest.checkpoint.state, { orders: 1 });
    await cp.close();
  });

  it('rejected orders alert, grouped by symbol and error, once per window', async () => {
    const ex = rig.executor({ rejectedAlertWindowMs: 60_000 });
    for (let i = 0; i < 5; i++) await ex.submit(intent(`big${i}`, { amount: 1e9 }));
    const rejected = () => rig.alerts.filter((a) => a.key.startsWith('orders:rejected:'));
    assert.equal(rejected().length, 1);
    assert.equal(rejected()[0]!.title, 'Order rejected: BTC/USDT InsufficientFunds');
    rig.clock.advance(60_000);
    await ex.submit(intent('big-next', { amount: 1e9 }));
    assert.equal(rejected().length, 2);
  });
});
