import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from './store.js';
import { kvContract } from './kv-contract.js';

/**
 * The behaviour every Store backend must have. Each backend's test file calls this with a
 * factory that gives a fresh, empty store per test (a new file, a new schema), and one that opens
 * a second store on the same file or schema as a given one (its own connection: races).
 */
export function storeContract(
  name: string,
  fresh: () => Promise<Store>,
  again: (s: Store) => Promise<Store>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await fresh();
    });
    afterEach(async () => {
      await store.close();
    });

    const trip = (at: number, reason = 'r') => ({
      action: 'trip' as const,
      at,
      reason,
      by: 'watchdog',
      source: 'test',
      host: 'h',
      pid: 1,
      flatten: false,
    });

    it('has no kill-switch state until the first event', async () => {
      assert.equal(await store.killSwitch.latest(), null);
      assert.deepEqual(await store.killSwitch.history(), []);
    });

    it('keeps every trip and resume, newest first, and the latest is the state', async () => {
      const a = await store.killSwitch.append(trip(1000, 'stale'));
      const b = await store.killSwitch.append({ ...trip(2000, 'checked'), action: 'resume', by: 'alice' });
      assert.ok(b.id > a.id);
      assert.equal((await store.killSwitch.latest())?.action, 'resume');
      const h = await store.killSwitch.history();
      assert.deepEqual(
        h.map((e) => [e.action, e.reason, e.by, e.at]),
        [
          ['resume', 'checked', 'alice', 2000],
          ['trip', 'stale', 'watchdog', 1000],
        ],
      );
      assert.equal(h[1]?.flatten, false);
      assert.equal((await store.killSwitch.history(1)).length, 1);
    });

    it('appends with compare-and-set on the newest event id, and refuses with what came since', async () => {
      const none = await store.killSwitch.appendIfLatest(null, trip(1000, 'first'));
      assert.ok(none.ok);
      const a = none.event;
      assert.equal(a.clears, null);
      const stale = await store.killSwitch.appendIfLatest(null, trip(1500, 'late'));
      assert.equal(stale.ok, false);
      const b = await store.killSwitch.append(trip(2000, 'second'));
      const r = await store.killSwitch.appendIfLatest(a.id, {
        ...trip(3000, 'saw only the first'),
        action: 'resume',
        clears: a.id,
      });
      assert.ok(!r.ok);
      assert.equal(r.latest?.id, b.id);
      assert.deepEqual(
        r.since.map((e) => e.reason),
        ['second'],
      );
      const ok = await store.killSwitch.appendIfLatest(b.id, {
        ...trip(4000, 'ok'),
        action: 'resume',
        clears: b.id,
      });
      assert.ok(ok.ok);
      assert.equal(ok.event.clears, b.id);
      assert.equal((await store.killSwitch.latest())?.id, ok.event.id);
      assert.equal((await store.killSwitch.history()).length, 3, 'a refused append wrote nothing');
      await store.killSwitch.probeWrite(5000);
    });

    it('records the last heartbeat per name and remembers the last ok beat', async () => {
      await store.heartbeats.record({ name: 'bot', at: 100, kind: 'beat', status: 'ok', extra: { n: 1 } });
      const r = await store.heartbeats.record({ name: 'bot', at: 200, kind: 'beat', status: 'degraded' });
      assert.equal(r.status, 'degraded');
      assert.equal(r.lastOkAt, 100);
      assert.equal(r.at, 200);
      assert.deepEqual(r.extra, {});
      const s = await store.heartbeats.record({ name: 'job', at: 300, kind: 'start', status: 'running' });
      assert.equal(s.startedAt, 300);
      const f = await store.heartbeats.record({
        name: 'job',
        at: 400,
        kind: 'fail',
        status: 'failed',
        exitCode: 2,
      });
      assert.equal(f.startedAt, null);
      assert.equal(f.exitCode, 2);
      assert.deepEqual(
        (await store.heartbeats.list()).map((b) => b.name),
        ['bot', 'job'],
      );
      assert.equal(await store.heartbeats.get('nobody'), null);
    });

    it('stamps each heartbeat with the time the store received it, not the time the writer claims', async () => {
      const ahead = Date.now() + 3_600_000;
      const r = await store.heartbeats.record({ name: 'bot', at: ahead, kind: 'beat', status: 'ok' });
      assert.equal(r.at, ahead);
      assert.ok(Math.abs(r.receivedAt - Date.now()) < 5000, `receivedAt ${r.receivedAt}`);
      assert.equal(r.lastOkReceivedAt, r.receivedAt);
      const d = await store.heartbeats.record({
        name: 'bot',
        at: ahead + 1,
        kind: 'beat',
        status: 'degraded',
      });
      assert.equal(d.lastOkReceivedAt, r.receivedAt, 'the last ok beat keeps its received time');
      assert.ok(d.receivedAt >= r.receivedAt);
      assert.deepEqual(await store.heartbeats.get('bot'), d);
    });

    it('opens an incident once and closes it once', async () => {
      assert.equal(await store.incidents.open({ key: 'k', openedAt: 1, kind: 'stale', detail: 'd' }), true);
      assert.equal(await store.incidents.open({ key: 'k', openedAt: 2, kind: 'stale', detail: 'd2' }), false);
      assert.equal((await store.incidents.list()).length, 1);
      assert.equal((await store.incidents.close('k'))?.openedAt, 1);
      assert.equal(await store.incidents.close('k'), null);
    });

    it('deduplicates alerts per channel and key, claims due ones with a lease, counts sends', async () => {
      const base = { severity: 'critical' as const, title: 't', body: 'b', createdAt: 1000 };
      const a = await store.alerts.enqueue({ ...base, channel: 'tg', dedupeKey: 'inc-1' });
      assert.ok(a);
      assert.equal(await store.alerts.enqueue({ ...base, channel: 'tg', dedupeKey: 'inc-1' }), null);
      assert.ok(await store.alerts.enqueue({ ...base, channel: 'slack', dedupeKey: 'inc-1' }));
      assert.ok(await store.alerts.enqueue({ ...base, channel: 'tg', dedupeKey: null }));
      assert.ok(await store.alerts.enqueue({ ...base, channel: 'tg', dedupeKey: null }));

      const claimed = await store.alerts.claimDue(1000, 10, 30_000);
      assert.equal(claimed.length, 4);
      assert.deepEqual(
        await store.alerts.claimDue(1000, 10, 30_000),
        [],
        'leased alerts are not claimed twice',
      );

      await store.alerts.markSent(a.id, 1500);
      await store.alerts.markFailed(claimed[1]!.id, 'HTTP 500', 5000);
      await store.alerts.markFailed(claimed[2]!.id, 'HTTP 400', null);
      assert.equal(await store.alerts.countSentSince('tg', 1000), 1);
      assert.equal(await store.alerts.countSentSince('tg', 2000), 0);
      const retry = await store.alerts.claimDue(40_000, 10, 1);
      assert.deepEqual(
        retry.map((r) => [r.id, r.attempts, r.lastError]).sort(),
        [
          [claimed[1]!.id, 1, 'HTTP 500'],
          [claimed[3]!.id, 0, null],
        ].sort(),
      );
      assert.equal((await store.alerts.list({ status: 'failed' }))[0]?.id, claimed[2]!.id);
      assert.equal((await store.alerts.list({ status: 'sent' }))[0]?.sentAt, 1500);
    });

    kvContract(() => store, again);

    it('keeps the newest decision-log head per log and host, never moving it back', async () => {
      const head = { log: 'decisions', host: 'h1', seq: 10, hash: 'a'.repeat(64), at: 1000 };
      assert.equal(await store.decisionHeads.get('decisions', 'h1'), null);
      assert.equal(await store.decisionHeads.record(head), true);
      assert.equal(
        await store.decisionHeads.record({ ...head, seq: 9, hash: 'old' }),
        false,
        'an older head',
      );
      assert.equal(await store.decisionHeads.record({ ...head, hash: 'same seq' }), false, 'the same seq');
      assert.equal(await store.decisionHeads.record({ ...head, seq: 11, hash: 'b', at: 2000 }), true);
      await store.decisionHeads.record({ ...head, host: 'h2', seq: 3 });
      await store.decisionHeads.record({ ...head, log: 'other', seq: 1 });
      assert.deepEqual(await store.decisionHeads.get('decisions', 'h1'), {
        log: 'decisions',
        host: 'h1',
        seq: 11,
        hash: 'b',
        at: 2000,
      });
      assert.deepEqual(
        (await store.decisionHeads.list('decisions')).map((h) => [h.host, h.seq]),
        [
          ['h1', 11],
          ['h2', 3],
        ],
      );
      assert.equal((await store.decisionHeads.list()).length, 3);
    });

    it('keeps fleet membership: first and last seen by the store clock, removal', async () => {
      const a = await store.fleet.touch({ host: 'h1', pid: 10, role: 'bot', info: { v: 1 } });
      assert.ok(Math.abs(a.lastSeenAt - Date.now()) < 5000);
      assert.equal(a.firstSeenAt, a.lastSeenAt);
      const again = await store.fleet.touch({ host: 'h1', pid: 10, role: 'bot', info: { v: 2 } });
      assert.equal(again.firstSeenAt, a.firstSeenAt);
      assert.ok(again.lastSeenAt >= a.lastSeenAt);
      assert.deepEqual(again.info, { v: 2 });
      await store.fleet.touch({ host: 'h0', pid: 3, role: 'daemon' });
      assert.deepEqual(
        (await store.fleet.list()).map((m) => [m.host, m.pid, m.role]),
        [
          ['h0', 3, 'daemon'],
          ['h1', 10, 'bot'],
        ],
      );
      assert.equal(await store.fleet.remove('h1', 10, 'bot'), true);
      assert.equal(await store.fleet.remove('h1', 10, 'bot'), false);
      assert.equal((await store.fleet.list()).length, 1);
    });

    const modeWrite = (
      bot: string,
      seq: number,
      mode: 'FULL' | 'REDUCE_ONLY' | 'OBSERVATION' | 'SHUTDOWN',
    ) => ({
      bot,
      mode,
      reason: mode === 'FULL' ? 'nominal' : 'feed_stale',
      detail: `d${seq}`,
      since: 1000 + seq,
      host: 'h1',
      pid: 7,
      seq,
    });

    it("keeps each bot's mode by its version: a new writer's epoch fences the old one out", async () => {
      assert.deepEqual(await store.modes.list(), []);
      assert.equal(await store.modes.get('alpha'), null);
      const a = await store.modes.claim(modeWrite('alpha', 1, 'OBSERVATION'));
      assert.equal(a.epoch, 1);
      assert.equal(a.mode, 'OBSERVATION');
      assert.ok(Math.abs(a.recordedAt - Date.now()) < 5000, 'stamped by the store clock');
      const b = await store.modes.record(1, modeWrite('alpha', 2, 'FULL'));
      assert.equal(b?.mode, 'FULL');
      assert.equal(b?.seq, 2);
      // an out-of-order (older or equal seq) write of the same writer is refused
      assert.equal(await store.modes.record(1, modeWrite('alpha', 2, 'SHUTDOWN')), null);
      assert.equal(await store.modes.record(1, modeWrite('alpha', 1, 'SHUTDOWN')), null);
      assert.equal((await store.modes.get('alpha'))?.mode, 'FULL');
      // a restarted bot claims a new epoch; the old writer's later writes are refused
      const c = await store.modes.claim(modeWrite('alpha', 1, 'REDUCE_ONLY'));
      assert.equal(c.epoch, 2);
      assert.equal(await store.modes.record(1, modeWrite('alpha', 9, 'FULL')), null);
      assert.equal((await store.modes.get('alpha'))?.mode, 'REDUCE_ONLY');
      assert.equal((await store.modes.record(2, modeWrite('alpha', 2, 'SHUTDOWN')))?.mode, 'SHUTDOWN');
      // a bot never claimed cannot be written without a claim
      assert.equal(await store.modes.record(1, modeWrite('beta', 5, 'FULL')), null);
      await store.modes.claim(modeWrite('Beta', 1, 'FULL'));
      const all = await store.modes.list();
      assert.deepEqual(
        all.map((m) => [m.bot, m.mode, m.epoch, m.seq, m.reason, m.detail, m.since, m.host, m.pid]),
        [
          ['Beta', 'FULL', 1, 1, 'nominal', 'd1', 1001, 'h1', 7],
          ['alpha', 'SHUTDOWN', 2, 2, 'feed_stale', 'd2', 1002, 'h1', 7],
        ],
      );
    });

    it('refuses a mode that is not one of the four', async () => {
      await assert.rejects(store.modes.claim({ ...modeWrite('x', 1, 'FULL'), mode: 'HALF' as 'FULL' }));
      assert.equal(await store.modes.get('x'), null);
    });

    it('migrates idempotently: a second run applies nothing', async () => {
      const v = await store.schemaVersion();
      assert.ok(v >= 1);
      assert.equal(await store.migrate(), 0);
      assert.equal(await store.schemaVersion(), v);
    });

    it('has a clock close to the local one', async () => {
      assert.ok(Math.abs((await store.now()) - Date.now()) < 5000);
    });
  });
}
