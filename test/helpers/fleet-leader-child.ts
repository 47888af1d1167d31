// A daemon stand-in for the failover test: campaigns for the fleet's leadership and, while it
// leads, runs a duty that writes one tick a 100 ms into <schema>.duty_ticks (the stand-in for the
// watchdog's alerts: two leaders at once would interleave their ticks). One JSON line per change.
import { LeaderElection } from '../../src/fleet/index.js';
import { loadPg } from '../../src/fleet/pg-session.js';

const [url, schema, name] = process.argv.slice(2) as [string, string, string];
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const { Pool } = loadPg();
const pool = new Pool({ connectionString: url, max: 1 });
pool.on('error', () => undefined);
const election = new LeaderElection({
  connectionString: url,
  schema,
  applicationName: `leader-${name}`,
});
election.onChange((r) => say({ name, pid: process.pid, role: r.role, at: Date.now() }));
election.duty(() => {
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    pool
      .query(`INSERT INTO ${schema}.duty_ticks (pid, name, at) VALUES ($1, $2, clock_timestamp())`, [
        process.pid,
        name,
      ])
      .catch(() => undefined)
      .finally(() => setTimeout(tick, 100));
  };
  tick();
  return { close: () => void (stopped = true) };
});
election.start();
say({ name, pid: process.pid, started: true });
process.on('SIGTERM', () => {
  void election
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);
