import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('bin/warden.js');
const DAY = 86_400_000;
let dir: string;

function warden(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, '--data-dir', join(dir, 'data'), ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function trade(sport: string, ts: number, pnl: number): string {
  return JSON.stringify({
    ts: new Date(ts).toISOString(),
    sport,
    resolved: 'YES',
    pnl_c: pnl,
    size: 2,
    entry_price_c: 50,
  });
}

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0);

/** Seed 000's runtime reader (CircuitBreaker._load and check), unchanged but for the state path. */
const SEED_READER = resolve(import.meta.dirname, 'helpers', 'seed-strategy-reader.py');

describe('warden evaluate / check (process level)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines.push(
        trade('NBA', now - DAY - i * 60_000, 5),
        trade('NHL', now - DAY - i * 60_000, -10),
        trade('CS2', now - DAY - i * 60_000, (i % 5) - 3),
      );
    }
    lines.splice(3, 0, 'not json at all');
    writeFileSync(join(dir, 'trades.jsonl'), `${lines.slice(0, 100).join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates, reports bad lines on stderr and writes a state readable by key', () => {
    const r = warden(
      'evaluate',
      '--trades',
      'trades.jsonl',
      '--state',
      'state.json',
      '--state-key',
      'sports',
      '--now',
      new Date().toISOString(),
      '--min-n',
      '20',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /trades\.jsonl:4: malformed/);
    const out = JSON.parse(r.stdout) as { sports: Record<string, { status: string }> };
    assert.equal(out.sports['NHL']?.status, 'blocked');
    assert.equal(out.sports['NBA']?.status, 'active');
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(
      typeof state['as_of_unix'] === 'number' && typeof state['as_of'] === 'string' && 'sports' in state,
    );
  });

  it('check exits 3 with circuit_breaker_blocked on a blocked key, 0 otherwise', () => {
    const blocked = warden('check', 'NHL', '--state', 'state.json', '--state-key', 'sports');
    assert.equal(blocked.code, 3);
    assert.deepEqual(JSON.parse(blocked.stdout), { allow: false, reason: 'circuit_breaker_blocked' });
    const ok = warden('check', 'NBA', '--state', 'state.json', '--state-key', 'sports');
    assert.equal(ok.code, 0);
    assert.deepEqual(JSON.parse(ok.stdout), { allow: true, reason: 'active' });
    const unknown = warden('check', 'EPL', '--state', 'state.json', '--state-key', 'sports');
    assert.deepEqual(
      [unknown.code, JSON.parse(unknown.stdout)],
      [0, { allow: true, reason: 'unknown_fail_open' }],
    );
    const missing = warden('check', 'NBA', '--state', 'nope.json');
    assert.deepEqual(
      [missing.code, JSON.parse(missing.stdout)],
      [0, { allow: true, reason: 'state_missing_fail_open' }],
    );
  });

  it(
    "writes a --state-key sports file that seed 000's own Python reader reads unchanged",
    { skip: python === undefined ? 'no python3' : false },
    () => {
      const r = spawnSync(
        python as string,
        [SEED_READER, join(dir, 'state.json'), 'NHL', 'NBA', 'CS2', 'EPL'],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [
        [false, 'circuit_breaker_blocked'],
        [true, 'active'],
        [true, JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).sports.CS2.status],
        [true, 'sport_unknown_fail_open'],
      ]);
    },
  );

  it('records a manual unblock and block loudly, in the state and the audit log', () => {
    const u = warden(
      'strategy',
      'unblock',
      'NHL',
      '--reason',
      'model fixed',
      '--by',
      'alice',
      '--state',
      'state.json',
      '--state-key',
      'sports',
    );
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stderr, /MANUAL OVERRIDE: NHL blocked -> active by alice/);
    assert.equal(warden('check', 'NHL', '--state', 'state.json', '--state-key', 'sports').code, 0);
    const b = warden(
      'strategy',
      'block',
      'NBA',
      '--reason',
      'feed broken',
      '--by',
      'bob',
      '--state',
      'state.json',
      '--state-key',
      'sports',
    );
    assert.equal(b.code, 0, b.stderr);
    assert.equal(warden('check', 'NBA', '--state', 'state.json', '--state-key', 'sports').code, 3);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      sports: Record<string, { override?: { by: string } }>;
    };
    assert.equal(state.sports['NBA']?.override?.by, 'bob');
    const audit = readFileSync(join(dir, 'data', 'strategy-overrides.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(audit.length, 2);
    assert.equal(warden('strategy', 'block', 'NBA', '--by', 'bob', '--state', 'state.json').code, 1);
  });

  it('records shadow trades from the command line and recovers a blocked strategy on them', () => {
    const now = Date.now();
    for (let i = 0; i < 20; i++) {
      const ts = new Date(now - 3_600_000 + i * 1000).toISOString();
      assert.equal(
        warden('strategy', 'shadow', 'record', `sig-${i}`, 'NHL', '--entry', '50', '--size', '2', '--ts', ts)
          .code,
        0,
      );
      assert.equal(warden('strategy', 'shadow', 'resolve', `sig-${i}`, '--pnl', '5').code, 0);
    }
    // NHL tripped automatically (no manual block, which would hold): it recovers on 20 shadow trades
    writeFileSync(
      join(dir, 's2.json'),
      JSON.stringify({
        as_of: new Date(now).toISOString(),
        as_of_unix: Math.floor(now / 1000),
        sports: {
          NHL: {
            status: 'blocked',
            roi_30d: -0.2,
            n_30d: 40,
            reason: 'roi_below_threshold',
            tripped_at: null,
          },
        },
      }),
    );
    const r = warden(
      'evaluate',
      '--trades',
      'trades.jsonl',
      '--state',
      's2.json',
      '--state-key',
      'sports',
      '--min-n',
      '20',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      sports: Record<string, { status: string; reason: string; shadow_n_30d: number }>;
    };
    assert.deepEqual(
      [out.sports['NHL']?.status, out.sports['NHL']?.reason, out.sports['NHL']?.shadow_n_30d],
      ['active', 'recovered', 20],
    );
    assert.equal(warden('strategy', 'shadow', 'resolve', 'x', '--pnl', 'lots').code, 1);
  });

  it('rejects bad input with a one-line error naming the option', () => {
    for (const [args, re] of [
      [['--trip', 'abc'], /^warden: --trip must be a number \(got "abc"\)\n$/],
      [['--min-n', '2.5'], /^warden: --min-n must be an integer/],
      [['--window-days', '0'], /^warden: --window-days must be > 0/],
      [['--now', 'tomorrow'], /^warden: --now must be an ISO-8601 time/],
    ] as const) {
      const r = warden('evaluate', '--trades', 'trades.jsonl', '--state', 'x.json', ...args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, re);
    }
    const missing = warden('evaluate', '--trades', 'missing.jsonl', '--state', 'x.json');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^warden: .*missing\.jsonl: trade log not found/);
    writeFileSync(join(dir, 'empty.jsonl'), '');
    assert.match(
      warden('evaluate', '--trades', 'empty.jsonl', '--state', 'x.json').stderr,
      /trade log is empty/,
    );
    assert.equal(existsSync(join(dir, 'x.json')), false);
  });
});
