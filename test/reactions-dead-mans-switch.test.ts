// The exchange-side dead man's switch: a bot process re-arms it from its heartbeat loop; SIGKILL
// the bot and its resting orders vanish at the venue (the HTTP simulator, through the real ccxt client).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initDataDir } from '../src/cli/runtime.js';
import { parseConfig } from '../src/config/index.js';
import { ROOT } from './helpers/cli.js';
import { startHttpSimulator } from './helpers/orders-rig.js';

const BOT = join(ROOT, 'test', 'helpers', 'dms-bot.ts');

function startBot(url: string, db: string, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', BOT], {
    cwd: ROOT,
    env: { ...process.env, DMS_URL: url, DMS_DB: db, DMS_TIMEOUT_MS: '2000', DMS_PERIOD_MS: '300', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`bot exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { child, ready, exited };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe("the dead man's switch, armed from the bot's heartbeat loop", () => {
  let rig: Awaited<ReturnType<typeof startHttpSimulator>>;
  let dir: string;

  before(async () => {
    rig = await startHttpSimulator();
    dir = mkdtempSync(join(tmpdir(), 'warden-dms-'));
  });
  after(async () => {
    await rig.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const db = (name: string) => {
    const dataDir = join(dir, name);
    void initDataDir({ config: parseConfig({}), path: null, dataDir }).close();
    return join(dataDir, 'warden.db');
  };

  it('a live bot keeps its orders; SIGKILL it and the venue cancels them within the timeout', async () => {
    const bot = startBot(rig.url, db('live'));
    const line = JSON.parse(await bot.ready) as { dms: string };
    assert.equal(line.dms, 'armed');
    const mine = () => rig.sim.openOrders().filter((o) => o.clientOrderId === `dms-${bot.child.pid}`);
    assert.equal(mine().length, 1);
    // well past the 2 s timeout: the beats keep re-arming it
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(mine().length, 1, 'refreshed by the heartbeat loop, the order stays');
    bot.child.kill('SIGKILL');
    await bot.exited;
    assert.ok(await until(() => mine().length === 0, 15_000), 'the dead bot left no resting order');
  });

  it('without the switch (the old behaviour) a dead bot leaves its order resting', async () => {
    rig.sim.armDeadMansSwitch(0);
    const bot = startBot(rig.url, db('off'), { DMS_OFF: '1' });
    await bot.ready;
    const mine = () => rig.sim.openOrders().filter((o) => o.clientOrderId === `dms-${bot.child.pid}`);
    bot.child.kill('SIGKILL');
    await bot.exited;
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal(mine().length, 1);
    rig.sim.cancelAllOrders();
  });
});
