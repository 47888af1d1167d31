// The watchdog's memory in the store's kv (first-expected times, file heartbeats' first-seen
// times) on the real stores: a first pass over many heartbeats costs a constant number of kv
// statements on PostgreSQL (counted on the pool), a steady pass none; and two watchdogs whose first
// passes race agree on every heartbeat's first-expected time, on PostgreSQL and on SQLite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../src/store/index.js';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { heartbeatExpectationSchema } from '../src/config/index.js';
import { ManualClock } from '../src/util/clock.js';
import { Watchdog } from '../src/heartbeat/watchdog.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const N = 50;
const FILES = 10;
const exps = Array.from({ length: N }, (_, i) =>
  heartbeatExpectationSchema.parse({
    name: `bot${i}`,
    periodSec: 60,
    graceSec: 30,
    ...(i < FILES ? { file: `hb${i}.json` } : {}),
  }),
);
const writeStamp = (dir: string, i: number, at: number) =>
  writeFileSync(join(dir, `hb${i}.json`), JSON.stringify({ at: at / 1000, iso: 'x', status: 'ok' }));

/** Counts the statements sent on the store's pool that touch the kv table. */
function countKvStatements(store: PgStore): { readonly n: number } {
  const pool = store.connection.pool as unknown as { query: (...a: unknown[]) => Promise<unknown> };
  const query = pool.query.bind(pool);
  const counter = { n: 0 };
  pool.query = (...a: unknown[]) => {
    const q = a[0] as string | { text: string };
    if (/\bkv\b/.test(typeof q === 'string' ? q : q.text)) counter.n++;
    return query(...a);
  };
  return counter;
}

describe('the watchdog remembers in kv', () => {
  let db: TestSchema;
  let dir: string;
  before(async () => {
    db = await createTestSchema();
    dir = mkdtempSync(join(tmpdir(), 'warden-wd-kv-'));
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('in a constant number of kv statements on PostgreSQL: first pass 1, steady pass 0, new file stamps 1', async () => {
    const store = await openFleetStore(db.url, db.schema, { poolSize: 4 });
    try {
      for (let i = 0; i < FILES; i++) writeStamp(dir, i, T0 - 1000);
      const clock = new ManualClock(T0);
      const kv = countKvStatements(store);
      const wd = new Watchdog({ store, expectations: exps, clock, dataDir: dir });
      const first = await wd.check();
      assert.equal(first.results.filter((r) => r.ok).length, N);
      assert.equal(kv.n, 1, 'one compare-and-set for 50 first-expected and 10 first-seen times');
      clock.advance(1000);
      await wd.check();
      assert.equal(kv.n, 1, 'a steady pass makes no kv statement');
      for (let i = 0; i < 3; i++) writeStamp(dir, i, T0 + 500);
      clock.advance(1000);
      await wd.check();
      assert.equal(kv.n, 2, 'three new file stamps: one compare-and-set');
      // A restarted watchdog is answered what is stored (one statement) and writes nothing ...
      clock.advance(1000);
      const again = new Watchdog({ store, expectations: exps, clock, dataDir: dir });
      await again.check();
      assert.equal(kv.n, 3);
      const seen = await store.kv.getMany(['watchdog:file_seen:bot0', 'watchdog:file_seen:bot5']);
      assert.deepEqual(
        [...seen.values()],
        [`${T0 + 500} ${T0 + 2000}`, `${T0 - 1000} ${T0}`],
        'first seen when the stamp first showed',
      );
      // ... and one whose file stamps changed while it was down swaps them: two statements.
      const third = new Watchdog({ store, expectations: exps, clock, dataDir: dir });
      for (let i = 0; i < FILES; i++) writeStamp(dir, i, T0 + 2500);
      const before = kv.n;
      await third.check();
      assert.equal(kv.n - before, 2);
      assert.equal(await store.kv.get('watchdog:file_seen:bot9'), `${T0 + 2500} ${T0 + 3000}`);
      // ... and judges by the stored first-expected time (T0), not its own start.
      clock.set(T0 + 95_000);
      const late = await again.check();
      const missing = late.results.filter((r) => r.kind === 'missing').map((r) => r.name);
      assert.equal(missing.length, N - FILES, JSON.stringify(late.results));
    } finally {
      await store.close();
    }
  });

  it('replaces a first-expected time that is not a number, and judges from its own start meanwhile (SQLite)', async () => {
    const store = SqliteStore.open(join(dir, 'garbage.db'));
    try {
      await store.kv.set('watchdog:expected_since:bot20', 'not a time');
      await store.kv.set('watchdog:expected_since:bot21', String(T0 - 600_000));
      const clock = new ManualClock(T0);
      const wd = new Watchdog({ store, expectations: exps.slice(20, 22), clock });
      const first = await wd.check();
      assert.deepEqual(
        first.results.map((r) => r.kind),
        [undefined, 'missing'],
        'bot21 was first expected 10 min ago',
      );
      assert.equal(await store.kv.get('watchdog:expected_since:bot20'), String(T0));
      clock.set(T0 + 95_000);
      assert.equal((await wd.check()).results[0]!.kind, 'missing');
    } finally {
      await store.close();
    }
  });

  /** Two watchdogs, started 10 s apart by their clocks, run their first passes at once. */
  async function race(a: Store, b: Store): Promise<void> {
    const ca = new ManualClock(T0);
    const cb = new ManualClock(T0 + 10_000);
    const names = exps.slice(FILES);
    const wa = new Watchdog({ store: a, expectations: names, clock: ca });
    const wb = new Watchdog({ store: b, expectations: names, clock: cb });
    await Promise.all([wa.check(), wb.check()]);
    const stored = await a.kv.getMany(names.map((e) => `watchdog:expected_since:${e.name}`));
    // 95 s after T0 a heartbeat first expected at T0 is missing (60 s + 30 s grace); one first
    // expected at T0 + 10 s is not yet: both watchdogs must say the same, as the stored time says.
    ca.set(T0 + 95_000);
    cb.set(T0 + 95_000);
    const [ra, rb] = await Promise.all([wa.check(), wb.check()]);
    for (const [i, e] of names.entries()) {
      const since = Number(stored.get(`watchdog:expected_since:${e.name}`));
      assert.ok(since === T0 || since === T0 + 10_000, `${e.name}: ${since}`);
      const want = since === T0 ? 'missing' : undefined;
      assert.equal(ra.results[i]!.kind, want, `watchdog a on ${e.name}`);
      assert.equal(rb.results[i]!.kind, want, `watchdog b on ${e.name}`);
    }
  }

  it('two watchdogs racing their first passes agree on every first-expected time (PostgreSQL)', async () => {
    const a = await openFleetStore(db.url, db.schema, { poolSize: 4 });
    const b = await openFleetStore(db.url, db.schema, { poolSize: 4 });
    try {
      await db.sql(`DELETE FROM ${db.schema}.kv`);
      await race(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('two watchdogs racing their first passes agree on every first-expected time (SQLite)', async () => {
    const path = join(dir, 'warden.db');
    const a = SqliteStore.open(path);
    const b = SqliteStore.open(path);
    try {
      await race(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
