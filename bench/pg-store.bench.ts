// PostgreSQL store benchmark: heartbeat writes per second, the fleet's hottest write (target:
// 10,000/s from 50 processes). Warden's heartbeat is one named (prepared) upsert that carries the
// last ok beat over in SQL; the peers are the same upsert unprepared, and the natural port of the
// SQLite store's read-then-upsert transaction. 50 writers (one per simulated bot) share one pool
// of 10 connections, each beating its own name as fast as it can. Median of rounds.
// Needs the PostgreSQL server at 127.0.0.1:5432 (database `test`); runs in its own schema,
// dropped at the end.
// Run: npx tsx bench/pg-store.bench.ts   (BENCH_ROUNDS=N, BENCH_MS=per-round ms)
import { PgStore } from '../src/store/postgres/pg-store.js';
import { BEAT_RECORD } from '../src/store/postgres/pg-queries.js';
import { TestSchemas } from '../src/store/postgres/pg-test-schemas.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const MS = Number(process.env['BENCH_MS'] ?? 1500);
const WRITERS = 50;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const schemas = new TestSchemas();
const store = await PgStore.open({ url: schemas.url, schema: schemas.next(), mode: 'create', poolSize: 10 });
const pool = store.connection.pool;

type Beat = (name: string, at: number) => Promise<unknown>;

const warden: Beat = (name, at) => store.heartbeats.record({ name, at, kind: 'beat', status: 'ok' });
const unprepared: Beat = (name, at) =>
  pool.query(BEAT_RECORD.text, [name, at, 'beat', 'ok', null, null, '{}', true]);
const readThenUpsert: Beat = async (name, at) => {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const prev = (
      await c.query<{ last_ok_at: number | null }>(
        'SELECT last_ok_at FROM heartbeats WHERE name = $1 FOR UPDATE',
        [name],
      )
    ).rows[0];
    const now = Date.now();
    await c.query(
      `INSERT INTO heartbeats (name, at, kind, status, last_ok_at, started_at, exit_code, extra, received_at, last_ok_received_at)
       VALUES ($1, $2, 'beat', 'ok', $3, NULL, NULL, '{}', $4, $4)
       ON CONFLICT (name) DO UPDATE SET at = excluded.at, kind = excluded.kind, status = excluded.status,
         last_ok_at = excluded.last_ok_at, started_at = excluded.started_at, exit_code = excluded.exit_code,
         extra = excluded.extra, received_at = excluded.received_at, last_ok_received_at = excluded.last_ok_received_at`,
      [name, at, prev?.last_ok_at ?? at, now],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
};

async function rate(beat: Beat): Promise<number> {
  const end = Date.now() + MS;
  let n = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const name = `bot-${w}`;
      while (Date.now() < end) {
        await beat(name, Date.now());
        n++;
      }
    }),
  );
  return (n * 1000) / MS;
}

// A pool whose commits do not wait for the WAL flush (synchronous_commit=off): what a heartbeat
// would gain if losing the last beats on a server crash were accepted.
const pg = (await import('pg')).default;
const asyncPool = new pg.Pool({
  connectionString: schemas.url,
  max: 10,
  options: `-c search_path=${store.connection.schema} -c synchronous_commit=off`,
});
const asyncCommit: Beat = (name, at) =>
  asyncPool.query({ ...BEAT_RECORD, values: [name, at, 'beat', 'ok', null, null, '{}', true] });

const cases: [string, Beat][] = [
  ['warden: one named upsert (`heartbeats.record`)', warden],
  ['the same upsert, unprepared', unprepared],
  ['read-then-upsert transaction (SQLite store design, ported)', readThenUpsert],
  ['the named upsert with synchronous_commit=off (not used)', asyncCommit],
];
const results = new Map<string, number[]>(cases.map(([n]) => [n, []]));
await rate(warden); // warm-up: connections, prepared statements
for (let r = 0; r < ROUNDS; r++) for (const [name, beat] of cases) results.get(name)!.push(await rate(beat));
const best = median(results.get(cases[0]![0])!);
console.log(`heartbeats per second, ${WRITERS} writers, pool 10, median of ${ROUNDS} rounds of ${MS} ms`);
console.log('| write | beats/s | vs warden |');
console.log('|---|---:|---:|');
for (const [name] of cases) {
  const m = median(results.get(name)!);
  console.log(`| ${name} | ${Math.round(m).toLocaleString('en-US')} | ${(m / best).toFixed(2)}x |`);
}
await asyncPool.end();
await store.close();
await schemas.dropAll();
