import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type ModeWrite } from '../store/index.js';
import { ModeBoard, botModeView, modeMaxAgeFor, type BotModeView } from './mode-board.js';

const write = (bot: string, mode: ModeWrite['mode'], seq = 1): ModeWrite => ({
  bot,
  mode,
  reason: mode === 'FULL' ? 'nominal' : 'feed_stale',
  detail: '',
  since: 1000,
  host: 'h',
  pid: 1,
  seq,
});

describe('ModeBoard', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-mode-board-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("judges each record against its bot's heartbeat limit, else the default", () => {
    const limit = modeMaxAgeFor(
      [
        { name: 'a', periodSec: 10, graceSec: 5 } as never,
        { name: 'c', cron: '* * * * *', graceSec: 5 } as never,
      ],
      60_000,
    );
    assert.equal(limit('a'), 15_000);
    assert.equal(limit('b'), 60_000);
    assert.equal(limit('c'), 60_000, 'a cron heartbeat has no period: the default');
    const r = { ...write('a', 'FULL'), epoch: 1, recordedAt: 10_000 };
    assert.equal(botModeView(r, 25_000, 15_000).mode, 'FULL', 'at the limit: still shown');
    const v = botModeView(r, 25_001, 15_000);
    assert.deepEqual([v.mode, v.reason, v.recorded, v.stale], ['UNKNOWN', 'mode_record_stale', 'FULL', true]);
  });

  it('tells each change once, and shows every known bot UNKNOWN while the store cannot be read (said once)', async () => {
    const seen: BotModeView[] = [];
    const errors: string[] = [];
    const board = new ModeBoard({
      store,
      maxAgeFor: () => 60_000,
      pollMs: 0,
      onChange: (v) => seen.push(v),
      onError: (e) => errors.push(e.message),
    });
    const a = await store.modes.claim(write('a', 'FULL'));
    await board.refresh();
    await board.refresh();
    assert.deepEqual(
      seen.map((v) => [v.bot, v.mode]),
      [['a', 'FULL']],
    );
    await store.modes.record(a.epoch, write('a', 'FULL', 2));
    await board.refresh();
    assert.equal(seen.length, 1, 'a refresh of the same mode is no change');
    await store.modes.record(a.epoch, write('a', 'REDUCE_ONLY', 3));
    await board.refresh();
    assert.deepEqual(seen.at(-1)?.mode, 'REDUCE_ONLY');
    await store.close();
    await board.refresh();
    await board.refresh();
    assert.equal(errors.length, 1, 'a store that stays down is reported once');
    assert.deepEqual(
      board.views.map((v) => [v.bot, v.mode, v.reason, v.recorded]),
      [['a', 'UNKNOWN', 'store_unreadable', 'REDUCE_ONLY']],
    );
    assert.equal(seen.at(-1)?.mode, 'UNKNOWN');
    board.close();
  });
});
