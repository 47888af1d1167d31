// A bot process built on openWarden (the in-process simulator as its venue) over the config given
// as JSON in argv[2] (fleet mode: a PostgreSQL store). Prints `{ready, pid}` once open, then one
// line per change of what its hot path answers, stamped with this process's clock:
// `{ what: 'killswitch' | 'strategy', allow, reason, at }` (the strategy key is argv[3]).
import { createBotWorld } from '../../src/runtime/runtime-test-rig.js';

const [configJson, key] = process.argv.slice(2) as [string, string];
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const world = await createBotWorld(JSON.parse(configJson) as Record<string, unknown>);
const w = await world.open();
let ks = w.killSwitch.allows('new_risk');
let st = w.strategy.check(key);
say({ ready: true, pid: process.pid, ks: ks.allow, strategy: st.allow, at: Date.now() });
// The hot path reads nothing: look every 5 ms for either answer to change.
const timer = setInterval(() => {
  const k = w.killSwitch.allows('new_risk');
  if (k.allow !== ks.allow) say({ what: 'killswitch', allow: k.allow, reason: k.reason, at: Date.now() });
  ks = k;
  const s = w.strategy.check(key);
  if (s !== st) say({ what: 'strategy', allow: s.allow, reason: s.reason, at: Date.now() });
  st = s;
}, 5);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void world.destroy().then(() => process.exit(0));
});
