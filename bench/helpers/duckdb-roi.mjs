// The peer a user would pick instead of Warden's evaluator: DuckDB's read_json and six lines of
// SQL, the seed's 30-day size-weighted ROI per group. Run in its own process by
// bench/strategy.bench.ts so its peak RSS is its own; prints the groups and the query's time.
// Usage: node bench/helpers/duckdb-roi.mjs <trades.jsonl> <now ISO> <window days>
import { DuckDBInstance } from '@duckdb/node-api';

const [file, now, days] = process.argv.slice(2);
const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const t1 = performance.now();
const reader = await c.runAndReadAll(
  `SELECT sport AS g, sum(pnl_c * size) AS pnl, sum(entry_price_c * size) AS cost, count(*) AS n
   FROM read_json($file, format = 'newline_delimited', columns = {ts: 'TIMESTAMPTZ', sport: 'VARCHAR',
     resolved: 'VARCHAR', pnl_c: 'DOUBLE', size: 'DOUBLE', entry_price_c: 'DOUBLE'})
   WHERE resolved IS NOT NULL AND ts >= $now::TIMESTAMPTZ - to_days($days::INTEGER)
   GROUP BY sport ORDER BY sport`,
  { file, now, days: Number(days) },
);
const groups = reader
  .getRowObjectsJson()
  .map((r) => ({ g: r.g, n: Number(r.n), roi: Number(r.pnl) / Number(r.cost) }));
const t2 = performance.now();
process.stdout.write(JSON.stringify({ groups, queryMs: t2 - t1, openMs: t1 - t0 }));
