// The rule that a "running" read begun BEFORE a trip notice arrived cannot lift the halt (NOTIFY
// is sent after the trip's commit, so such a read may predate the trip), forced deterministically:
// a store wrapper holds the read after the store answered "running" until the notice has been
// applied. On a real SQLite file and on real PostgreSQL, and end to end through the real change feed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch, type HaltState } from '../src/killswitch/index.js';
import { SqliteStore, type Store } from '../src/store/index.js';
import { PgChangeFeed, wakeOnChanges } from '../src/fleet/index.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { heldReadsStore } from './helpers/held-reads-store.js';
import { until } from './helpers/until.js';

const dirs: string[] = [];
const tempDir = (name: string): string => {
  const d = mkdtempSync(join(tmpdir(), `warden-stale-${name}-`));
  dirs.push(d);
  return d;
};

// Each test its own schema: nothing one leaves behind (a trip) reaches another.
const schemas: TestSchema[] = [];
const closers: (() => Promise<void>)[] = [];
async function freshSchema(): Promise<TestSchema> {
  const db = await createTestSchema();
  schemas.push(db);
  return db;
}
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const db of schemas) await db.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Host A reads through the held-reads wrapper; host B (another process's switch) trips. */
async function twoHosts(inner: Store) {
  const held = heldReadsStore(inner);
  const a = await KillSwitch.open({ store: held.store, dataDir: tempDir('a'), pollMs: 0, source: 'a' });
  const b = await KillSwitch.open({ store: inner, dataDir: tempDir('b'), pollMs: 0, source: 'b' });
  closers.push(async () => {
    await a.close();
    await b.close();
  });
  const states: HaltState[] = [];
  a.onChange((s) => states.push(s));
  return { held, a, b, states };
}

const backends: { name: string; open(): Promise<Store> }[] = [
  { name: 'SQLite file', open: () => Promise.resolve(SqliteStore.open(join(tempDir('db'), 'warden.db'))) },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await freshSchema();
      return openFleetStore(db.url, db.schema, { poolSize: 2 });
    },
  },
];

for (const backend of backends) {
  describe(`a stale "running" read and a trip notice (${backend.name})`, () => {
    it('the read begun before the notice does not lift the halt; the read after it decides', async () => {
      const inner = await backend.open();
      closers.push(() => inner.close());
      const { held, a, b, states } = await twoHosts(inner);
      assert.equal(a.isHalted(), false);
      const hold = held.holdNext();
      const stale = a.refresh();
      assert.equal(await hold.reached, null, 'the held read has its answer: no event, running');
      const t = await b.trip({ reason: 'tripped on host b', by: 'host-b' });
      assert.ok(t.recorded);
      a.applyTripNotice({ eventId: t.event.id, at: t.event.at, by: t.event.by, reason: t.event.reason });
      assert.equal(a.isHalted(), true, 'halted from the notice at once');
      const readsBefore = held.reads;
      hold.release();
      const settled = await stale;
      assert.equal(held.reads, readsBefore, 'nothing read again: the stale answer itself was settled');
      assert.ok(settled.halted, 'the stale read returns the halt, not its "running"');
      assert.equal(a.isHalted(), true, 'trading stays halted');
      assert.ok(
        states.every((s) => s.halted),
        'never running after the notice',
      );
      const next = await a.refresh();
      assert.ok(next.halted && next.source === 'store' && next.eventId === t.event.id, JSON.stringify(next));
      await b.resume({ reason: 'checked', by: 'tester' });
      assert.equal((await a.refresh()).halted, false, 'a read begun after the notice can lift the halt');
    });
  });
}

// End to end, the feed's wake also calls refresh(), which joins the held read and makes it read
// once more; the rule is the second guard here (without both, this test sees "running").
describe('a stale "running" read racing a real NOTIFY (PostgreSQL, change feed)', () => {
  it('the trip from host b halts host a, whose read began before it, and it stays halted', async () => {
    const db = await freshSchema();
    const inner = await openFleetStore(db.url, db.schema, { poolSize: 2 });
    closers.push(() => inner.close());
    const { held, a, b, states } = await twoHosts(inner);
    const feed = new PgChangeFeed({ connectionString: db.url, schema: db.schema, pollMs: 0 });
    const sub = wakeOnChanges(feed, { killSwitch: a });
    closers.push(async () => {
      sub.dispose();
      await feed.close();
    });
    await until('a listening', () => feed.connection.state === 'listening');
    await a.refresh();
    assert.equal(a.isHalted(), false);
    const hold = held.holdNext();
    const stale = a.refresh();
    await hold.reached;
    const readsAtHold = held.reads;
    const t = await b.trip({ reason: 'tripped on host b', by: 'host-b' });
    assert.ok(t.recorded);
    await until('a halted by the notice', () => a.isHalted());
    hold.release();
    await stale;
    assert.equal(a.isHalted(), true, 'trading stays halted');
    assert.ok(
      states.every((s) => s.halted),
      'never running after the notice',
    );
    assert.equal(held.reads, readsAtHold + 1, 'the wake joined the held read, which read once more');
    const s = a.state();
    assert.ok(s.halted && s.eventId === t.event.id, JSON.stringify(s));
  });
});
