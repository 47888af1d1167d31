// Opens a kill switch and calls isHalted() N times: run under strace to count system calls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { KillSwitch } from '../../src/killswitch/index.js';

const n = Number(process.argv[2] ?? 0);
const dir = mkdtempSync(join(tmpdir(), 'warden-halt-loop-'));
const store = SqliteStore.open(join(dir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0 });
let halted = 0;
for (let i = 0; i < n; i++) if (ks.isHalted()) halted++;
await ks.close();
await store.close();
process.stdout.write(`${halted}\n`);
