// Heartbeats recorded faster than PostgreSQL answers share one statement (group commit). Random
// bursts of beats of a few names, fired at once at the PostgreSQL store, leave exactly the rows
// the SQLite store leaves when given the same beats one by one (property, fast-check); every
// promise resolves with its name's row after the commit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqliteStore, type HeartbeatRecord, type HeartbeatReport } from '../src/store/index.js';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';

const comparable = (r: HeartbeatRecord) => ({
  name: r.name,
  at: r.at,
  kind: r.kind,
  status: r.status,
  lastOkAt: r.lastOkAt,
  startedAt: r.startedAt,
  exitCode: r.exitCode,
  extra: r.extra,
  hasLastOkReceived: r.lastOkReceivedAt !== null,
});

describe('PostgreSQL heartbeats in batches', () => {
  let db: TestSchema;
  let pg: PgStore;
  let dir: string;
  before(async () => {
    db = await createTestSchema();
    pg = await openFleetStore(db.url, db.schema, { poolSize: 1 });
    dir = mkdtempSync(join(tmpdir(), 'warden-beats-'));
  });
  after(async () => {
    await pg.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the rows that recording the same beats one by one leaves (property)', async () => {
    let run = 0;
    const beat = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      kind: fc.constantFrom('beat', 'start', 'fail') as fc.Arbitrary<HeartbeatReport['kind']>,
      status: fc.constantFrom('ok', 'degraded', 'failed'),
      exitCode: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      extra: fc.option(fc.dictionary(fc.constantFrom('x', 'y'), fc.integer()), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(beat, { minLength: 1, maxLength: 30 }), async (xs) => {
        run++;
        const beats: HeartbeatReport[] = xs.map((b, i) => ({
          ...b,
          name: `${b.name}${run}`,
          at: 1000 * run + i,
        }));
        const sqlite = SqliteStore.open(join(dir, `s${run}.db`));
        try {
          for (const b of beats) await sqlite.heartbeats.record(b);
          const answers = await Promise.all(beats.map((b) => pg.heartbeats.record(b)));
          answers.forEach((a, i) => assert.equal(a.name, beats[i]!.name));
          const want = (await sqlite.heartbeats.list()).map(comparable);
          const got = (await pg.heartbeats.list())
            .filter((r) => r.name.endsWith(String(run)))
            .map(comparable);
          const key = (r: { name: string }) => r.name;
          assert.deepEqual(
            got.sort((p, q) => key(p).localeCompare(key(q))),
            want.sort((p, q) => key(p).localeCompare(key(q))),
          );
        } finally {
          await sqlite.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a lone beat goes at once; the beats of one turn share one statement; a failed statement rejects every beat in it', async () => {
    const pool = pg.connection.pool as unknown as { query: (...a: unknown[]) => Promise<unknown> };
    const query = pool.query.bind(pool);
    let statements = 0;
    pool.query = (...a: unknown[]) => {
      const q = a[0] as string | { text: string };
      if (/INSERT INTO heartbeats/.test(typeof q === 'string' ? q : q.text)) statements++;
      return query(...a);
    };
    try {
      const r = await pg.heartbeats.record({ name: 'lone', at: 1, kind: 'beat', status: 'ok' });
      assert.equal(r.lastOkAt, 1);
      assert.equal(statements, 1);
      // A process that fell behind sends its due beats in one burst: one statement, one round trip.
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pg.heartbeats.record({ name: `burst${i % 4}`, at: 10 + i, kind: 'beat', status: 'ok' }),
        ),
      );
      assert.deepEqual(
        burst.map((b) => b.at),
        Array.from({ length: 20 }, (_, i) => 26 + (i % 4)),
        'each beat answered with its name row after the whole burst',
      );
      assert.equal(statements, 2, 'the burst was one statement');
      const bad = { name: 'x', at: Number.NaN, kind: 'beat' as const, status: 'ok' };
      const results = await Promise.allSettled([
        pg.heartbeats.record({ name: 'first', at: 2, kind: 'beat', status: 'ok' }),
        pg.heartbeats.record(bad),
        pg.heartbeats.record({ name: 'y', at: 3, kind: 'beat', status: 'ok' }),
      ]);
      assert.deepEqual(
        results.map((x) => x.status),
        ['rejected', 'rejected', 'rejected'],
        'in the same statement as the bad one',
      );
      assert.equal((await pg.heartbeats.get('first'))?.at, undefined, 'none of them was written');
      assert.equal((await pg.heartbeats.record({ name: 'after', at: 4, kind: 'beat', status: 'ok' })).at, 4);
    } finally {
      pool.query = query;
    }
  });
});
