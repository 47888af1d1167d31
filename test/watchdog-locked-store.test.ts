// A bot frozen (SIGSTOP) while it holds SQLite's write lock makes every write of the watchdog's
// process wait out the busy timeout and fail. Found by the nine-step demo (stop 18): the watchdog
// recorded the incident (one wait), then alerted (another), then tripped (a third), and trading
// stayed open for three busy timeouts. The watchdog now trips first: the halt waits for one
// timeout at most, and is then held by the STOP file and circuit.json until the store takes it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { heartbeatExpectationSchema } from '../src/config/index.js';
import { HeartbeatWriter } from '../src/heartbeat/heartbeat.js';
import { Watchdog } from '../src/heartbeat/watchdog.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { SqliteStore } from '../src/store/index.js';
import type { AlertInput } from '../src/util/alert-sink.js';
import { ManualClock } from '../src/util/clock.js';
import { procState } from './helpers/proc-state.js';
import { until } from './helpers/until.js';

const HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.kill(process.pid, 'SIGSTOP');
setInterval(() => {}, 1000);
`;

describe('the watchdog while a frozen process holds the store write lock', () => {
  it('halts before it records the incident or alerts, by the STOP file; the trip is recorded once the lock is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-wd-locked-'));
    const db = join(dir, 'warden.db');
    const clock = new ManualClock(Date.now());
    // a short busy timeout keeps the test quick; the order of the writes is what is tested
    const store = SqliteStore.open(db, { clock, busyTimeoutMs: 300 });
    const seen: { title: string; body: string; halted: boolean }[] = [];
    let ks: KillSwitch | null = null;
    const alerts = {
      alert: (a: AlertInput) =>
        Promise.resolve(void seen.push({ title: a.title, body: a.body, halted: ks!.isHalted() })),
    };
    ks = await KillSwitch.open({ store, dataDir: dir, clock, alerts, pollMs: 0, source: 'watchdog' });
    await new HeartbeatWriter({ store, dataDir: dir, clock }).beat('bot');
    const dog = new Watchdog({
      store,
      expectations: [heartbeatExpectationSchema.parse({ name: 'bot', periodSec: 1, graceSec: 1 })],
      killSwitch: ks,
      alerts,
      clock,
    });
    assert.equal((await dog.check()).results[0]?.ok, true);
    const holder = spawn(process.execPath, ['-e', HOLDER, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    holder.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await until('the holder to take the write lock', () => out.includes('locked'));
      await until('the holder to be stopped', () => procState(holder.pid!) === 'T');
      clock.advance(5_000);
      const r = await dog.check();
      assert.equal(r.results[0]?.ok, false);
      assert.equal(r.tripped, true);
      assert.equal(ks.isHalted(), true);
      assert.ok(existsSync(join(dir, 'STOP')), 'halted by the STOP file: the store refused the trip');
      const late = seen.find((s) => s.title === 'Heartbeat bot: late');
      assert.ok(late, JSON.stringify(seen));
      assert.equal(late.halted, true, 'trading was already halted when the late heartbeat was alerted');
      assert.equal(seen[0]!.halted, true, `the first alert came after the halt: ${JSON.stringify(seen)}`);
      const unrecorded = seen.find((s) => s.title.startsWith('Trading halted (trip NOT recorded'));
      assert.match(unrecorded?.body ?? '', /Another process holds the store's write lock/);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('close', r));
    }
    // the lock is gone: the next read records the held trip, and trading stays halted
    await ks.refresh();
    const latest = await store.killSwitch.latest();
    assert.equal(latest?.action, 'trip');
    assert.equal(latest?.by, 'watchdog');
    assert.equal(ks.isHalted(), true);
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
