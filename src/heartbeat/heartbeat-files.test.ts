import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { heartbeatExpectationSchema, parseConfig } from '../config/index.js';
import { ManualClock } from '../util/clock.js';
import { HeartbeatWriter } from './heartbeat.js';
import { Watchdog } from './watchdog.js';
import { heartbeatFilePolicyFromConfig } from './heartbeat-config.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const SEED = `${JSON.stringify({ at: T0 / 1000 - 10, iso: '2026-11-24T11:59:50Z', status: 'ok', pid: 4242 })}\n`;

describe('heartbeat files', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-hbf-'));
    clock = new ManualClock(T0);
    store = SqliteStore.open(join(dir, 'warden.db'), { clock });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

  it("writes heartbeat.json only for the bot's own beat; other names write heartbeat-NAME.json", async () => {
    const hb = new HeartbeatWriter({ store, dataDir: dir, clock });
    await hb.beat('nightly');
    assert.equal(existsSync(join(dir, 'heartbeat.json')), false);
    assert.equal(read('heartbeat-nightly.json')['name'], 'nightly');
    await hb.beat('bot', 'ok', { cycle: 3 });
    assert.deepEqual(read('heartbeat.json'), {
      cycle: 3,
      kind: 'beat',
      at: T0 / 1000,
      iso: '2026-11-24T12:00:00Z',
      status: 'ok',
      name: 'bot',
      writer: 'warden',
    });
    clock.advance(1000);
    await hb.beat('nightly');
    assert.equal(read('heartbeat.json')['at'], T0 / 1000, 'a beat of nightly leaves the bot file alone');
  });

  it('lets the config name the bot heartbeat, or none', async () => {
    const trader = new HeartbeatWriter({ store, dataDir: dir, clock, botHeartbeat: 'trader' });
    await trader.beat('bot');
    assert.equal(existsSync(join(dir, 'heartbeat.json')), false);
    await trader.beat('trader');
    assert.equal(read('heartbeat.json')['name'], 'trader');
    rmSync(join(dir, 'heartbeat.json'));
    await new HeartbeatWriter({ store, dataDir: dir, clock, botHeartbeat: null }).beat('bot');
    assert.equal(existsSync(join(dir, 'heartbeat.json')), false);
    assert.throws(() => new HeartbeatWriter({ store, botHeartbeat: 'no/slash' }), /heartbeat name/);
  });

  it('never writes a file a heartbeat is watched through, also behind a symlink', async () => {
    writeFileSync(join(dir, 'heartbeat.json'), SEED);
    writeFileSync(join(dir, 'real-bot.json'), SEED);
    symlinkSync(join(dir, 'real-bot.json'), join(dir, 'heartbeat-bot.json'));
    const cfg = parseConfig({
      heartbeats: [
        { name: 'bot', periodSec: 60, file: 'heartbeat.json' },
        { name: 'other', periodSec: 60, file: join(dir, 'real-bot.json') },
      ],
    });
    const hb = new HeartbeatWriter({
      store,
      dataDir: dir,
      clock,
      ...heartbeatFilePolicyFromConfig(cfg, dir),
    });
    await hb.beat('bot');
    assert.equal(readFileSync(join(dir, 'heartbeat.json'), 'utf8'), SEED);
    assert.equal(readFileSync(join(dir, 'real-bot.json'), 'utf8'), SEED);
    assert.equal((await store.heartbeats.get('bot'))?.at, T0, 'the beat is still recorded in the store');
  });

  it('fails a file heartbeat whose file holds a beat Warden wrote (it would hide the dead program)', async () => {
    // A writer that was not told about the watched file (e.g. a library bot with the defaults).
    await new HeartbeatWriter({ store, dataDir: dir, clock }).beat('bot');
    const d = new Watchdog({
      store,
      expectations: [
        heartbeatExpectationSchema.parse({ name: 'pybot', periodSec: 60, file: 'heartbeat.json' }),
      ],
      clock,
      dataDir: dir,
    });
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'failed');
    assert.match(
      r.results[0]!.detail!,
      /holds a beat Warden wrote \("bot"\), not one from the program it watches/,
    );
  });
});
