// A bot process whose clock is off: beats once through the library with its clock moved by
// OFFSET_MS, then exits. Usage: skewed-beater.ts DATA_DIR OFFSET_MS [NAME]
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { HeartbeatWriter } from '../../src/heartbeat/index.js';

const [dataDir, offset, name = 'bot'] = process.argv.slice(2);
if (!dataDir || offset === undefined) throw new Error('usage: skewed-beater.ts DATA_DIR OFFSET_MS [NAME]');
const store = SqliteStore.open(join(dataDir, 'warden.db'));
const clock = { now: () => Date.now() + Number(offset) };
const rec = await new HeartbeatWriter({ store, dataDir, clock }).beat(name);
process.stdout.write(`${JSON.stringify(rec)}\n`);
await store.close();
