// A process that writes kill-switch changes and heartbeats as fast as it can, forever, so a
// test can SIGKILL it at a random moment. Usage: crash-writer.ts DATA_DIR
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { KillSwitch } from '../../src/killswitch/index.js';
import { HeartbeatWriter } from '../../src/heartbeat/index.js';

const dataDir = process.argv[2]!;
const store = SqliteStore.open(join(dataDir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir, source: 'crash-writer', pollMs: 0 });
const hb = new HeartbeatWriter({ store, dataDir });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await ks.trip({ reason: `trip ${i}` });
  await hb.beat('bot', 'ok', { i, pad: 'x'.repeat(i % 500) });
  await ks.resume({ reason: `resume ${i}`, by: 'crash-writer' });
}
