// A bot's strategy check on its own "host": a StrategyBreaker reading the PostgreSQL store's
// strategy state, polled every `pollMs` and (unless `notify` is `off`) woken by the change feed.
// Prints `{ready}` once the first read is done (and the feed listens), then one line per change
// of the answer for `key`, stamped with this process's clock: `{ allow, reason, at }`.
import { StrategyBreaker } from '../../src/strategy/runtime/strategy-breaker.js';
import { PgChangeFeed, wakeOnChanges } from '../../src/fleet/index.js';
import { openFleetStore } from './pg-test-schema.js';

const [url, schema, key, pollMs, notify] = process.argv.slice(2) as [string, string, string, string, string];
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const store = await openFleetStore(url, schema, { timeoutMs: 1000, poolSize: 1, mode: 'existing' });
const breaker = new StrategyBreaker({
  statePath: '',
  reloadIntervalMs: Number(pollMs),
  source: { repo: store.strategyState, leaseMs: 60_000 },
});
await breaker.ready();
let feed: PgChangeFeed | null = null;
if (notify !== 'off') {
  const f = new PgChangeFeed({ connectionString: url, schema, pollMs: 0, timeoutMs: 1000 });
  feed = f;
  wakeOnChanges(f, { strategy: breaker });
  await new Promise<void>((resolve) => {
    const d = f.onConnection((c) => {
      if (c.state === 'listening') {
        d.dispose();
        resolve();
      }
    });
  });
}
let last = breaker.check(key);
say({ ready: true, allow: last.allow, reason: last.reason, at: Date.now() });
// The hot path is synchronous and reads nothing: look every 5 ms for the answer to change.
const timer = setInterval(() => {
  const r = breaker.check(key);
  if (r !== last) {
    last = r;
    say({ allow: r.allow, reason: r.reason, version: breaker.version, at: Date.now() });
  }
}, 5);
process.on('SIGTERM', () => {
  clearInterval(timer);
  breaker.close();
  void (feed?.close() ?? Promise.resolve()).then(() => store.close()).then(() => process.exit(0));
});
