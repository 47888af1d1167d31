// A bot on its own "host" (own data dir, own connections): a KillSwitch over the PostgreSQL
// store, woken by the change feed, with the lease. One JSON line per state change, stamped with
// this process's clock: `{ halted, source, reason, at }`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch } from '../../src/killswitch/index.js';
import { PgChangeFeed, wakeOnChanges } from '../../src/fleet/index.js';
import { openFleetStore } from './pg-test-schema.js';

const [url, schema, name, leaseMs, pollMs, notify] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const dataDir = mkdtempSync(join(tmpdir(), `warden-bot-${name}-`));
// 50 of these starting at once on 2 cores can take seconds to connect: retry the open (start-up is not measured).
async function openStore(): Promise<Awaited<ReturnType<typeof openFleetStore>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openFleetStore(url, schema, { timeoutMs: 5000, poolSize: 1, mode: 'existing' });
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
const store = await openStore();
const ks = await KillSwitch.open({ store, dataDir, pollMs: 0, leaseMs: Number(leaseMs), source: name });
const feed = new PgChangeFeed({
  connectionString: url,
  schema,
  pollMs: Number(pollMs),
  notifications: notify !== 'off',
  timeoutMs: 1000,
  applicationName: `bot-feed-${name}`,
});
ks.onChange((s) =>
  say({
    name,
    at: Date.now(),
    halted: s.halted,
    denies: !ks.allows('new_risk').allow,
    source: s.halted ? s.source : null,
    reason: s.halted ? s.reason : null,
  }),
);
wakeOnChanges(feed, { killSwitch: ks });
const ready = (): void => say({ name, ready: true, halted: ks.isHalted(), at: Date.now() });
if (notify === 'off') ready();
else
  feed.onConnection((c) => {
    if (c.state === 'listening') ready();
  });
process.on('SIGTERM', () => {
  void feed
    .close()
    .then(() => ks.close())
    .then(() => store.close())
    .then(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);
