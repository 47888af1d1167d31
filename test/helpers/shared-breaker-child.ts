// A bot process sharing its exchange breaker through the PostgreSQL store. Every `everyMs` it
// calls the "exchange" (a real HTTP server of the test, `?who=<name>`) through a CircuitBreaker
// (3 consecutive failures trip it, open `openMs`) that a SharedBreaker shares on account `acct`;
// with `everyMs` 0 it never calls (an observer). Prints `{ready}`, then one line per state change
// `{ state, reason, at }` and per refused call after a change `{ rejected, state, at }`.
import { CircuitBreaker, ConsecutiveRule } from '../../src/resilience/index.js';
import { PgChangeFeed, SharedBreaker } from '../../src/fleet/index.js';
import { openFleetStore } from './pg-test-schema.js';

const [url, schema, name, exchange, everyMs, openMs, leaseMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const say = (v: unknown): void =>
  void process.stdout.write(`${JSON.stringify({ name, ...(v as object) })}\n`);
const store = await openFleetStore(url, schema, { timeoutMs: 1000, poolSize: 2, mode: 'existing' });
const breaker = new CircuitBreaker({
  name: 'exchange:sim',
  rule: new ConsecutiveRule(3),
  openMs: Number(openMs),
  probeTimeoutMs: 120_000,
});
const feed = new PgChangeFeed({ connectionString: url, schema, pollMs: 0, timeoutMs: 1000 });
const shared = new SharedBreaker({
  breaker,
  repo: store.sharedBreakers,
  account: 'acct',
  owner: name,
  feed,
  pollMs: 1000,
  probeLeaseMs: Number(leaseMs),
  onError: (err) => process.stderr.write(`${name}: ${String(err)}\n`),
});
let reportReject = true;
breaker.onStateChange((e) => {
  reportReject = true;
  say({ state: e.to.state, reason: e.reason, at: Date.now() });
});
await new Promise<void>((resolve) => {
  const d = feed.onConnection((c) => {
    if (c.state === 'listening') {
      d.dispose();
      resolve();
    }
  });
});
say({ ready: true, at: Date.now() });
const call = async (): Promise<void> => {
  const r = await fetch(`${exchange}/?who=${name}`);
  await r.text();
  if (!r.ok) throw new Error(`exchange answered ${r.status}`);
};
let timer: NodeJS.Timeout | undefined;
if (Number(everyMs) > 0)
  timer = setInterval(() => {
    breaker.execute(call).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'E_CIRCUIT_OPEN' && reportReject) {
        reportReject = false;
        say({ rejected: true, state: breaker.state, at: Date.now() });
      }
    });
  }, Number(everyMs));
process.on('SIGTERM', () => {
  if (timer) clearInterval(timer);
  void shared
    .close()
    .then(() => feed.close())
    .then(() => store.close())
    .then(() => process.exit(0));
});
