import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from './store.js';

/**
 * The kv area's part of the store contract (`storeContract` calls it): batch reads, and
 * compare-and-set of many keys at once, with two stores on one backend racing for the same keys.
 */
export function kvContract(store: () => Store, again: (s: Store) => Promise<Store>): void {
  it('stores small named values', async () => {
    const kv = store().kv;
    assert.equal(await kv.get('x'), null);
    await kv.set('x', '1');
    await kv.set('x', '2');
    assert.equal(await kv.get('x'), '2');
  });

  it('reads many keys in one call; an absent key is absent from the answer', async () => {
    const kv = store().kv;
    await kv.set('a', '1');
    await kv.set('b', '2');
    assert.deepEqual(await kv.getMany([]), new Map());
    assert.deepEqual(
      await kv.getMany(['b', 'a', 'nope']),
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
  });

  it('compare-and-sets many keys, each on its own: absent (null) or the value expected', async () => {
    const kv = store().kv;
    await kv.set('held', 'old');
    await kv.set('other', 'x');
    const after = await kv.compareAndSet([
      { key: 'new', expected: null, value: 'n1' },
      { key: 'held', expected: null, value: 'refused' },
      { key: 'other', expected: 'x', value: 'y' },
      { key: 'wrong', expected: 'x', value: 'refused' },
      { key: 'stale', expected: 'q', value: 'refused' },
    ]);
    assert.deepEqual(
      after,
      new Map([
        ['new', 'n1'],
        ['held', 'old'],
        ['other', 'y'],
        ['wrong', null],
        ['stale', null],
      ]),
    );
    assert.deepEqual(
      await kv.getMany(['new', 'held', 'other', 'wrong', 'stale']),
      new Map([
        ['new', 'n1'],
        ['held', 'old'],
        ['other', 'y'],
      ]),
    );
    assert.deepEqual(await kv.compareAndSet([]), new Map());
    await assert.rejects(
      kv.compareAndSet([
        { key: 'k', expected: null, value: '1' },
        { key: 'k', expected: null, value: '2' },
      ]),
      (err: unknown) => err instanceof RangeError && /"k" appears twice/.test(err.message),
    );
    assert.equal(await kv.get('k'), null, 'a refused batch writes nothing');
  });

  it('two stores racing set-if-absent on the same keys: one value per key, and both are told it', async () => {
    const a = store();
    const b = await again(a);
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `race:${i}`);
      const batch = (v: string) => keys.map((key) => ({ key, expected: null, value: v }));
      const [ra, rb] = await Promise.all([a.kv.compareAndSet(batch('a')), b.kv.compareAndSet(batch('b'))]);
      const stored = await a.kv.getMany(keys);
      for (const k of keys) {
        assert.ok(stored.get(k) === 'a' || stored.get(k) === 'b', k);
        assert.equal(ra.get(k), stored.get(k), `store a was told the stored value of ${k}`);
        assert.equal(rb.get(k), stored.get(k), `store b was told the stored value of ${k}`);
      }
      // Then both swap every key from what is stored: exactly one swap of each key is written.
      const swap = (v: string) => keys.map((key) => ({ key, expected: stored.get(key)!, value: v }));
      const [sa, sb] = await Promise.all([a.kv.compareAndSet(swap('a2')), b.kv.compareAndSet(swap('b2'))]);
      const now = await b.kv.getMany(keys);
      for (const k of keys) {
        assert.ok(now.get(k) === 'a2' || now.get(k) === 'b2', k);
        assert.equal(sa.get(k), now.get(k));
        assert.equal(sb.get(k), now.get(k));
      }
    } finally {
      await b.close();
    }
  });
}
