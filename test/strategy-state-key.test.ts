import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';

let ws: ReturnType<typeof workspace>;

/** A state file as seed 000's cron writes it: top-level key `sports`. */
function seedState(): string {
  const now = Date.now();
  return JSON.stringify({
    as_of: new Date(now).toISOString(),
    as_of_unix: Math.floor(now / 1000),
    sports: {
      NHL: {
        status: 'blocked',
        roi_30d: -0.071,
        n_30d: 42,
        tripped_at: '2026-05-03T03:49:08Z',
        reason: 'roi_below_threshold',
      },
      NBA: { status: 'active', roi_30d: 0.034, n_30d: 87, tripped_at: null },
    },
  });
}

describe('a state file with either top-level key (process level)', () => {
  before(() => {
    ws = workspace(); // default stateKey: strategies
    mkdirSync(ws.dataDir, { recursive: true });
  });
  after(() => rmSync(ws.dir, { recursive: true, force: true }));

  it('warden check reads a seed-written `sports` state with the default key, instead of unknown_fail_open', async () => {
    writeFileSync(join(ws.dataDir, 'strategy_state.json'), seedState());
    const nhl = await warden([...ws.args, 'check', 'NHL'], { cwd: ws.dir });
    assert.deepEqual(
      [nhl.code, JSON.parse(nhl.stdout)],
      [3, { allow: false, reason: 'circuit_breaker_blocked' }],
    );
    const nba = await warden([...ws.args, 'check', 'NBA'], { cwd: ws.dir });
    assert.deepEqual([nba.code, JSON.parse(nba.stdout)], [0, { allow: true, reason: 'active' }]);
    // and a `strategies` state with --state-key sports
    writeFileSync(join(ws.dataDir, 'strategy_state.json'), seedState().replace('"sports"', '"strategies"'));
    const again = await warden([...ws.args, 'check', 'NHL', '--state-key', 'sports'], { cwd: ws.dir });
    assert.equal(again.code, 3, again.stdout);
  });

  it('an evaluation migrating from a seed state keeps what the seed blocked', async () => {
    writeFileSync(join(ws.dataDir, 'strategy_state.json'), seedState());
    const log = join(ws.dir, 't.jsonl');
    const t = new Date(Date.now() - 3_600_000).toISOString();
    const line = (s: string, pnl: number): string =>
      JSON.stringify({ ts: t, sport: s, resolved: 1, pnl_c: pnl, size: 1, entry_price_c: 50 });
    writeFileSync(
      log,
      `${Array.from({ length: 40 }, () => [line('NHL', 5), line('NBA', 5)].join('\n')).join('\n')}\n`,
    );
    const r = await warden([...ws.args, 'evaluate', '--trades', log, '--json'], { cwd: ws.dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { strategies: Record<string, { status: string; reason: string }> };
    // Blocked by the seed, judged on shadow trades (none yet): still blocked, not a fresh "ok".
    assert.deepEqual(
      [out.strategies['NHL']?.status, out.strategies['NHL']?.reason],
      ['blocked', 'shadow_below_min_n'],
    );
    const state = JSON.parse(readFileSync(join(ws.dataDir, 'strategy_state.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.ok('strategies' in state);
  });
});
