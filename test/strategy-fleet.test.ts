import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { evaluateIntoStore } from '../src/strategy/evaluate/evaluate-into-store.js';
import { applyStoreOverride } from '../src/strategy/state/store-override.js';
import {
  createMigratedSchema,
  createTestSchema,
  openFleetStore,
  type TestSchema,
} from './helpers/pg-test-schema.js';
import { overrideNow } from './helpers/strategy-override.js';
import { spawnJsonChild, type JsonChild } from './helpers/json-lines-child.js';
import { warden, workspace } from './helpers/cli.js';

/** 40 resolved trades of `key` at -15 % ROI in the last hour: the evaluation trips it. */
function losingLog(dir: string, key: string): string {
  const path = join(dir, 'trades.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const ts = new Date(Date.now() - 3_600_000 + i * 1000).toISOString();
    lines.push(
      JSON.stringify({ ts, sport: key, resolved: true, pnl_c: -1500, size: 1, entry_price_c: 10000 }),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function checker(db: TestSchema, pollMs: number, notify: 'on' | 'off'): Promise<JsonChild> {
  const k = spawnJsonChild('strategy-check-child.ts', [db.url, db.schema, 'nba', String(pollMs), notify]);
  await k.waitFor('ready', (l) => l['ready'] === true, 90_000);
  return k;
}

describe('strategy breaker state in the store, across processes (shared server, own schema)', () => {
  let db: TestSchema;
  const dirs: string[] = [];
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'warden-strategy-fleet-'));
    dirs.push(d);
    return d;
  };
  before(async () => {
    db = await createMigratedSchema();
  });
  after(async () => {
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a trip written by the evaluator in one process is seen by check() in another within the poll (NOTIFY off)', async () => {
    const store = await openFleetStore(db.url, db.schema);
    const kid = await checker(db, 1000, 'off');
    try {
      const d = dir();
      const at = Date.now();
      const r = await evaluateIntoStore(
        {
          tradesPath: losingLog(d, 'nba'),
          statePath: join(d, 'unused.json'),
          now: Date.now(),
          cursorPath: null,
        },
        store.strategyState,
      );
      assert.equal(r.entries['nba']?.status, 'blocked');
      const seen = await kid.waitFor('the deny', (l) => l['allow'] === false, 5000);
      assert.equal(seen['reason'], 'circuit_breaker_blocked');
      const lag = (seen['at'] as number) - at;
      assert.ok(lag <= 1000 + 500, `seen ${lag} ms after the write; the poll is 1000 ms`);
      const audit = await store.strategyState.history('strategies');
      assert.deepEqual(
        audit.map((e) => [e.action, e.key]),
        [
          ['evaluate', null],
          ['evaluate', 'nba'],
        ],
      );
    } finally {
      await kid.kill();
      await store.close();
    }
  });

  it('with NOTIFY, a manual block reaches check() in another process long before its 10 s poll', async () => {
    const store = await openFleetStore(db.url, db.schema);
    const kid = await checker(db, 10_000, 'on');
    try {
      const unblock = await overrideNow(store.strategyState, 'nba', 'unblock', 'checked by hand', 'alice');
      assert.ok(unblock.ok);
      await kid.waitFor('the allow', (l) => l['allow'] === true && l['reason'] === 'active', 3000);
      const at = Date.now();
      const block = await overrideNow(store.strategyState, 'nba', 'block', 'news', 'bob');
      assert.ok(block.ok);
      const seen = await kid.waitFor(
        'the deny',
        (l) => l['allow'] === false && l['version'] === block.version,
        3000,
      );
      const lag = (seen['at'] as number) - at;
      assert.ok(lag < 1000, `seen ${lag} ms after the block; the poll alone would take up to 10 s`);
    } finally {
      await kid.kill();
      await store.close();
    }
  });

  it('two overrides racing on one version: one is written, the other is refused with what changed', async () => {
    const a = await openFleetStore(db.url, db.schema);
    const b = await openFleetStore(db.url, db.schema);
    try {
      const v = (await a.strategyState.get('strategies'))!.version;
      const common = { stateKey: 'strategies', key: 'nba', now: Date.now(), expectedVersion: v };
      const [ra, rb] = await Promise.all([
        applyStoreOverride({ ...common, repo: a.strategyState, action: 'unblock', reason: 'a', by: 'alice' }),
        applyStoreOverride({ ...common, repo: b.strategyState, action: 'block', reason: 'b', by: 'bob' }),
      ]);
      assert.equal([ra, rb].filter((r) => r.ok).length, 1, 'exactly one wins');
      const lost = ra.ok ? rb : ra;
      assert.ok(!lost.ok);
      assert.equal(lost.expected, v);
      assert.equal(lost.current, v + 1);
      assert.equal(lost.since.length, 1);
      const winner = ra.ok ? 'alice' : 'bob';
      assert.equal(lost.since[0]?.by, winner);
      const now = await a.strategyState.get('strategies');
      const entry = (now!.doc['strategies'] as Record<string, { status: string }>)['nba'];
      assert.equal(entry?.status, winner === 'alice' ? 'active' : 'blocked', 'the state is the winner’s');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the daemon’s scheduled evaluation writes its verdicts to the store in fleet mode, audited as the daemon’s', async () => {
    const schema = await createTestSchema();
    const d = dir();
    const config = parseConfig({
      store: { kind: 'postgres', url: schema.url, schema: schema.schema },
      fleet: { leaderRetryMs: 300, pollMs: 200 },
      strategy: { trades: losingLog(d, 'nhl'), cron: '*/2 * * * * *', incremental: false },
    });
    const store = await openFleetStore(schema.url, schema.schema);
    const logs: string[] = [];
    const daemon = new Daemon({
      loaded: { config, path: null, dataDir: d },
      store,
      port: 0,
      log: (l) => logs.push(l),
    });
    try {
      await daemon.start();
      const end = Date.now() + 20_000;
      let stored = await store.strategyState.get('strategies');
      while (stored === null && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        stored = await store.strategyState.get('strategies');
      }
      assert.ok(stored, `no state in the store; daemon log: ${logs.join(' | ')}`);
      const nhl = (stored.doc['strategies'] as Record<string, { status: string }>)['nhl'];
      assert.equal(nhl?.status, 'blocked');
      const audit = await store.strategyState.history('strategies');
      assert.ok(
        audit.some((e) => e.by === 'daemon' && e.key === 'nhl'),
        'audited as the daemon’s',
      );
    } finally {
      await daemon.close();
      await store.close();
      await schema.drop();
    }
  });
});

describe('warden strategy block / warden evaluate in fleet mode (real CLI processes)', () => {
  it('writes the block and the evaluation to the store, audited, and no state file', async () => {
    const db = await createMigratedSchema();
    try {
      const ws = workspace({ store: { kind: 'postgres', url: db.url, schema: db.schema } }, { init: false });
      const trades = losingLog(ws.dir, 'nfl');
      const b = await warden([...ws.args, 'strategy', 'block', 'mlb', '--reason', 'news', '--by', 'alice']);
      assert.equal(b.code, 0, b.stderr);
      assert.match(
        b.stderr,
        /MANUAL OVERRIDE: mlb unknown -> blocked by alice: news \(recorded in the store .*version 1/,
      );
      assert.doesNotMatch(b.stderr, /password/);
      const e = await warden([...ws.args, 'evaluate', '--trades', trades, '--json']);
      assert.equal(e.code, 0, e.stderr);
      const store = await openFleetStore(db.url, db.schema);
      try {
        const st = await store.strategyState.get('strategies');
        const entries = st!.doc['strategies'] as Record<string, { status: string; reason: string }>;
        assert.equal(entries['nfl']?.status, 'blocked');
        assert.equal(entries['mlb']?.reason, 'manual_block', 'the evaluation kept the manual block');
        assert.equal(st!.version, 2);
        const audit = await store.strategyState.history('strategies');
        assert.deepEqual(
          audit.map((x) => [x.version, x.action, x.key, x.by]),
          [
            [1, 'block', 'mlb', 'alice'],
            [2, 'evaluate', null, 'cli'],
            [2, 'evaluate', 'nfl', 'cli'],
          ],
        );
      } finally {
        await store.close();
      }
      assert.equal(existsSync(join(ws.dataDir, 'strategy_state.json')), false, 'no state file in fleet mode');
      const denied = await warden([...ws.args, 'check', 'mlb']);
      assert.equal(denied.code, 3, denied.stderr);
      assert.deepEqual(JSON.parse(denied.stdout), { allow: false, reason: 'circuit_breaker_blocked' });
      const down = workspace(
        { store: { kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/test', schema: db.schema } },
        { init: false },
      );
      const open = await warden([...down.args, 'check', 'mlb']);
      assert.equal(open.code, 0, 'the strategy breaker fails open when its store is away');
      assert.deepEqual(JSON.parse(open.stdout), { allow: true, reason: 'store_unconfirmed_fail_open' });
      assert.match(open.stderr, /strategy state unreadable, failing open/);
    } finally {
      await db.drop();
    }
  });
});
