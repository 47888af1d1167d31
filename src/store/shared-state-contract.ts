import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from './store.js';

/**
 * The strategy state and shared breaker areas, as every Store backend must keep them. Each
 * backend's test file calls this with a factory giving a fresh, empty store per test.
 */
export function sharedStateContract(name: string, fresh: () => Promise<Store>): void {
  describe(`shared state contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await fresh();
    });
    afterEach(async () => {
      await store.close();
    });

    const doc = (status: string) => ({
      as_of: '2026-12-01T00:00:00.000Z',
      as_of_unix: 1_796_083_200,
      strategies: { nba: { status, roi_30d: -0.2, n_30d: 40 } },
    });
    const block = { action: 'block' as const, key: 'nba', reason: 'by hand', by: 'alice', at: 1000 };

    it('has no strategy state until the first write, which is version 1', async () => {
      assert.equal(await store.strategyState.get('strategies'), null);
      const r = await store.strategyState.put('strategies', 0, doc('active'), [], 'evaluator');
      assert.ok(r.ok);
      assert.equal(r.state.version, 1);
      assert.deepEqual((await store.strategyState.get('strategies'))?.doc, doc('active'));
    });

    it('writes the strategy state compare-and-set on its version: of two writers on one version, one wins', async () => {
      await store.strategyState.put('strategies', 0, doc('active'), [], 'evaluator');
      const [a, b] = await Promise.all([
        store.strategyState.put('strategies', 1, doc('blocked'), [block], 'alice'),
        store.strategyState.put(
          'strategies',
          1,
          doc('active'),
          [{ ...block, action: 'unblock', by: 'bob' }],
          'bob',
        ),
      ]);
      assert.equal([a, b].filter((r) => r.ok).length, 1, 'exactly one write wins');
      const lost = a.ok ? b : a;
      const won = a.ok ? a : b;
      assert.ok(!lost.ok && won.ok);
      assert.equal(lost.current?.version, 2);
      assert.deepEqual(lost.current?.doc, won.state.doc);
      assert.deepEqual(
        lost.since.map((e) => [e.version, e.action, e.by]),
        [[2, won.state.updatedBy === 'alice' ? 'block' : 'unblock', won.state.updatedBy]],
      );
      const again = await store.strategyState.put('strategies', 0, doc('active'), [], 'late first writer');
      assert.equal(again.ok, false, 'a first write over an existing state is refused too');
      assert.equal((await store.strategyState.get('strategies'))?.version, 2);
    });

    it('keeps the audit rows of every write with the version each wrote', async () => {
      await store.strategyState.put(
        'strategies',
        0,
        doc('active'),
        [{ ...block, action: 'evaluate', key: null }],
        'ev',
      );
      await store.strategyState.put('strategies', 1, doc('blocked'), [block], 'alice');
      const h = await store.strategyState.history('strategies');
      assert.deepEqual(
        h.map((e) => [e.version, e.action, e.key]),
        [
          [1, 'evaluate', null],
          [2, 'block', 'nba'],
        ],
      );
      assert.deepEqual(
        (await store.strategyState.history('strategies', { afterVersion: 1 })).map((e) => e.version),
        [2],
      );
      assert.deepEqual(await store.strategyState.history('sports'), [], 'states are kept apart by name');
    });

    it('gives the newest audit rows, oldest first, of one state only', async () => {
      let v = 0;
      for (const by of ['a', 'b', 'c', 'd']) {
        const r = await store.strategyState.put('strategies', v, doc('active'), [{ ...block, by }], by);
        assert.ok(r.ok);
        v = r.state.version;
      }
      await store.strategyState.put('sports', 0, doc('active'), [{ ...block, by: 'other' }], 'other');
      const last = await store.strategyState.recent('strategies', 2);
      assert.deepEqual(
        last.map((e) => [e.version, e.by, e.key]),
        [
          [3, 'c', 'nba'],
          [4, 'd', 'nba'],
        ],
      );
      assert.equal((await store.strategyState.recent('strategies', 100)).length, 4);
      assert.deepEqual(await store.strategyState.recent('none', 5), []);
    });

    it('opens a shared breaker once per trip, extends it only to a later until, and closes it compare-and-set', async () => {
      const sb = store.sharedBreakers;
      assert.equal(await sb.get('acct', 'exchange:sim'), null);
      const o = await sb.open('acct', 'exchange:sim', { until: 5000, by: 'a:1', at: 1000 });
      assert.equal(o.changed, true);
      assert.equal(o.record.state, 'open');
      assert.equal(o.record.version, 1);
      const same = await sb.open('acct', 'exchange:sim', { until: 4000, by: 'b:2', at: 1100 });
      assert.equal(same.changed, false, 'an earlier until changes nothing');
      assert.equal(same.record.by, 'a:1');
      const later = await sb.open('acct', 'exchange:sim', { until: 9000, by: 'b:2', at: 1200 });
      assert.equal(later.changed, true);
      assert.equal(later.record.version, 2);
      const stale = await sb.close('acct', 'exchange:sim', 1, { by: 'a:1', at: 1300 });
      assert.equal(stale.ok, false, 'a close probed under an older version is refused');
      assert.equal(stale.record?.state, 'open');
      const ok = await sb.close('acct', 'exchange:sim', 2, { by: 'a:1', at: 1400 });
      assert.ok(ok.ok);
      assert.equal(ok.record?.state, 'closed');
      assert.equal(ok.record?.version, 3);
      assert.equal(
        (await sb.close('acct', 'exchange:sim', 3, { by: 'a:1', at: 1500 })).ok,
        false,
        'closed stays closed',
      );
      const reopened = await sb.open('acct', 'exchange:sim', { until: 100, by: 'c:3', at: 1600 });
      assert.equal(reopened.changed, true, 'a closed breaker opens on any trip');
      assert.equal(await sb.get('other', 'exchange:sim'), null, 'accounts are kept apart');
    });

    it('lets one process at a time claim the probes, and another once the claim expires', async () => {
      const sb = store.sharedBreakers;
      assert.deepEqual(await sb.claimProbe('acct', 'x', 'a', 1000), { ok: false, record: null });
      await sb.open('acct', 'x', { until: 1, by: 'a', at: 0 });
      const a = await sb.claimProbe('acct', 'x', 'a', 300);
      assert.ok(a.ok);
      assert.equal(a.record.prober, 'a');
      const b = await sb.claimProbe('acct', 'x', 'b', 300);
      assert.equal(b.ok, false, 'a live claim of another process is refused');
      assert.equal(b.record?.prober, 'a');
      assert.ok((await sb.claimProbe('acct', 'x', 'a', 300)).ok, 'the holder renews');
      await new Promise((r) => setTimeout(r, 400));
      const b2 = await sb.claimProbe('acct', 'x', 'b', 300);
      assert.ok(b2.ok, 'an expired claim goes to the next process');
      assert.equal(b2.record.prober, 'b');
      const v = b2.record.version;
      await sb.close('acct', 'x', v, { by: 'b', at: 5 });
      assert.equal((await sb.claimProbe('acct', 'x', 'a', 300)).ok, false, 'nothing to probe once closed');
      const o = await sb.open('acct', 'x', { until: 10, by: 'a', at: 6 });
      assert.equal(o.record.prober, null, 'a trip clears the claim');
    });
  });
}
