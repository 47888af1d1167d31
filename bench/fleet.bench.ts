// Fleet propagation: one trip, N bot processes (each its own PostgreSQL connections: a pool of
// one for reads and the change feed's LISTEN session), the time until each first denies new
// risk. Once with NOTIFY, once with notifications off (the poll alone). On a private PostgreSQL
// instance (initdb in a temp dir), so the shared server's connection limit is not touched.
//   npx tsx bench/fleet.bench.ts            (FLEET_BOTS=50 FLEET_POLL_MS=1000 by default)
import { hostname } from 'node:os';
import { startPrivatePg } from '../test/helpers/private-pg.js';
import { openFleetStore } from '../test/helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from '../test/helpers/json-lines-child.js';

const BOTS = Number(process.env['FLEET_BOTS'] ?? 50);
const POLL_MS = Number(process.env['FLEET_POLL_MS'] ?? 1000);
const schema = 'warden_bench_fleet';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const pg = await startPrivatePg({ maxConnections: 4 * BOTS + 20 });
const store = await openFleetStore(pg.url, schema, { timeoutMs: 10_000 });
let kids: JsonChild[] = [];

async function round(notify: boolean): Promise<number[]> {
  kids = [];
  for (let i = 0; i < BOTS; i++)
    kids.push(
      spawnJsonChild('fleet-bot-child.ts', [
        pg.url,
        schema,
        `bot${i}`,
        String(POLL_MS * 10),
        String(POLL_MS),
        notify ? 'on' : 'off',
      ]),
    );
  await Promise.all(kids.map((k) => k.waitFor('ready', (l) => l['ready'] === true, 300_000)));
  // Let every poll settle (ready is printed once listening; the first read is done before).
  await new Promise((r) => setTimeout(r, 2 * POLL_MS));
  const latest = await store.killSwitch.latest();
  const t0 = Date.now();
  await store.killSwitch.appendIfLatest(latest?.id ?? null, {
    action: 'trip',
    at: t0,
    reason: 'bench trip',
    by: 'bench',
    source: 'bench',
    host: hostname(),
    pid: process.pid,
    flatten: false,
  });
  const denied = await Promise.all(
    // Only a denial for this trip counts (not a read that timed out under load: that halts too, but says so).
    kids.map((k) =>
      k.waitFor(
        'denies',
        (l) => l['denies'] === true && Number(l['at']) >= t0 && String(l['reason']).startsWith('bench trip'),
        60_000,
      ),
    ),
  );
  const latencies = denied.map((l) => Number(l['at']) - t0);
  const trip = await store.killSwitch.latest();
  await store.killSwitch.appendIfLatest(trip!.id, {
    action: 'resume',
    at: Date.now(),
    reason: 'bench resume',
    by: 'bench',
    source: 'bench',
    host: hostname(),
    pid: process.pid,
    flatten: false,
    clears: trip!.id,
  });
  await Promise.all(kids.map((k) => k.kill()));
  return latencies;
}

try {
  const rows: [string, number[]][] = [
    ['NOTIFY + poll', await round(true)],
    ['poll only', await round(false)],
  ];
  console.log(
    `${BOTS} bot processes, poll ${POLL_MS} ms; ms from the trip's commit call to each bot's first denial`,
  );
  for (const [name, xs] of rows)
    console.log(
      `${name.padEnd(14)} p50 ${pct(xs, 50).toFixed(0).padStart(5)}  p99 ${pct(xs, 99).toFixed(0).padStart(5)}  max ${Math.max(
        ...xs,
      )
        .toFixed(0)
        .padStart(5)}`,
    );
  const [n, p] = rows.map(([, xs]) => pct(xs, 99));
  console.log(`p99 ratio poll-only / NOTIFY: ${(p! / n!).toFixed(1)}x`);
} finally {
  await Promise.all(kids.map((k) => k.kill('SIGKILL')));
  await store.close();
  pg.destroy();
}
