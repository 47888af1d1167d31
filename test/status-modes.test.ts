import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteStore, type ModeWrite } from '../src/store/index.js';
import { ManualClock } from '../src/util/clock.js';
import { warden, workspace } from './helpers/cli.js';

const write = (bot: string, mode: ModeWrite['mode']): ModeWrite => ({
  bot,
  mode,
  reason: mode === 'FULL' ? 'nominal' : 'breaker_open',
  detail: `${bot} detail`,
  since: Date.parse('2026-12-01T10:00:00Z'),
  host: 'host-a',
  pid: 4242,
  seq: 1,
});

describe("warden status: each bot's mode", () => {
  it('shows every recorded mode, and a record older than the heartbeat limit as UNKNOWN (text and --json)', async () => {
    const w = workspace({ heartbeats: [{ name: 'alpha', periodSec: 30, graceSec: 30 }] });
    let r = await warden([...w.args, 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^modes: no bot has recorded one yet$/m);
    const path = join(w.dataDir, 'warden.db');
    const store = SqliteStore.open(path);
    await store.modes.claim(write('alpha', 'REDUCE_ONLY'));
    await store.close();
    // beta last recorded FULL 5 minutes ago (a store clock 5 min behind): past the 60 s default limit
    const old = SqliteStore.open(path, { clock: new ManualClock(Date.now() - 300_000) });
    await old.modes.claim(write('beta', 'FULL'));
    await old.close();

    r = await warden([...w.args, 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^mode alpha: REDUCE_ONLY \(breaker_open\) since 2026-12-01T10:00:00\.000Z, recorded \d+s ago by host-a pid 4242$/m,
    );
    assert.match(
      r.stdout,
      /^mode beta: UNKNOWN \(mode_record_stale\): last recorded FULL \(nominal\) 30\ds ago, limit 60s/m,
    );
    assert.doesNotMatch(r.stdout, /mode beta: FULL/);

    r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as {
      modes: { bot: string; mode: string; recorded: string; maxAgeMs: number }[];
    };
    assert.deepEqual(
      s.modes.map((m) => [m.bot, m.mode, m.recorded, m.maxAgeMs]),
      [
        ['alpha', 'REDUCE_ONLY', 'REDUCE_ONLY', 60_000],
        ['beta', 'UNKNOWN', 'FULL', 60_000],
      ],
    );
  });
});
