import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BulkheadFullError } from './errors/bulkhead-full-error.js';
import { Bulkhead } from './bulkhead.js';

function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { wait: () => p, open };
}

describe('Bulkhead', () => {
  it('runs up to the limit, queues up to the bound, refuses the rest', async () => {
    const b = new Bulkhead({ limit: 2, queue: 1 });
    const g = gate();
    const order: number[] = [];
    const run = (i: number): Promise<number> =>
      b.execute(async () => {
        order.push(i);
        await g.wait();
        return i;
      });
    const running = [run(1), run(2), run(3)];
    assert.equal(b.active, 2);
    assert.equal(b.queued, 1);
    const err = await run(4).catch((e: unknown) => e);
    assert.ok(err instanceof BulkheadFullError);
    assert.equal(err.code, 'E_BULKHEAD_FULL');
    g.open();
    assert.deepEqual(await Promise.all(running), [1, 2, 3]);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(b.active, 0);
  });

  it('frees a slot when a call fails', async () => {
    const b = new Bulkhead({ limit: 1, queue: 1 });
    const first = b.execute(async () => {
      throw new Error('x');
    });
    const second = b.execute(async () => 'ok');
    await assert.rejects(first);
    assert.equal(await second, 'ok');
  });

  it('drops a queued call whose signal aborts', async () => {
    const b = new Bulkhead({ limit: 1, queue: 1 });
    const g = gate();
    const first = b.execute(() => g.wait());
    const ac = new AbortController();
    const queued = b.execute(async () => 'never', { signal: ac.signal });
    ac.abort(new Error('gone'));
    await assert.rejects(queued, /gone/);
    assert.equal(b.queued, 0);
    g.open();
    await first;
  });

  it('rejects bad options', () => {
    assert.throws(() => new Bulkhead({ limit: 0 }), /limit.*0/);
    assert.throws(() => new Bulkhead({ limit: 1, queue: -1 }), /queue.*-1/);
  });
});
