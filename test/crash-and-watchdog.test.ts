import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { ROOT, WARDEN, warden, workspace } from './helpers/cli.js';
import { SqliteStore } from '../src/store/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { runWatchdogTour } from '../src/demo/watchdog-tour.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('processes: kill -9 and the independent watchdog', () => {
  it('kill -9 in the middle of writes leaves the store and the mirrored files intact', async () => {
    const w = workspace();
    mkdirSync(w.dataDir, { recursive: true });
    SqliteStore.open(join(w.dataDir, 'warden.db')).database.close();
    for (let round = 0; round < 4; round++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'test/helpers/crash-writer.ts'), w.dataDir],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await once(child.stdout!, 'data');
      await sleep(150 + Math.floor(Math.random() * 400));
      child.kill('SIGKILL');
      await once(child, 'exit');

      const db = new Database(join(w.dataDir, 'warden.db'));
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
      // The mirrors were replaced atomically: each parses whatever instant the kill hit.
      const circuit = JSON.parse(readFileSync(join(w.dataDir, 'circuit.json'), 'utf8')) as {
        paused: boolean;
      };
      assert.equal(typeof circuit.paused, 'boolean');
      const beat = JSON.parse(readFileSync(join(w.dataDir, 'heartbeat.json'), 'utf8')) as {
        at: number;
        status: string;
      };
      assert.equal(beat.status, 'ok');
      // After a refresh the mirror agrees with the store (a crash between the two writes is repaired).
      const store = SqliteStore.open(join(w.dataDir, 'warden.db'));
      const ks = await KillSwitch.open({ store, dataDir: w.dataDir, pollMs: 0 });
      const latest = await store.killSwitch.latest();
      const after = JSON.parse(readFileSync(join(w.dataDir, 'circuit.json'), 'utf8')) as { paused: boolean };
      assert.equal(after.paused, latest?.action === 'trip');
      assert.equal(ks.isHalted(), latest?.action === 'trip');
      await ks.close();
      await store.close();
    }
  });

  it('the watchdog process trips the kill switch when the bot is killed -9, and alerts once', async () => {
    const w = workspace({
      heartbeats: [{ name: 'bot', periodSec: 0.3, graceSec: 0.5 }],
      alerts: { channels: [{ type: 'stderr' }] },
    });
    mkdirSync(w.dataDir, { recursive: true });
    SqliteStore.open(join(w.dataDir, 'warden.db')).database.close();
    const bot = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/demo/demo-bot.ts'), w.dataDir, '100'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await once(bot.stdout!, 'data');
    const dog = spawn(process.execPath, [WARDEN, ...w.args, 'watch', '--interval-sec', '0.1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let alerts = '';
    dog.stderr!.on('data', (b: Buffer) => (alerts += b.toString()));
    try {
      await sleep(1500);
      assert.equal((await warden([...w.args, 'status'])).code, 0, 'running while the bot beats');
      bot.kill('SIGKILL');
      const killedAt = Date.now();
      let status = await warden([...w.args, 'status', '--json']);
      while (status.code === 0 && Date.now() - killedAt < 10_000) {
        await sleep(100);
        status = await warden([...w.args, 'status', '--json']);
      }
      const s = JSON.parse(status.stdout) as { halted: boolean; by: string; reason: string };
      assert.equal(s.halted, true);
      assert.equal(s.by, 'watchdog');
      assert.match(s.reason, /heartbeat bot stale/);
      await sleep(500);
      assert.equal(alerts.match(/Heartbeat bot: late/g)?.length, 1, 'one alert per incident');
      assert.equal(alerts.match(/Trading halted/g)?.length, 1);
    } finally {
      dog.kill('SIGTERM');
      bot.kill('SIGKILL');
    }
    const [code] = (await once(dog, 'exit')) as [number | null];
    assert.equal(code, 0, 'the watchdog stops cleanly on SIGTERM');
  });

  it('warden watch --once exits 1 on an unhealthy heartbeat and names an unknown --only', async () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 0, file: 'py.json' }] });
    mkdirSync(w.dataDir, { recursive: true });
    writeFileSync(
      join(w.dataDir, 'py.json'),
      JSON.stringify({ at: Date.now() / 1000 - 3600, iso: '', status: 'ok' }),
    );
    const r = await warden([...w.args, 'watch', '--once']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL bot: heartbeat bot stale/);
    const u = await warden([...w.args, 'watch', '--once', '--only', 'nobot']);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /unknown heartbeat "nobot": configured are bot/);
    const none = workspace();
    assert.match((await warden([...none.args, 'watch', '--once'])).stderr, /no heartbeats configured/);
  });

  it('the watchdog tour halts on a frozen bot and resumes on purpose', async () => {
    const lines: string[] = [];
    const r = await runWatchdogTour({ freezeSec: 8, write: (l) => lines.push(l) });
    assert.equal(r.halted, true, lines.join('\n'));
    assert.equal(r.resumed, true, lines.join('\n'));
    const text = lines.join('\n');
    assert.match(text, /refused: resume refused: it needs a name/);
    assert.match(text, /new risk denied/);
    // The watchdog logs pino JSON; the demo narrates its messages, not raw JSON.
    assert.match(text, /\[watchdog\] FAIL bot: heartbeat bot stale/);
    assert.doesNotMatch(text, /\[watchdog\] \{/);
  });
});
