// The demo's trading bot: its own process. Each cycle it asks the kill switch before a
// (pretend) order and reports a heartbeat. Usage: demo-bot.ts DATA_DIR [CYCLE_MS]
import { join } from 'node:path';
import { SqliteStore } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { HeartbeatWriter } from '../heartbeat/index.js';

const dataDir = process.argv[2];
const cycleMs = Number(process.argv[3] ?? 250);
if (!dataDir || !(cycleMs > 0)) {
  process.stderr.write('usage: demo-bot DATA_DIR [CYCLE_MS]\n');
  process.exit(1);
}

const store = SqliteStore.open(join(dataDir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir, source: 'demo-bot', pollMs: 200 });
const hb = new HeartbeatWriter({ store, dataDir });
let cycle = 0;
let lastDecision = '';
const say = (s: string) => process.stdout.write(`${s}\n`);

const timer = setInterval(() => {
  cycle++;
  const d = ks.allows('new_risk');
  const line = d.allow
    ? 'placing orders'
    : `new risk denied (${d.reason}); reduce-only allowed: ${ks.allows('reduce_only').allow}`;
  if (line !== lastDecision) {
    say(`cycle ${cycle}: ${line}`);
    lastDecision = line;
  }
  hb.beat('bot', 'ok', { cycle }).catch((err: unknown) => say(`heartbeat failed: ${String(err)}`));
}, cycleMs);

const stop = () => {
  clearInterval(timer);
  void ks.close().then(() => store.close());
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
