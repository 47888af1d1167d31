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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivatePg } from '../test/helpers/private-pg.js';
import { openFleetStore } from '../test/helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from '../test/helpers/json-lines-child.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Watchdog, type WatchReport } from '../src/heartbeat/watchdog.js';
import { parseConfig } from '../src/config/index.js';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { BEAT_LIST, INCIDENT_LIST } from '../src/store/postgres/pg-queries.js';

const BOTS = Number(process.env['FLEET_BOTS'] ?? 50);
const RATE = Number(process.env['FLEET_BEAT_RATE'] ?? 200);
const MS = Number(process.env['FLEET_BEAT_MS'] ?? 10_000);
const MODES = (process.env['FLEET_BEAT_MODES'] ?? 'warden,single,peer').split(',') as (
  'warden' | 'single' | 'peer'
)[];

/** FLEET_EXPLAIN=1: the watchdog pass's two reads under EXPLAIN ANALYZE, mid-window and at its end. */
const EXPLAIN = process.env['FLEET_EXPLAIN'] === '1';

async function explain(store: PgStore, when: string): Promise<void> {
  const pool = store.connection.pool;
  for (const q of [BEAT_LIST, INCIDENT_LIST]) {
    const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q}`);
    console.log(`-- ${when}: ${q}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  const t = await pool.query(
    `SELECT relname, n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, autovacuum_count,
       pg_relation_size(relid) AS bytes FROM pg_stat_user_tables WHERE relname IN ('heartbeats', 'incidents', 'kv')`,
  );
  console.log(`-- ${when}: ${JSON.stringify(t.rows)}`);
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** CPU time (user + system, ms) these processes have used so far, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process is gone
    }
  }
  return ticks * 10;
}

/** The whole machine's CPU time so far (ms): busy (not idle or iowait) and in all. */
function machineCpuMs(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - f[3]! - f[4]!) * 10, total: total * 10 };
}

const pg = await startPrivatePg({ maxConnections: BOTS + 40, fsync: true });
const dir = mkdtempSync(join(tmpdir(), 'warden-beat-bench-'));
let kids: JsonChild[] = [];

type Mode = (typeof MODES)[number];

/** One round: the bots beat for MS while the watchdog runs; what each side saw, and the CPU it took. */
async function round(mode: Mode) {
  const schema = `warden_bench_beats_${mode}`;
  const store = await openFleetStore(pg.url, schema, { timeoutMs: 30_000, poolSize: 4 });
  const goFile = join(dir, `go-${mode}`);
  await startBots(schema, mode, goFile);
  const config = parseConfig({
    heartbeats: Array.from({ length: BOTS }, (_, i) => ({ name: `bot${i}`, periodSec: 1, graceSec: 2 })),
  });
  const wd = new Watchdog({ store, expectations: config.heartbeats });
  // The server's processes (backends and background workers), for their CPU time in the window.
  const serverPids = (
    await store.connection.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity')
  ).rows.map((r) => r.pid);
  const cpu0 = cpuNow(serverPids);
  const w = await watchWindow(store, wd, goFile);
  const cpu = cpuSince(cpu0, serverPids);
  if (EXPLAIN) await explain(store, 'end of window');
  const done = await Promise.all(kids.map((k) => k.waitFor('done', (l) => l['done'] === true, MS + 600_000)));
  w.loop.disable();
  await Promise.all(kids.map((k) => k.kill()));
  await store.close();
  return summarise(mode, done, cpu, w);
}

/**
 * Spawns the bot processes into `kids` (so the end of the bench kills them whatever happens), each
 * beating its own name once the go file appears; resolves when all are ready.
 */
async function startBots(schema: string, mode: Mode, goFile: string): Promise<void> {
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
}

type CpuMark = {
  server: number;
  bots: number;
  bench: NodeJS.CpuUsage;
  machine: { busy: number; total: number };
};

/** The CPU time used so far by the server, the bots, this process and the machine. */
function cpuNow(serverPids: readonly number[]): CpuMark {
  return {
    server: cpuMsOf(serverPids),
    bots: cpuMsOf(kids.map((k) => k.proc.pid!)),
    bench: process.cpuUsage(),
    machine: machineCpuMs(),
  };
}

/** The CPU time each used since `cpu0` (ms), and the machine's busy share. */
function cpuSince(cpu0: CpuMark, serverPids: readonly number[]) {
  const machine = machineCpuMs();
  const benchCpu = process.cpuUsage(cpu0.bench);
  return {
    server: cpuMsOf(serverPids) - cpu0.server,
    bots: cpuMsOf(kids.map((k) => k.proc.pid!)) - cpu0.bots,
    bench: Math.round((benchCpu.user + benchCpu.system) / 1000),
    busy: (machine.busy - cpu0.machine.busy) / (machine.total - cpu0.machine.total),
  };
}

/**
 * Says go, and runs the watchdog's own loop (`Watchdog.run`, as `warden watch` and the daemon run
 * it) to the end of the window: each pass's time, the newest beat's age it saw, slots skipped or
 * late, failed passes and not-ok verdicts; the event-loop delay histogram (still enabled).
 */
async function watchWindow(store: PgStore, wd: Watchdog, goFile: string) {
  const passes: number[] = [];
  const ages: number[] = [];
  const w = {
    passes,
    ages,
    firstPass: NaN,
    missed: 0,
    late: 0,
    failed: 0,
    notOk: 0,
    asked: 0,
    loop: monitorEventLoopDelay({ resolution: 10 }),
  };
  writeFileSync(goFile, String(Date.now()));
  const t0 = Date.now();
  // From 2 s in: the bots' warm-up beats (made while the others started) are long stale at go.
  await new Promise((res) => setTimeout(res, 2000));
  w.loop.enable();
  const stopAt = t0 + MS;
  const runStart = Date.now();
  const ac = new AbortController();
  const stop = setTimeout(() => ac.abort(), Math.max(0, stopAt - Date.now()));
  const timed = wd.run(1000, ac.signal, (r: WatchReport | Error) => {
    const end = Date.now();
    if (r instanceof Error) {
      w.failed++;
      return;
    }
    const took = end - r.at;
    if (Number.isNaN(w.firstPass)) w.firstPass = took;
    passes.push(took);
    if (r.newestReceivedAt !== null) ages.push(end - r.newestReceivedAt);
    w.missed += r.schedule?.missed ?? 0;
    if ((r.schedule?.lateMs ?? 0) > 100) w.late++;
    w.notOk += r.results.filter((x) => !x.ok).length;
  });
  const explained = EXPLAIN ? setTimeout(() => void explain(store, 'mid-window'), MS / 2) : undefined;
  await timed;
  clearTimeout(stop);
  clearTimeout(explained);
  w.asked = Math.ceil((stopAt - runStart) / 1000);
  return w;
}

/** One round's row: the bots' own counts (their `done` lines), the CPU, and the watchdog's window. */
function summarise(
  mode: Mode,
  done: Record<string, unknown>[],
  cpu: ReturnType<typeof cpuSince>,
  w: Awaited<ReturnType<typeof watchWindow>>,
) {
  const { passes, ages } = w;
  const sum = (k: string) => done.reduce((n, l) => n + Number(l[k]), 0);
  const med = (k: string) =>
    pct(
      done.map((l) => Number(l[k])),
      50,
    );
  const acked = sum('acked');
  return {
    mode,
    rate: (acked * 1000) / MS,
    offered: BOTS * RATE * (MS / 1000),
    sent: sum('sent'),
    acked,
    lateAcks: sum('late'),
    lagP99: med('lagP99'),
    lagMax: Math.max(...done.map((l) => Number(l['lagP99']))),
    botLoopP99: med('loopP99'),
    cpu,
    errors: sum('errors'),
    p99ack: med('p99'),
    asked: w.asked,
    passes: passes.length,
    missed: w.missed,
    late: w.late,
    failed: w.failed,
    firstPass: w.firstPass,
    // After the first pass (which writes each name's first-expected time once per process).
    passP50: pct(passes.slice(1), 50),
    passP99: pct(passes.slice(1), 99),
    passMax: Math.max(...passes.slice(1)),
    ageP50: pct(ages, 50),
    ageMax: Math.max(...ages),
    loopP99: Math.round(w.loop.percentile(99) / 1e6),
    loopMax: Math.round(w.loop.max / 1e6),
    notOk: w.notOk,
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
  console.log('');
  console.log(
    'Where the beats went (in the window: acked before its end; late: in flight at its end, acked after) and where the CPU went (ms in the window, 2 cores):',
  );
  console.log(
    '| write | offered | sent | acked in window | acked / offered | acked late | bots send lag p99 median / max ms | bots event-loop p99 median ms | CPU bots / server / bench ms | machine busy |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(
      `| ${r.mode} | ${r.offered} | ${r.sent} | ${r.acked} | ${(r.acked / r.offered).toFixed(4)} | ${r.lateAcks} | ${r.lagP99} / ${r.lagMax} | ${r.botLoopP99} | ${r.cpu.bots} / ${r.cpu.server} / ${r.cpu.bench} | ${(100 * r.cpu.busy).toFixed(0)} % |`,
    );
} finally {
  await Promise.all(kids.map((k) => k.kill('SIGKILL')));
  pg.destroy();
  rmSync(dir, { recursive: true, force: true });
}
