import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { PgStore } from '../store/postgres/pg-store.js';
import { TestSchemas } from '../store/postgres/pg-test-schemas.js';
import { heartbeatExpectationSchema } from '../config/index.js';
import { nextSlot, Watchdog, type WatchReport } from './watchdog.js';

describe('nextSlot (the watchdog cadence)', () => {
  it('keeps slots on start + k * interval whatever a pass took', () => {
    assert.deepEqual(nextSlot(1000, 100, 1000, 1030), { dueAt: 1100, missed: 0 });
    assert.deepEqual(nextSlot(1000, 100, 1100, 1199), { dueAt: 1200, missed: 0 });
  });
  it('runs a pass that is already due at once, and skips (counts) the slots a slow pass overran', () => {
    // Ended 50 ms past its next slot: that slot runs now, late, nothing skipped.
    assert.deepEqual(nextSlot(1000, 100, 1000, 1150), { dueAt: 1100, missed: 0 });
    // Ended 3.5 intervals late: the slots at 1100 and 1200 are skipped, 1300 runs now.
    assert.deepEqual(nextSlot(1000, 100, 1000, 1350), { dueAt: 1300, missed: 2 });
  });
});

describe('Watchdog.run on PostgreSQL', () => {
  const schemas = new TestSchemas();
  let store: PgStore;
  let client: pg.Client;
  const schema = schemas.next();
  before(async () => {
    store = await PgStore.open({ url: schemas.url, schema, mode: 'create', poolSize: 4, timeoutMs: 10_000 });
    await store.heartbeats.record({ name: 'bot', at: Date.now(), kind: 'beat', status: 'ok' });
    const { Client } = createRequire(import.meta.url)('pg') as typeof pg;
    client = new Client({ connectionString: schemas.url, options: `-c search_path=${schema}` });
    await client.connect();
  });
  after(async () => {
    await client.end();
    await store.close();
    await schemas.dropAll();
  });

  it('keeps its cadence through a pass blocked on a locked table: no drift, no burst, skipped slots reported', async () => {
    const I = 100;
    const dog = new Watchdog({
      store,
      expectations: [heartbeatExpectationSchema.parse({ name: 'bot', periodSec: 60, graceSec: 60 })],
    });
    const reports: WatchReport[] = [];
    const errors: Error[] = [];
    const ac = new AbortController();
    let locked = false;
    const running = dog.run(I, ac.signal, (r) => {
      if (r instanceof Error) errors.push(r);
      else reports.push(r);
    });
    // A few passes on time, then hold the heartbeats table for 6 intervals: the next pass blocks.
    while (reports.length < 3) await new Promise((res) => setTimeout(res, 10));
    await client.query('BEGIN');
    await client.query('LOCK TABLE heartbeats IN ACCESS EXCLUSIVE MODE');
    locked = true;
    await new Promise((res) => setTimeout(res, 6 * I));
    await client.query('COMMIT');
    const afterUnlock = reports.length;
    while (reports.length < afterUnlock + 4) await new Promise((res) => setTimeout(res, 10));
    ac.abort();
    await running;
    assert.ok(locked);
    assert.deepEqual(errors, []);
    const start = reports[0]!.schedule!.dueAt;
    let skipped = 0;
    for (const [i, r] of reports.entries()) {
      const s = r.schedule!;
      assert.ok(s.lateMs >= 0, `pass ${i} late ${s.lateMs}`);
      assert.equal((s.dueAt - start) % I, 0, `pass ${i} due off the cadence: ${s.dueAt - start} ms`);
      assert.ok(r.at - s.lateMs >= s.dueAt, `pass ${i} started before it was due`);
      if (i > 0) assert.equal(s.dueAt - reports[i - 1]!.schedule!.dueAt, I * (1 + s.missed), `pass ${i}`);
      skipped += s.missed;
      assert.equal(r.results[0]!.ok, true);
      assert.ok(r.newestReceivedAt !== null && r.newestReceivedAt <= Date.now());
    }
    // The blocked pass held the loop ≥ 6 intervals: the slots it overran were skipped, not run in a burst.
    assert.ok(skipped >= 4, `skipped ${skipped} slots`);
    // After the lock, passes run at most one per slot: the last due times are whole intervals apart.
    const tail = reports.slice(-3).map((r) => r.schedule!.dueAt);
    assert.ok(tail[1]! - tail[0]! >= I && tail[2]! - tail[1]! >= I);
  });
});
