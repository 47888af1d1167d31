import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, WARDEN, warden } from './helpers/cli.js';
import { TestHttpServer } from '../src/alerts/test-http-server.js';
import { SqliteStore } from '../src/store/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A real tmpfs of `size` mounted on a fresh dir; `fill()` writes zeros until ENOSPC. */
function tmpfs(size: string) {
  const mnt = mkdtempSync(join(tmpdir(), 'warden-tmpfs-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(m.status, 0, `mount tmpfs (the test needs root): ${m.stderr}`);
  return {
    mnt,
    fill() {
      const r = spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=4096'], { encoding: 'utf8' });
      assert.match(r.stderr, /No space left on device/, 'dd filled the filesystem');
    },
    free() {
      rmSync(join(mnt, 'fill'), { force: true });
    },
    unmount() {
      spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    },
  };
}

interface Rig {
  dataDir: string;
  args: string[];
  hook: TestHttpServer;
  serve: ChildProcess;
  stderr: () => string;
  bot: ChildProcess;
}

/** A data dir on the tmpfs, `warden serve` watching a bot that beats every 200 ms. */
async function rig(fs: ReturnType<typeof tmpfs>, killSwitch: Record<string, unknown>): Promise<Rig> {
  const hook = await TestHttpServer.start();
  const cfgDir = mkdtempSync(join(tmpdir(), 'warden-fullcfg-'));
  const cfg = join(cfgDir, 'warden.config.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      killSwitch: { pollMs: 200, ...killSwitch },
      heartbeats: [{ name: 'bot', periodSec: 0.5, graceSec: 1, tripOnFailure: true }],
      watchdog: { intervalSec: 0.2 },
      alerts: { channels: [{ type: 'webhook', url: `${hook.base}/hook` }, { type: 'stderr' }] },
    }),
  );
  const dataDir = join(fs.mnt, 'data');
  const args = ['--config', cfg, '--data-dir', dataDir];
  const init = await warden([...args, 'init']);
  assert.equal(init.code, 0, init.stderr);
  const bot = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/demo/demo-bot.ts'), dataDir, '200'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await once(bot.stdout!, 'data');
  const serve = spawn(process.execPath, [WARDEN, ...args, 'serve', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  serve.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  for await (const line of createInterface({ input: serve.stdout! })) if (/listening on/.test(line)) break;
  serve.stdout!.resume();
  assert.equal((await warden([...args, 'status'])).code, 0, 'running while the bot beats');
  return { dataDir, args, hook, serve, bot, stderr: () => err };
}

async function stop(r: Rig | undefined): Promise<void> {
  if (!r) return;
  r.bot.kill('SIGKILL');
  r.serve.kill('SIGTERM');
  if (r.serve.exitCode === null) await once(r.serve, 'exit');
  await r.hook.close();
}

const hookTitles = (h: TestHttpServer): string[] =>
  h.requests.map((q) => String((q.json as { title?: unknown }).title ?? ''));

describe('kill switch on a full disk: warden serve still halts and alerts (issue 8 item 3)', () => {
  describe('no reserve left: the halt lives in the STOP file, circuit.json and the daemon memory', () => {
    const fs = tmpfs('512k');
    let r: Rig | undefined;
    before(async () => {
      r = await rig(fs, { reserveBytes: 0 });
    });
    after(async () => {
      await stop(r);
      fs.unmount();
    });

    it('trips without a store record, alerts from memory, shouts, and readers see halted', async () => {
      const { dataDir, args, hook } = r!;
      fs.fill();
      r!.bot.kill('SIGKILL'); // the bot dies; its heartbeat goes late
      await until('the STOP file', () => existsSync(join(dataDir, 'STOP')));
      await until('the alert sent from memory', () => hookTitles(hook).some((t) => /Trading halted/.test(t)));
      // the watchdog halts first, then alerts the late heartbeat
      await until("the watchdog's own alert", () =>
        hookTitles(hook).some((t) => /Heartbeat bot: late/.test(t)),
      );
      await until(
        'the loud stderr lines',
        () =>
          /KILL SWITCH TRIPPED BUT NOT RECORDED/.test(r!.stderr()) &&
          /ALERT SENT FROM MEMORY/.test(r!.stderr()),
      );

      const marker = join(fs.mnt, '..', `ran-${process.pid}`);
      const g = await warden([...args, 'guard', '--', 'touch', marker]);
      assert.equal(g.code, 2, g.stderr);
      assert.equal(existsSync(marker), false);
      const s = await warden([...args, 'status']);
      assert.equal(s.code, 1, s.stdout);
      assert.match(s.stdout, /^HALTED by STOP file/);
      assert.match(s.stdout, new RegExp(`STORE NOT WRITABLE: ${join(dataDir, 'warden.db')}: .*disk is full`));
      const circuit = JSON.parse(readFileSync(join(dataDir, 'circuit.json'), 'utf8')) as {
        paused: boolean;
        reason: string;
      };
      assert.equal(circuit.paused, true, 'the seed reader sees the halt');
      assert.match(circuit.reason, /heartbeat bot/);
    });

    it('records the trip once the disk has room again, and stays halted', async () => {
      const { dataDir, args } = r!;
      fs.free();
      const trip = await until('the trip recorded late', async () => {
        const store = SqliteStore.open(join(dataDir, 'warden.db'), { mustExist: true });
        try {
          return (await store.killSwitch.history()).find((e) => e.action === 'trip' && e.by === 'watchdog');
        } finally {
          await store.close();
        }
      });
      assert.match(trip.reason, /heartbeat bot/);
      await until('the daemon saying so', () =>
        /the trip held in memory is now recorded in the store/.test(r!.stderr()),
      );
      await sleep(1000);
      const store = SqliteStore.open(join(dataDir, 'warden.db'), { mustExist: true });
      const trips = (await store.killSwitch.history()).filter((e) => e.action === 'trip');
      await store.close();
      assert.equal(trips.length, 1, 'recorded once: the watchdog does not trip again for the same incident');
      assert.equal((await warden([...args, 'guard', '--', 'true'])).code, 2);
    });
  });

  describe('with the reserve: released on ENOSPC, so the trip and its audit row are written', () => {
    const fs = tmpfs('1m');
    let r: Rig | undefined;
    before(async () => {
      r = await rig(fs, {});
    });
    after(async () => {
      await stop(r);
      fs.unmount();
    });

    it('records the trip in the store on a full disk, mirrors it, and alerts through the outbox', async () => {
      const { dataDir, args, hook } = r!;
      assert.ok(existsSync(join(dataDir, '.warden-reserve')), 'init made the reserve');
      fs.fill();
      r!.bot.kill('SIGKILL');
      const st = await until('halted', async () => {
        const s = await warden([...args, 'status', '--json']);
        return s.code === 1 ? (JSON.parse(s.stdout) as { source: string; by: string; reason: string }) : null;
      });
      assert.equal(st.source, 'store', 'recorded in the store, not only in memory');
      assert.equal(st.by, 'watchdog');
      assert.equal(existsSync(join(dataDir, '.warden-reserve')), false, 'the reserve was released');
      assert.match(r!.stderr(), /released the reserve/);
      const circuit = JSON.parse(readFileSync(join(dataDir, 'circuit.json'), 'utf8')) as { paused: boolean };
      assert.equal(circuit.paused, true);
      await until('the alert', () => hookTitles(hook).includes('Trading halted'));
      assert.equal((await warden([...args, 'guard', '--', 'true'])).code, 2);
      mkdirSync(join(fs.mnt, 'x'), { recursive: true }); // the test's own use of the mount still works
    });
  });
});
