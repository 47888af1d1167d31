// 10,000 heartbeats per second from 50 processes into PostgreSQL, with the watchdog running
// (issue 12). 50 spawned bot processes, each with its own connection, beat their own names at
// FLEET_BEAT_RATE beats/s each (default 200: 10,000/s in all, open loop) for FLEET_BEAT_MS; the
// watchdog (50 expectations, a pass every second) runs in this process on its own pool, and every
// pass's duration is its lag (a pass longer than the interval is a watchdog falling behind). One
// round per write: Warden (`heartbeats.record`, group commit), Warden's single-statement upsert
// (before group commit), and the peer (a plain INSERT … ON CONFLICT DO UPDATE per beat). A private
// PostgreSQL instance (initdb in a temp dir) with fsync ON: commits are durable.
//   FLEET_BOTS=50 FLEET_BEAT_RATE=200 FLEET_BEAT_MS=10000 npx tsx bench/fleet-heartbeats.bench.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivatePg } from '../test/helpers/private-pg.js';
import { openFleetStore } from '../test/helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from '../test/helpers/json-lines-child.js';
import { Watchdog } from '../src/heartbeat/watchdog.js';
import { parseConfig } from '../src/config/index.js';

const BOTS = Number(process.env['FLEET_BOTS'] ?? 50);
const RATE = Number(process.env['FLEET_BEAT_RATE'] ?? 200);
const MS = Number(process.env['FLEET_BEAT_MS'] ?? 10_000);
const MODES = (process.env['FLEET_BEAT_MODES'] ?? 'warden,single,peer').split(',') as (
  'warden' | 'single' | 'peer'
)[];

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const pg = await startPrivatePg({ maxConnections: BOTS + 40, fsync: true });
const dir = mkdtempSync(join(tmpdir(), 'warden-beat-bench-'));
let kids: JsonChild[] = [];

async function round(mode: (typeof MODES)[number]) {
  const schema = `warden_bench_beats_${mode}`;
  const store = await openFleetStore(pg.url, schema, { timeoutMs: 30_000, poolSize: 4 });
  const goFile = join(dir, `go-${mode}`);
  kids = [];
  for (let i = 0; i < BOTS; i++)
    kids.push(
      spawnJsonChild('fleet-beater-child.ts', [
        pg.url,
        schema,
        `bot${i}`,
        mode,
        String(RATE),
        String(MS),
        goFile,
      ]),
    );
  await Promise.all(kids.map((k) => k.waitFor('ready', (l) => l['ready'] === true, 600_000)));
  const config = parseConfig({
    heartbeats: Array.from({ length: BOTS }, (_, i) => ({ name: `bot${i}`, periodSec: 1, graceSec: 2 })),
  });
  const wd = new Watchdog({ store, expectations: config.heartbeats });
  const passes: number[] = [];
  let notOk = 0;
  writeFileSync(goFile, String(Date.now()));
  const t0 = Date.now();
  // The watchdog's loop: a pass, then the rest of the second (a pass longer than 1 s is lag).
  const timed = (async () => {
    // From 2 s in: the bots' warm-up beats (made while the others started) are long stale at go.
    await new Promise((res) => setTimeout(res, 2000));
    while (Date.now() < t0 + MS) {
      const s = Date.now();
      const r = await wd.check();
      passes.push(Date.now() - s);
      notOk += r.results.filter((x) => !x.ok).length;
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (Date.now() - s))));
    }
  })();
  const done = await Promise.all(kids.map((k) => k.waitFor('done', (l) => l['done'] === true, MS + 600_000)));
  await timed;
  await Promise.all(kids.map((k) => k.kill()));
  await store.close();
  const acked = done.reduce((n, l) => n + Number(l['acked']), 0);
  const errors = done.reduce((n, l) => n + Number(l['errors']), 0);
  return {
    mode,
    rate: (acked * 1000) / MS,
    errors,
    p99ack: pct(
      done.map((l) => Number(l['p99'])),
      50,
    ),
    passP50: pct(passes, 50),
    passMax: Math.max(...passes),
    passes: passes.length,
    notOk,
  };
}

try {
  const rows = [];
  for (const m of MODES) rows.push(await round(m));
  console.log(
    `${BOTS} bot processes x ${RATE} beats/s offered (${BOTS * RATE}/s), ${MS} ms; fsync on; watchdog pass every 1 s`,
  );
  console.log(
    '| write | acked beats/s | vs warden | errors | median bot p99 ack ms | watchdog pass p50 / max ms | passes | not-ok verdicts |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const base = rows[0]!.rate;
  for (const r of rows)
    console.log(
      `| ${r.mode} | ${Math.round(r.rate).toLocaleString('en-US')} | ${(r.rate / base).toFixed(2)}x | ${r.errors} | ${r.p99ack} | ${r.passP50} / ${r.passMax} | ${r.passes} | ${r.notOk} |`,
    );
} finally {
  await Promise.all(kids.map((k) => k.kill('SIGKILL')));
  pg.destroy();
  rmSync(dir, { recursive: true, force: true });
}
