import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';

const HOUR = 3_600_000;
let ws: ReturnType<typeof workspace>;
let now: number;

function trade(sport: string, pnl: number, o: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ts: new Date(now - HOUR).toISOString(),
    sport,
    resolved: 'YES',
    pnl_c: pnl,
    size: 1,
    entry_price_c: 50,
    ...o,
  });
}

interface EvalJson {
  strategies: Record<string, { status: string; roi_30d: number | null; n_30d: number; reason?: string }>;
  skipped: { counts: Record<string, number>; total: number };
}

async function evaluate(
  log: string,
  ...extra: string[]
): Promise<{ code: number | null; out: EvalJson; stderr: string }> {
  const r = await warden([...ws.args, 'evaluate', '--trades', log, '--full', '--json', ...extra], {
    cwd: ws.dir,
  });
  return { code: r.code, out: (r.code === 0 ? JSON.parse(r.stdout) : null) as EvalJson, stderr: r.stderr };
}

describe('trade-log edge cases (process level)', () => {
  before(() => {
    ws = workspace({ strategy: { minN: 5 } });
    now = Date.now();
  });
  after(() => rmSync(ws.dir, { recursive: true, force: true }));

  it('counts a line longer than 16 MiB as a bad line with file:line and goes on', async () => {
    const log = join(ws.dir, 'long.jsonl');
    const fd = openSync(log, 'w');
    writeSync(fd, `${Array.from({ length: 1000 }, () => trade('A', -10)).join('\n')}\n`);
    const junk = Buffer.alloc(1 << 20, 0x78); // 'x'
    writeSync(fd, '{"sport":"A","note":"');
    for (let i = 0; i < 17; i++) writeSync(fd, junk);
    writeSync(fd, '"}\n');
    writeSync(fd, `${Array.from({ length: 20 }, () => trade('A', -10)).join('\n')}\n`);
    closeSync(fd);
    const r = await evaluate(log);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /long\.jsonl: 1 line\(s\) skipped \(1 oversized\)/);
    assert.match(r.stderr, /long\.jsonl:1001: oversized/);
    assert.equal(r.out.skipped.counts['oversized'], 1);
    assert.equal(r.out.strategies['A']?.n_30d, 1020); // the lines after it are read too
    assert.equal(r.out.strategies['A']?.status, 'blocked');
  });

  it('makes a non-positive size or entry price a bad line of its own kind, never a flipped ROI', async () => {
    const log = join(ws.dir, 'sign.jsonl');
    const lines = Array.from({ length: 40 }, () => trade('S', -40)); // -80 %
    lines.push(trade('S', -40, { size: -400 })); // would make it +320 %... and active
    lines.push(trade('S', 10, { size: 0 }));
    lines.push(trade('S', 10, { entry_price_c: 0 }));
    lines.push(trade('S', 10, { entry_price_c: -50 }));
    writeFileSync(log, `${lines.join('\n')}\n`);
    const r = await evaluate(log);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [r.out.strategies['S']?.status, r.out.strategies['S']?.roi_30d, r.out.strategies['S']?.n_30d],
      ['blocked', -0.8, 40],
    );
    assert.deepEqual(r.out.skipped.counts, { non_positive_size: 2, non_positive_entry_price: 2 });
    assert.match(r.stderr, /sign\.jsonl:41: non_positive_size \(size\)/);
    assert.match(r.stderr, /sign\.jsonl:43: non_positive_entry_price \(entry_price_c\)/);
  });

  it('makes a trade stamped past the tolerance in the future a bad line, and keeps one within it', async () => {
    const log = join(ws.dir, 'future.jsonl');
    const lines = Array.from({ length: 10 }, () => trade('F', -20));
    lines.push(trade('F', 5000, { ts: new Date(now + 24 * HOUR).toISOString() })); // a clock a day ahead
    lines.push(trade('F', 1, { ts: new Date(now + 60_000).toISOString() })); // a minute: within 5 min
    writeFileSync(log, `${lines.join('\n')}\n`);
    const r = await evaluate(log);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.out.skipped.counts, { future_timestamp: 1 });
    assert.match(r.stderr, /future\.jsonl:11: future_timestamp \(ts\)/);
    assert.equal(r.out.strategies['F']?.n_30d, 11);
    assert.equal(r.out.strategies['F']?.status, 'blocked');
  });

  it('treats __proto__, constructor and friends as ordinary strategy names', async () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];
    const log = join(ws.dir, 'names.jsonl');
    const lines: string[] = [];
    for (const [i, n] of names.entries())
      for (let k = 0; k < 6; k++) lines.push(trade(n, i % 2 === 0 ? -30 : 10));
    writeFileSync(log, `${lines.join('\n')}\n`);
    const r = await evaluate(log);
    assert.equal(r.code, 0, r.stderr);
    for (const [i, n] of names.entries()) {
      assert.ok(Object.hasOwn(r.out.strategies, n), `${n} missing from the output`);
      assert.equal(r.out.strategies[n]?.status, i % 2 === 0 ? 'blocked' : 'active', n);
      assert.equal(r.out.strategies[n]?.n_30d, 6, n);
    }
    const state = JSON.parse(readFileSync(join(ws.dataDir, 'strategy_state.json'), 'utf8')) as EvalJson;
    for (const n of names) assert.ok(Object.hasOwn(state.strategies, n), `${n} missing from the state file`);
    const proto = await warden([...ws.args, 'check', '__proto__'], { cwd: ws.dir });
    assert.deepEqual(
      [proto.code, JSON.parse(proto.stdout)],
      [3, { allow: false, reason: 'circuit_breaker_blocked' }],
    );
    const ctor = await warden([...ws.args, 'check', 'constructor'], { cwd: ws.dir });
    assert.deepEqual([ctor.code, JSON.parse(ctor.stdout)], [0, { allow: true, reason: 'active' }]);
    const unknown = await warden([...ws.args, 'check', 'isPrototypeOf'], { cwd: ws.dir });
    assert.deepEqual(JSON.parse(unknown.stdout), { allow: true, reason: 'unknown_fail_open' });
    const b = await warden([...ws.args, 'strategy', 'block', 'constructor', '--reason', 'r', '--by', 'x'], {
      cwd: ws.dir,
    });
    assert.equal(b.code, 0, b.stderr);
    const again = await evaluate(log);
    assert.equal(again.out.strategies['constructor']?.status, 'blocked');
    assert.equal(again.out.strategies['constructor']?.reason, 'manual_block');
    assert.equal(again.out.strategies['__proto__']?.status, 'blocked');
  });

  it('refuses a log in which no line has the configured field names, naming the ones it found', async () => {
    const log = join(ws.dir, 'other.jsonl');
    const line = JSON.stringify({
      time: new Date(now).toISOString(),
      strategy: 'A',
      won: true,
      profit: 3,
      qty: 1,
      price: 40,
    });
    writeFileSync(log, `${line}\n${line}\n`);
    const r = await evaluate(log);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no line has the configured field\(s\) ts, sport, resolved, pnl_c, size, entry_price_c/,
    );
    assert.match(r.stderr, /the lines have time, strategy, won, profit, qty, price/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('refuses --trip -5 with a hint, and names the option that was given', async () => {
    const log = join(ws.dir, 'ok.jsonl');
    writeFileSync(log, `${trade('A', 1)}\n`);
    const pct = await evaluate(log, '--trip', '-5');
    assert.equal(pct.code, 1);
    assert.match(pct.stderr, /^warden: --trip must be a fraction .*did you mean -0\.05 \(-5 %\)\?/m);
    const rec = await evaluate(log, '--recover', '5');
    assert.match(rec.stderr, /--recover must be a fraction .*did you mean 0\.05/);
    const below = await evaluate(log, '--recover', '-0.1');
    assert.equal(below.code, 1);
    assert.match(below.stderr, /--recover -0\.1 must be >= the trip threshold, strategy\.trip -0\.05/);
    assert.doesNotMatch(below.stderr, /--trip/);
    const above = await evaluate(log, '--trip', '0.1');
    assert.match(above.stderr, /--trip 0\.1 must be <= the recovery threshold, strategy\.recover 0/);
    assert.doesNotMatch(above.stderr, /--recover/);
    const tune = await warden([...ws.args, 'tune', '--trades', log, '--trip', '-0.05,-5', '--out', ws.dir], {
      cwd: ws.dir,
    });
    assert.equal(tune.code, 1);
    assert.match(tune.stderr, /--trip values must be a fraction .*did you mean -0\.05/);
    const cfg = workspace({ strategy: { trip: -5 } });
    try {
      const r = await warden([...cfg.args, 'evaluate', '--trades', log], { cwd: cfg.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /strategy\.trip.*did you mean -0\.05/);
    } finally {
      rmSync(cfg.dir, { recursive: true, force: true });
    }
  });
});

describe('a million strategies (process level)', () => {
  let big: ReturnType<typeof workspace>;
  before(() => {
    big = workspace({ strategy: { minN: 1, incremental: false } });
  });
  after(() => rmSync(big.dir, { recursive: true, force: true }));

  it('prints the text table of a million strategies without crashing', { timeout: 300_000 }, async () => {
    const log = join(big.dir, 'million.jsonl');
    const fd = openSync(log, 'w');
    const t = new Date(Date.now() - HOUR).toISOString();
    let buf: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      buf.push(
        `{"ts":"${t}","sport":"s${i}","resolved":1,"pnl_c":${(i % 3) * 5 - 5},"size":1,"entry_price_c":50}`,
      );
      if (buf.length === 50_000) {
        writeSync(fd, `${buf.join('\n')}\n`);
        buf = [];
      }
    }
    closeSync(fd);
    const r = await warden([...big.args, 'evaluate', '--trades', log], { cwd: big.dir });
    assert.equal(r.code, 0, r.stderr.slice(0, 2000));
    assert.ok(/TRIPPED: s999999 new -> blocked/.test(r.stdout), 'transition lines');
    const lines = r.stdout.split('\n');
    assert.match(lines[0] as string, /^key\s+status\s+roi\s+n\s+shadow\s+reason$/);
    assert.ok(/^s999999 +blocked +-10\.00% +1 +roi_below_threshold$/m.test(r.stdout), 's999999 row');
    assert.ok(r.stdout.endsWith('1000000 trade(s) in the window)\n'), r.stdout.slice(-300));
    assert.equal(lines.filter((l) => /^s\d+ /.test(l)).length, 1_000_000);
  });
});
