import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type ModeRepo, type Store } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { ManualClock } from '../util/clock.js';
import { DegradationManager } from './degradation-manager.js';
import { ModeRecorder } from './mode-recorder.js';

describe('ModeRecorder', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let ks: KillSwitch;
  let mgr: DegradationManager;
  const closers: { close(): unknown }[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-mode-rec-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    clock = new ManualClock(1_700_000_000_000);
    ks = await KillSwitch.open({ store, dataDir: dir, clock, pollMs: 0 });
    mgr = new DegradationManager({ killSwitch: ks, clock, intervalMs: 0, feedMaxAgeMs: 60_000 });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
    mgr.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recorder = (o: Partial<ConstructorParameters<typeof ModeRecorder>[0]> = {}) => {
    const r = new ModeRecorder({ repo: store.modes, bot: 'bot-a', source: mgr, refreshMs: 0, ...o });
    closers.push(r);
    return r;
  };

  it('records the starting mode at once, then every transition, with reason and since', async () => {
    const r = recorder({ host: 'h1', pid: 42 });
    await r.flush();
    let m = await store.modes.get('bot-a');
    assert.equal(m?.mode, 'OBSERVATION', 'nothing reported yet: fail closed');
    assert.equal(m?.reason, 'balance_unknown');
    assert.equal(m?.host, 'h1');
    assert.equal(m?.pid, 42);
    clock.advance(1000);
    mgr.report({ balance: 1000, equity: 1000, feedAgeMs: 5 });
    await r.flush();
    m = await store.modes.get('bot-a');
    assert.equal(m?.mode, 'FULL');
    assert.equal(m?.reason, 'nominal');
    assert.equal(m?.since, clock.now());
    clock.advance(61_000);
    mgr.assess();
    await r.flush();
    m = await store.modes.get('bot-a');
    assert.equal(m?.mode, 'OBSERVATION');
    assert.equal(m?.reason, 'feed_stale');
  });

  it('never moves the stored mode back when transitions come faster than the writes', async () => {
    const r = recorder();
    mgr.report({ balance: 1000, equity: 1000, feedAgeMs: 5 });
    clock.advance(61_000);
    mgr.assess();
    clock.advance(1);
    mgr.feedTick();
    await r.flush();
    const m = await store.modes.get('bot-a');
    assert.equal(m?.mode, mgr.mode);
    assert.equal(m?.mode, 'FULL');
  });

  it('rewrites the mode on its refresh, so the stored time stays fresh while the bot lives', async () => {
    recorder({ refreshMs: 20 });
    await new Promise((res) => setTimeout(res, 60));
    const first = await store.modes.get('bot-a');
    assert.ok(first !== null);
    await new Promise((res) => setTimeout(res, 80));
    const later = await store.modes.get('bot-a');
    assert.ok(later!.seq > first.seq, `seq ${later!.seq} after ${first.seq}`);
    assert.ok(later!.recordedAt >= first.recordedAt);
  });

  it('stops, saying so, when a newer process of the same bot takes the record over', async () => {
    const errors: string[] = [];
    const old = recorder({ pid: 1, onError: (e) => errors.push(e.message) });
    await old.flush();
    const newer = recorder({ pid: 2 });
    await newer.flush();
    mgr.report({ balance: 1000, equity: 1000, feedAgeMs: 5 });
    await old.flush();
    assert.equal(old.superseded, true);
    assert.match(errors.join('\n'), /another process of that name took the record over/);
    await newer.flush();
    const m = await store.modes.get('bot-a');
    assert.equal(m?.pid, 2);
    assert.equal(m?.epoch, 2);
  });

  it('reports a store that refuses the write once, not per retry, and records when it is back', async () => {
    let down = true;
    const repo: ModeRepo = {
      ...store.modes,
      claim: (w) => (down ? Promise.reject(new Error('disk full')) : store.modes.claim(w)),
    };
    const errors: string[] = [];
    const r = recorder({ repo, onError: (e) => errors.push(e.message) });
    await r.flush();
    await r.flush();
    assert.deepEqual(errors, ['mode of bot "bot-a" not recorded: disk full']);
    down = false;
    await r.flush();
    assert.equal((await store.modes.get('bot-a'))?.mode, 'OBSERVATION');
  });

  it('refuses an empty bot name and a negative refresh', () => {
    assert.throws(() => new ModeRecorder({ repo: store.modes, bot: '', source: mgr }), /bot/);
    assert.throws(
      () => new ModeRecorder({ repo: store.modes, bot: 'x', source: mgr, refreshMs: -1 }),
      /refreshMs/,
    );
  });
});
