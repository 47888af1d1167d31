// One bot process of the heartbeat benchmark: its own PostgreSQL connection (a pool of one),
// beating its own name at `rate` beats/s (open loop: beats are due by the clock, not by the last
// answer) for `ms` once the go file appears. Modes: `warden` (heartbeats.record, group commit),
// `single` (Warden's named upsert, one statement per beat: the design before group commit),
// `peer` (a plain INSERT … ON CONFLICT DO UPDATE per beat, unprepared, nothing carried over).
// Prints `{ready}` then `{done, acked, late, sent, errors, p50, p99, lagP99, cpuMs, loopP99}`: beats
// acked inside the window and after it (in flight at its end), ack latency (ms), how late beats
// were sent after they fell due (p99, ms), this process's CPU time in the window and its
// event-loop delay p99 (ms).
import { existsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { BEAT_RECORD } from '../../src/store/postgres/pg-queries.js';

const [url, schema, name, mode, rateS, msS, goFile] = process.argv.slice(2) as [
  string,
  string,
  string,
  'warden' | 'single' | 'peer',
  string,
  string,
  string,
];
const rate = Number(rateS);
const ms = Number(msS);
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);

let store: PgStore | undefined;
for (let attempt = 1; store === undefined; attempt++) {
  try {
    store = await PgStore.open({ url, schema, mode: 'existing', poolSize: 1, timeoutMs: 30_000 });
  } catch (err) {
    if (attempt >= 30) throw err;
    await new Promise((r) => setTimeout(r, 500));
  }
}
const s = store;
const pool = s.connection.pool;
const PEER = `INSERT INTO heartbeats (name, at, kind, status, extra, received_at) VALUES ($1, $2, 'beat', 'ok', '{}', $3)
  ON CONFLICT (name) DO UPDATE SET at = excluded.at, kind = excluded.kind, status = excluded.status, received_at = excluded.received_at`;
const beat: (at: number) => Promise<unknown> =
  mode === 'warden'
    ? (at) => s.heartbeats.record({ name, at, kind: 'beat', status: 'ok' })
    : mode === 'single'
      ? (at) => pool.query({ ...BEAT_RECORD, values: [name, at, 'beat', 'ok', null, null, '{}', true] })
      : (at) => pool.query(PEER, [name, at, at]);
await beat(Date.now()); // connected, statement planned
say({ name, ready: true });
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 20));

const t0 = Date.now();
const cpu0 = process.cpuUsage();
// 20 ms: coarse enough not to add a wakeup per 5 ms tick to every bot (its figures are hundreds of ms).
const loop = monitorEventLoopDelay({ resolution: 20 });
loop.enable();
const lat: number[] = [];
const lag: number[] = [];
let sent = 0;
let acked = 0;
let late = 0;
let errors = 0;
let settled = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const now = Date.now();
    const due = Math.min(rate * ((Math.min(now, t0 + ms) - t0) / 1000), (rate * ms) / 1000);
    while (sent < due) {
      // How late this beat is sent after it fell due (the process's own pacing under load).
      lag.push(now - (t0 + (sent * 1000) / rate));
      sent++;
      const at = Date.now();
      beat(at).then(
        () => {
          settled++;
          // Only answers within the measured window count towards the rate.
          if (Date.now() <= t0 + ms) {
            acked++;
            lat.push(Date.now() - at);
          } else late++;
        },
        () => {
          settled++;
          errors++;
        },
      );
    }
    if (now >= t0 + ms) {
      clearInterval(tick);
      resolve();
    }
  }, 5);
});
const cpu = process.cpuUsage(cpu0);
loop.disable();
// The beats still in flight at the window's end: waited for (at most 5 s, well inside the
// statement timeout, so a backlog is not counted as errors), counted apart (`late`), not in the rate.
for (const until = Date.now() + 5000; settled < sent && Date.now() < until;)
  await new Promise((r) => setTimeout(r, 5));
const q = (xs: number[], p: number): number => {
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] ?? NaN;
};
say({
  name,
  done: true,
  acked,
  late,
  sent,
  errors,
  p50: q(lat, 0.5),
  p99: q(lat, 0.99),
  lagP99: q(lag, 0.99),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  loopP99: Math.round(loop.percentile(99) / 1e6),
});
await s.close();
process.exit(0);
