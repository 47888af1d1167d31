// A process on the shared PostgreSQL store, for the fleet process tests. Job in env PG_JOB:
// { url, schema, mode: 'cas' | 'alerts', rounds?, hook? }. Prints `{"ready":true}`, waits for a
// line on stdin (so every worker starts at once), then one JSON line per outcome.
//   cas:    `rounds` times: read the kill switch's newest event, append a trip only if it is still
//           the newest (appendIfLatest). Prints {won, expected} or {lost, expected}.
//   alerts: an Alerter on the store sending to the webhook `hook`, flushing until the outbox has
//           nothing pending. Prints {sent}.
import { createInterface } from 'node:readline';
import { Alerter } from '../../src/alerts/index.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';

interface Job {
  readonly url: string;
  readonly schema: string;
  readonly mode: 'cas' | 'alerts';
  readonly rounds?: number;
  readonly hook?: string;
}

const job = JSON.parse(process.env['PG_JOB'] ?? '{}') as Job;
const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
const store = await PgStore.open({ url: job.url, schema: job.schema, poolSize: 2 });
say({ ready: true, pid: process.pid });
const rl = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => rl.once('line', () => resolve()));
rl.close();

if (job.mode === 'cas') {
  for (let i = 0; i < (job.rounds ?? 20); i++) {
    const expected = (await store.killSwitch.latest())?.id ?? null;
    const r = await store.killSwitch.appendIfLatest(expected, {
      action: 'trip',
      at: Date.now(),
      reason: `race ${process.pid} ${i}`,
      by: 'racer',
      source: 'test',
      host: 'h',
      pid: process.pid,
      flatten: false,
    });
    say(r.ok ? { won: r.event.id, expected } : { lost: true, expected });
  }
} else {
  const alerter = new Alerter({
    store,
    channels: [{ type: 'webhook', url: job.hook! }],
    ratePerMinute: 100_000,
    maxAttempts: 5,
    batchSize: 3,
    log: () => {},
  });
  let sent = 0;
  for (;;) {
    sent += (await alerter.flush()).sent;
    if ((await store.alerts.list({ status: 'pending', limit: 1 })).length === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await alerter.close();
  say({ sent });
}
await store.close();
