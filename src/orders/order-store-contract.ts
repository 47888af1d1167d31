// One behaviour suite for every OrderStore / DlqStore backend (SQLite now, PostgreSQL later),
// as Kysely and BullMQ test their dialects. A backend's test file calls `orderStoreContract`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DlqStore } from './dlq-store.js';
import type { IntentClaim, OrderStore } from './order-store.js';

/** A fresh, empty pair of stores; `close` releases them. */
export interface OrderStoreFixture {
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  close(): Promise<void>;
}

const claimOf = (key: string, over: Partial<IntentClaim> = {}): IntentClaim => ({
  idempotencyKey: key,
  payloadHash: `h-${key}`,
  payload: `{"k":"${key}"}`,
  clientOrderId: `c-${key}`,
  owner: 'host:1:a',
  leaseUntil: 2_000,
  now: 1_000,
  ...over,
});

/** Runs the contract suite against `make()`. */
export function orderStoreContract(name: string, make: () => Promise<OrderStoreFixture>): void {
  const withStores = (fn: (f: OrderStoreFixture) => Promise<void>) => async () => {
    const f = await make();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  };

  describe(`order store contract: ${name}`, () => {
    it(
      'claims a key once; a second claim gets the holding row',
      withStores(async ({ orders }) => {
        const a = await orders.claim(claimOf('k1'));
        assert.equal(a.claimed, true);
        const b = await orders.claim(claimOf('k1', { owner: 'host:2:b' }));
        assert.equal(b.claimed, false);
        if (!b.claimed) {
          assert.equal(b.existing.owner, 'host:1:a');
          assert.equal(b.existing.state, 'pending');
          assert.equal(b.existing.attempts, 1);
        }
      }),
    );

    it(
      'claims of one key issued together: exactly one wins',
      withStores(async ({ orders }) => {
        const rs = await Promise.all(
          [1, 2, 3, 4].map((i) => orders.claim(claimOf('race', { owner: `h:${i}:x` }))),
        );
        assert.equal(rs.filter((r) => r.claimed).length, 1);
      }),
    );

    it(
      'a denial is recorded, and a later claim with the same payload takes the key; another payload does not',
      withStores(async ({ orders }) => {
        const d = await orders.deny(claimOf('d1'), 'halted_deny_new_risk');
        assert.equal(d.claimed, true);
        assert.equal((await orders.get('d1'))?.reason, 'halted_deny_new_risk');
        const other = await orders.claim(claimOf('d1', { payloadHash: 'other' }));
        assert.equal(other.claimed, false);
        const c = await orders.claim(claimOf('d1'));
        assert.equal(c.claimed, true);
        if (c.claimed) assert.equal(c.record.state, 'pending');
      }),
    );

    it(
      'take-over is a compare-and-set: only a caller that saw the current row wins',
      withStores(async ({ orders }) => {
        const c = await orders.claim(claimOf('t1'));
        assert.ok(c.claimed);
        const seen = c.record;
        const [x, y] = await Promise.all([
          orders.takeOver(seen, 'h:2:b', 9_000, 3_000),
          orders.takeOver(seen, 'h:3:c', 9_000, 3_000),
        ]);
        assert.equal([x, y].filter((r) => r !== null).length, 1);
        const row = await orders.get('t1');
        assert.equal(row?.state, 'in_flight');
        assert.equal(await orders.takeOver(seen, 'h:4:d', 9_000, 3_000), null);
      }),
    );

    it(
      'attempts are counted, finish works once and only from unfinished, release lets the lease lapse',
      withStores(async ({ orders }) => {
        await orders.claim(claimOf('f1'));
        assert.equal(await orders.recordAttempt('f1', 'host:1:a', 5_000, 1_500), true);
        assert.equal(await orders.recordAttempt('f1', 'someone:else:x', 5_000, 1_500), false);
        let row = await orders.get('f1');
        assert.equal(row?.state, 'in_flight');
        assert.equal(row?.attempts, 2);
        assert.equal(await orders.renew('f1', 'host:1:a', 7_000, 1_550), true);
        assert.equal((await orders.get('f1'))?.leaseUntil, 7_000);
        assert.equal(await orders.renew('f1', 'someone:else:x', 8_000, 1_550), false);
        await orders.release('f1', 'host:1:a', 1_600);
        assert.equal((await orders.get('f1'))?.leaseUntil, 1_600);
        assert.deepEqual(
          (await orders.listUnfinished()).map((r) => r.idempotencyKey),
          ['f1'],
        );
        assert.equal(
          await orders.finish('f1', { state: 'placed', exchangeOrderId: 'X1', result: '{}' }, 1_700),
          true,
        );
        assert.equal(await orders.finish('f1', { state: 'dead', result: null, reason: 'x' }, 1_800), false);
        row = await orders.get('f1');
        assert.equal(row?.state, 'placed');
        assert.equal(row?.exchangeOrderId, 'X1');
        assert.equal((await orders.getByClientOrderId('c-f1'))?.idempotencyKey, 'f1');
        assert.deepEqual(await orders.listUnfinished(), []);
        assert.equal((await orders.list({ state: 'placed' })).length, 1);
      }),
    );

    it(
      'keeps reconciliation reports',
      withStores(async ({ orders }) => {
        assert.equal(await orders.latestReconciliation(), null);
        await orders.saveReconciliation(1, true, 0, '{"a":1}');
        const id = await orders.saveReconciliation(2, false, 3, '{"a":2}');
        const r = await orders.latestReconciliation();
        assert.deepEqual(r, { id, at: 2, ok: false, differences: 3, report: '{"a":2}' });
      }),
    );

    it(
      'DLQ: one open entry per key (a second failure appends), status changes, counts',
      withStores(async ({ dlq }) => {
        const err = (m: string) => ({ at: 1, name: 'RequestTimeout', code: 'E_REQUEST_TIMEOUT', message: m });
        const base = {
          idempotencyKey: 'q1',
          clientOrderId: 'c-q1',
          payload: '{}',
          attempts: 2,
          errorClass: 'ambiguous',
          reason: 'r',
          at: 1,
        };
        const id = await dlq.enqueue({ ...base, errors: [err('a')] });
        const id2 = await dlq.enqueue({ ...base, errors: [err('b')], attempts: 1 });
        assert.equal(id2, id);
        const e = await dlq.get(id);
        assert.deepEqual(
          e?.errors.map((x) => x.message),
          ['a', 'b'],
        );
        assert.equal(e?.attempts, 3);
        assert.equal(await dlq.countOpen(), 1);
        assert.equal((await dlq.openFor('q1'))?.id, id);
        assert.equal(await dlq.addError(id, err('c'), 2), true);
        assert.equal((await dlq.get(id))?.errors.length, 3);
        assert.equal((await dlq.resolve(id, 'fixed by hand', 3)).ok, true);
        assert.equal((await dlq.resolve(id, 'again', 3)).ok, false, 'a resolved entry stays as it was');
        assert.equal(await dlq.countOpen(), 0);
        assert.equal((await dlq.get(id))?.note, 'fixed by hand');
        const id3 = await dlq.enqueue({ ...base, errors: [err('d')] });
        assert.notEqual(id3, id);
        assert.deepEqual(
          (await dlq.list()).map((x) => x.id),
          [id3, id],
        );
        assert.deepEqual(
          (await dlq.list({ status: 'open' })).map((x) => x.id),
          [id3],
        );
        assert.equal(await dlq.get(99_999), null);
        assert.deepEqual(await dlq.resolve(99_999, 'n', 4), { ok: false, entry: null });
      }),
    );

    it(
      'records the send time with the claim and with every attempt, before the send',
      withStores(async ({ orders }) => {
        const c = await orders.claim(claimOf('s1'));
        assert.equal(c.claimed && c.record.sentAt, 1_000);
        assert.equal((await orders.get('s1'))?.sentAt, 1_000);
        assert.equal(await orders.recordAttempt('s1', 'host:1:a', 9_000, 1_500), true);
        assert.equal((await orders.get('s1'))?.sentAt, 1_500);
        await orders.renew('s1', 'host:1:a', 9_500, 1_700);
        assert.equal((await orders.get('s1'))?.sentAt, 1_500, 'a renewal is no send');
        assert.equal(await orders.recordAttempt('s1', 'host:2:b', 9_000, 1_800), false, 'not the owner');
        assert.equal((await orders.get('s1'))?.sentAt, 1_500);
      }),
    );

    it(
      'DLQ transitions are compare-and-set: replay claim, resolve, placed, growth episodes',
      withStores(async ({ dlq }) => {
        const entry = (key: string) => ({
          idempotencyKey: key,
          clientOrderId: `c-${key}`,
          payload: '{}',
          errors: [],
          attempts: 1,
          errorClass: 'ambiguous',
          reason: 'outcome_unknown',
          at: 1,
        });
        const id = await dlq.enqueue(entry('t1'));
        const claimed = await dlq.claimReplay(id, 'r:1:a', 100, 10);
        assert.equal(claimed.ok && claimed.entry.status, 'replaying');
        assert.equal((await dlq.claimReplay(id, 'r:2:b', 100, 20)).ok, false, 'one replay at a time');
        const refused = await dlq.resolve(id, 'by hand', 20);
        assert.equal(refused.ok, false);
        assert.equal(refused.entry?.status, 'replaying');
        assert.equal(await dlq.enqueue(entry('t1')), id, 'a failure during the replay appends to it');
        assert.equal(await dlq.countOpen(), 1);
        assert.equal(await dlq.finishReplay(id, 'r:2:b', 'replayed', 'x', 30), false, 'not the holder');
        assert.equal(await dlq.finishReplay(id, 'r:1:a', 'open', null, 30), true);
        const lapsed = await dlq.claimReplay(id, 'r:1:a', 50, 40);
        assert.equal(lapsed.ok, true);
        assert.equal(
          (await dlq.claimReplay(id, 'r:3:c', 200, 60)).ok,
          true,
          "a dead replayer's lease lapses",
        );
        assert.equal(await dlq.finishReplay(id, 'r:3:c', 'replayed', 'placed as 7', 70), true);
        const after = await dlq.get(id);
        assert.equal(after?.status, 'replayed');
        assert.equal(after?.note, 'placed as 7');
        assert.ok((after?.version ?? 0) >= 5);
        assert.equal((await dlq.resolve(id, 'by hand', 80)).ok, false, 'placed: not resolved over');
        assert.equal((await dlq.claimReplay(id, 'r:4:d', 200, 80)).ok, false);

        const u = await dlq.enqueue(entry('t2'));
        assert.equal(await dlq.closePlaced('t2', 'confirmed placed', 90), true);
        assert.equal((await dlq.get(u))?.status, 'placed');
        assert.equal(await dlq.closePlaced('t2', 'again', 91), false);

        await dlq.enqueue(entry('g1'));
        assert.deepEqual(await dlq.trackGrowth(1, 100), { open: 1, episode: null, started: false });
        await dlq.enqueue(entry('g2'));
        const g = await dlq.trackGrowth(1, 101);
        assert.equal(g.started, true);
        assert.deepEqual(await dlq.trackGrowth(1, 102), { open: 2, episode: g.episode, started: false });
        const g1 = (await dlq.openFor('g1'))!;
        assert.equal((await dlq.resolve(g1.id, 'done', 103)).ok, true);
        await dlq.enqueue(entry('g3'));
        const next = await dlq.trackGrowth(1, 104);
        assert.equal(next.started, true, 'the resolve ended the episode: the next growth is a new one');
        assert.notEqual(next.episode, g.episode);
      }),
    );
  });
}
