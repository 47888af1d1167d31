// 10,000 heartbeats per second from 50 processes into PostgreSQL, with the watchdog running
// (issue 12). 50 spawned bot processes, each with its own connection, beat their own names at
// FLEET_BEAT_RATE beats/s each (default 200: 10,000/s in all, open loop) for FLEET_BEAT_MS; the
// watchdog (50 expectations, `Watchdog.run` with a pass due every second on a fixed cadence) runs in
// this process on its own pool. Its lag is reported three ways: passes asked (slots due in the
// window) vs run, pass time p50/p99/max, and the age of the newest beat a pass saw (wall time at
// the pass's end minus the newest received time it read); this process's event-loop delay says
// whether the bench process itself was starved. One
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
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Watchdog, type WatchReport } from '../src/heartbeat/watchdog.js';
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
  const ages: number[] = [];
  let firstPass = NaN;
  let missed = 0;
  let late = 0;
  let failed = 0;
  let notOk = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  writeFileSync(goFile, String(Date.now()));
  const t0 = Date.now();
  // From 2 s in: the bots' warm-up beats (made while the others started) are long stale at go.
  await new Promise((res) => setTimeout(res, 2000));
  loop.enable();
  const stopAt = t0 + MS;
  const runStart = Date.now();
  const ac = new AbortController();
  const stop = setTimeout(() => ac.abort(), Math.max(0, stopAt - Date.now()));
  // The watchdog's own loop (`Watchdog.run`), as `warden watch` and the daemon run it.
  const timed = wd.run(1000, ac.signal, (r: WatchReport | Error) => {
    const end = Date.now();
    if (r instanceof Error) {
      failed++;
      return;
    }
    const took = end - r.at;
    if (Number.isNaN(firstPass)) firstPass = took;
    passes.push(took);
    if (r.newestReceivedAt !== null) ages.push(end - r.newestReceivedAt);
    missed += r.schedule?.missed ?? 0;
    if ((r.schedule?.lateMs ?? 0) > 100) late++;
    notOk += r.results.filter((x) => !x.ok).length;
  });
  const done = await Promise.all(kids.map((k) => k.waitFor('done', (l) => l['done'] === true, MS + 600_000)));
  await timed;
  clearTimeout(stop);
  loop.disable();
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
    asked: Math.ceil((stopAt - runStart) / 1000),
    passes: passes.length,
    missed,
    late,
    failed,
    firstPass,
    // After the first pass (which writes each name's first-expected time once per process).
    passP50: pct(passes.slice(1), 50),
    passP99: pct(passes.slice(1), 99),
    passMax: Math.max(...passes.slice(1)),
    ageP50: pct(ages, 50),
    ageMax: Math.max(...ages),
    loopP99: Math.round(loop.percentile(99) / 1e6),
    loopMax: Math.round(loop.max / 1e6),
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
    '| write | acked beats/s | vs warden | errors | median bot p99 ack ms | passes asked / run / skipped / >100 ms late / failed | first pass ms | later passes p50 / p99 / max ms | newest beat age p50 / max ms | bench event-loop delay p99 / max ms | not-ok verdicts |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const base = rows[0]!.rate;
  for (const r of rows)
    console.log(
      `| ${r.mode} | ${Math.round(r.rate).toLocaleString('en-US')} | ${(r.rate / base).toFixed(2)}x | ${r.errors} | ${r.p99ack} | ${r.asked} / ${r.passes} / ${r.missed} / ${r.late} / ${r.failed} | ${r.firstPass} | ${r.passP50} / ${r.passP99} / ${r.passMax} | ${r.ageP50} / ${r.ageMax} | ${r.loopP99} / ${r.loopMax} | ${r.notOk} |`,
    );
} finally {
  await Promise.all(kids.map((k) => k.kill('SIGKILL')));
  pg.destroy();
  rmSync(dir, { recursive: true, force: true });
}
