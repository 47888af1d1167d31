import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateStrategies, type EvaluateParams } from './evaluate.js';
import { ShadowLedger } from '../shadow/shadow-ledger.js';
import { StateFileError } from '../state/state-file-error.js';
import { TradeLogError } from '../trade-log/trade-log-error.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-eval-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ABSENT = Symbol('absent');

function line(
  sport: string,
  ts: string | number,
  pnl: number,
  size = 1,
  entry = 50,
  resolved: unknown = 'YES',
): string {
  const t = typeof ts === 'number' ? new Date(ts).toISOString() : ts;
  const o: Record<string, unknown> = { ts: t, sport, pnl_c: pnl, size, entry_price_c: entry };
  if (resolved !== ABSENT) o['resolved'] = resolved;
  return JSON.stringify(o);
}

/** n trades of one group an hour apart ending `ago` ms before NOW, each with the given pnl. */
function trades(sport: string, n: number, pnl: number, ago = DAY): string[] {
  return Array.from({ length: n }, (_, i) => line(sport, NOW - ago - i * 3_600_000, pnl));
}

function write(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => `${l}\n`).join(''));
  return p;
}

function evalAt(now: number, extra: Partial<EvaluateParams> = {}): ReturnType<typeof evaluateStrategies> {
  return evaluateStrategies({
    tradesPath: join(dir, 'trades.jsonl'),
    statePath: join(dir, 'state.json'),
    now,
    shadowPath: join(dir, 'shadow.jsonl'),
    ...extra,
  });
}

describe('evaluateStrategies: the state file', () => {
  it("writes the seed's layout with as_of, as_of_unix and the state key", () => {
    write('trades.jsonl', [...trades('NBA', 40, 5), ...trades('NHL', 40, -10), ...trades('CS2', 18, -1)]);
    const r = evalAt(NOW, { options: { stateKey: 'sports' } });
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(s['as_of'], '2026-05-05T03:49:00.000Z');
    assert.equal(s['as_of_unix'], NOW / 1000);
    assert.deepEqual(s['sports'], {
      CS2: { status: 'monitor', roi_30d: -0.02, n_30d: 18, note: 'below_min_n' },
      NBA: { status: 'active', roi_30d: 0.1, n_30d: 40, reason: 'ok', tripped_at: null },
      NHL: {
        status: 'blocked',
        roi_30d: -0.2,
        n_30d: 40,
        reason: 'roi_below_threshold',
        tripped_at: '2026-05-05T03:49:00.000Z',
      },
    });
    assert.deepEqual(
      r.transitions.filter((t) => t.kind === 'trip').map((t) => t.key),
      ['NHL'],
    );
  });

  it('weights ROI by size: Σ(pnl × size) / Σ(entry × size)', () => {
    const lines = [line('A', NOW - DAY, 10, 3, 40), line('A', NOW - DAY, -20, 1, 60)];
    write('trades.jsonl', lines);
    const r = evalAt(NOW, { options: { minN: 1 } });
    assert.equal(r.entries['A']?.roi_30d, (10 * 3 - 20) / (40 * 3 + 60));
  });

  it('counts a trade exactly at the window start and not one a millisecond earlier', () => {
    const cutoff = NOW - 30 * DAY;
    write('trades.jsonl', [line('A', cutoff, 1), line('A', cutoff - 1, 1)]);
    assert.equal(evalAt(NOW).entries['A']?.n_30d, 1);
  });

  it('reads time zones: offsets convert to UTC and a zone-less time is UTC (as pandas utc=True)', () => {
    const cutoff = NOW - 30 * DAY; // 2026-04-05T03:49:00Z
    write('trades.jsonl', [
      line('A', '2026-04-05T05:49:00+02:00', 1), // = cutoff: in
      line('A', '2026-04-05T05:48:59+02:00', 1), // before: out
      line('A', '2026-04-04T23:49:00-04:00', 1), // = cutoff: in
      line('A', '2026-04-05T03:49:00', 1), // naive = UTC: in
      line('A', '2026-04-05 03:48:59.999', 1), // naive, space: out
      line('A', '2026-04-05T03:49:00.000001Z', 1), // sub-ms: in
    ]);
    assert.equal(new Date(cutoff).toISOString(), '2026-04-05T03:49:00.000Z');
    assert.equal(evalAt(NOW).entries['A']?.n_30d, 4);
  });

  it('ignores unresolved trades (resolved null or absent) and counts resolved: false, as the seed', () => {
    write('trades.jsonl', [
      line('A', NOW - DAY, 1, 1, 50, null),
      line('A', NOW - DAY, 1, 1, 50, ABSENT),
      line('A', NOW - DAY, 1, 1, 50, false),
    ]);
    const r = evalAt(NOW);
    assert.equal(r.entries['A']?.n_30d, 1);
    assert.equal(r.issues.unresolved, 2);
  });

  it('reads CSV with configured field names and group column', () => {
    const p = join(dir, 'trades.csv');
    writeFileSync(
      p,
      'when,strategy,done,pnl,qty,px\n' +
        Array.from(
          { length: 30 },
          (_, i) => `${new Date(NOW - DAY - i * 1000).toISOString()},"mom",1,-10,2,50\n`,
        ).join('') +
        `${new Date(NOW - DAY).toISOString()},mom,,5,1,50\n`,
    );
    const r = evaluateStrategies({
      tradesPath: p,
      statePath: join(dir, 'state.json'),
      now: NOW,
      options: {
        groupBy: 'strategy',
        fields: { ts: 'when', resolved: 'done', pnl: 'pnl', size: 'qty', entryPrice: 'px' },
      },
    });
    assert.equal(r.entries['mom']?.status, 'blocked');
    assert.equal(r.entries['mom']?.n_30d, 30);
    assert.equal(r.issues.unresolved, 1);
  });

  it('refuses a CSV whose header lacks a column, naming it', () => {
    const p = join(dir, 'trades.csv');
    writeFileSync(p, 'ts,sport,resolved,pnl_c,size\n2026-05-01T00:00:00Z,A,1,1,1\n');
    assert.throws(
      () => evaluateStrategies({ tradesPath: p, statePath: join(dir, 's.json'), now: NOW }),
      (e: unknown) => e instanceof TradeLogError && /lacks column\(s\) entry_price_c/.test(e.message),
    );
  });
});

describe('evaluateStrategies: bad input', () => {
  it('counts and reports bad lines with line numbers, never shifting a figure', () => {
    write('trades.jsonl', [
      ...trades('A', 30, 1),
      '{"ts": "2026-05-01T00:00:00Z", "sport": "A", "resolved": 1, "pnl_c": 1', // 31 malformed
      line('A', 'yesterday', 1), // 32 bad ts
      JSON.stringify({ ts: '2026-05-01T00:00:00Z', sport: 'A', resolved: 1, size: 1, entry_price_c: 50 }), // 33 missing pnl
      JSON.stringify({
        ts: '2026-05-01T00:00:00Z',
        sport: 'A',
        resolved: 1,
        pnl_c: '5',
        size: 1,
        entry_price_c: 50,
      }), // 34 non-numeric
      JSON.stringify({ ts: '2026-05-01T00:00:00Z', resolved: 1, pnl_c: 5, size: 1, entry_price_c: 50 }), // 35 no group
      '',
      JSON.stringify({
        ts: '2026-02-30T00:00:00Z',
        sport: 'A',
        resolved: 1,
        pnl_c: 5,
        size: 1,
        entry_price_c: 50,
      }), // 37 no such day
      '[1,2]', // 38
      JSON.stringify({ ts: 1714000000, sport: 'A', resolved: 1, pnl_c: 5, size: 1, entry_price_c: 50 }), // 39 numeric ts
    ]);
    const r = evalAt(NOW);
    assert.equal(r.entries['A']?.n_30d, 30);
    assert.equal(r.entries['A']?.roi_30d, 0.02);
    assert.deepEqual(r.issues.counts, { malformed: 2, bad_timestamp: 3, missing_field: 2, non_numeric: 1 });
    assert.equal(r.issues.total, 8);
    assert.deepEqual(
      r.issues.examples.map((e) => [e.line, e.kind, e.field]),
      [
        [31, 'malformed', ''],
        [32, 'bad_timestamp', 'ts'],
        [33, 'missing_field', 'pnl_c'],
        [34, 'non_numeric', 'pnl_c'],
        [35, 'missing_field', 'sport'],
      ],
    );
  });

  it('parses escaped strings and nested values through JSON.parse', () => {
    write('trades.jsonl', [
      JSON.stringify({
        ts: '2026-05-01T00:00:00Z',
        sport: 'A\u00e9\\"x',
        resolved: { ok: true },
        pnl_c: 1.5e1,
        size: 2,
        entry_price_c: 50,
        meta: [1, { a: 2 }],
      }),
    ]);
    const r = evalAt(NOW, { options: { minN: 1 } });
    assert.deepEqual(Object.keys(r.entries), ['A\u00e9\\"x']);
    assert.equal(r.entries['A\u00e9\\"x']?.roi_30d, 0.3);
  });

  it('fails clearly on a missing or empty log', () => {
    assert.throws(
      () => evalAt(NOW),
      (e: unknown) => e instanceof TradeLogError && /not found/.test(e.message),
    );
    write('trades.jsonl', []);
    assert.throws(
      () => evalAt(NOW),
      (e: unknown) => e instanceof TradeLogError && /empty/.test(e.message),
    );
    writeFileSync(join(dir, 'trades.jsonl'), '\n\n');
    assert.throws(
      () => evalAt(NOW),
      (e: unknown) => e instanceof TradeLogError && /no trade lines/.test(e.message),
    );
  });

  it('refuses a damaged state file instead of forgetting what was blocked', () => {
    write('trades.jsonl', trades('A', 3, 1));
    writeFileSync(join(dir, 'state.json'), '{"as_of": ');
    assert.throws(
      () => evalAt(NOW),
      (e: unknown) => e instanceof StateFileError && /not valid JSON/.test(e.message),
    );
  });

  it('validates options with a RangeError naming the option', () => {
    write('trades.jsonl', trades('A', 3, 1));
    assert.throws(() => evalAt(NOW, { options: { minN: 0 } }), /minN must be an integer >= 1 \(got 0\)/);
    assert.throws(() => evalAt(NOW, { options: { windowDays: -1 } }), /windowDays/);
    assert.throws(() => evalAt(NOW, { options: { trip: 0.1, recover: 0 } }), /recover must be >= trip/);
    assert.throws(() => evalAt(NOW, { spanBytes: 0 }), /spanBytes must be >= 1 \(got 0\)/);
  });
});

describe('evaluateStrategies: departures from the seed over several nights', () => {
  it('keeps a tripped strategy blocked when its real trades age out, and recovers it on shadow trades', () => {
    write('trades.jsonl', [...trades('NHL', 40, -10, DAY), ...trades('NBA', 40, 5, DAY)]);
    assert.equal(evalAt(NOW).entries['NHL']?.status, 'blocked');
    // 40 days later: every real trade is out of the window. The seed would drop NHL (unknown, fail open).
    const later = NOW + 40 * DAY;
    let r = evalAt(later);
    assert.equal(r.entries['NHL']?.status, 'blocked');
    assert.equal(r.entries['NHL']?.reason, 'shadow_below_min_n');
    assert.equal(r.entries['NBA']?.status, 'monitor');
    assert.equal(r.entries['NBA']?.reason, 'no_trades_in_window');
    // Shadow trades: rejected signals logged, outcomes reported later.
    const ledger = new ShadowLedger(join(dir, 'shadow.jsonl'));
    for (let i = 0; i < 30; i++) {
      ledger.record({
        id: `s${i}`,
        key: 'NHL',
        ts: new Date(later + DAY + i * 60_000).toISOString(),
        entryPriceC: 50,
        size: 1,
      });
      if (i < 29) ledger.resolve(`s${i}`, 5);
    }
    r = evalAt(later + 2 * DAY);
    assert.equal(r.entries['NHL']?.status, 'blocked');
    assert.equal(r.entries['NHL']?.shadow_n_30d, 29);
    assert.equal(r.shadow.pending, 1);
    ledger.resolve('s29', 5);
    r = evalAt(later + 3 * DAY);
    assert.equal(r.entries['NHL']?.status, 'active');
    assert.equal(r.entries['NHL']?.reason, 'recovered');
    assert.equal(r.entries['NHL']?.basis, 'shadow');
    assert.equal(r.entries['NHL']?.shadow_roi_30d, 0.1);
    assert.equal(r.transitions.find((t) => t.key === 'NHL')?.kind, 'recover');
  });

  it('stays blocked when shadow trades recover less than the recovery threshold', () => {
    write('trades.jsonl', trades('NHL', 40, -10));
    evalAt(NOW);
    const ledger = new ShadowLedger(join(dir, 'shadow.jsonl'));
    for (let i = 0; i < 30; i++) {
      ledger.record({
        id: `s${i}`,
        key: 'NHL',
        ts: new Date(NOW + i * 60_000).toISOString(),
        entryPriceC: 50,
        size: 1,
      });
      ledger.resolve(`s${i}`, -1);
    }
    const r = evalAt(NOW + DAY);
    assert.equal(r.entries['NHL']?.reason, 'still_below_threshold');
  });
});

describe('evaluateStrategies: incremental', () => {
  it('reads only the new bytes and gives the same state as a full read', () => {
    const cursorPath = join(dir, 'cursor.json');
    write('trades.jsonl', [...trades('A', 50, 1, 2 * DAY), ...trades('B', 50, -1, 2 * DAY)]);
    const first = evalAt(NOW, { cursorPath });
    assert.equal(first.read.mode, 'full');
    appendFileSync(join(dir, 'trades.jsonl'), `${trades('A', 5, -3, DAY / 2).join('\n')}\n`);
    const inc = evalAt(NOW + DAY / 3, { cursorPath, write: true });
    assert.equal(inc.read.mode, 'incremental');
    assert.equal(inc.read.lines, 5);
    const full = evalAt(NOW + DAY / 3, { cursorPath: null });
    assert.deepEqual(inc.entries, full.entries);
  });

  it('falls back to a full read when the log was rewritten or shrank', () => {
    const cursorPath = join(dir, 'cursor.json');
    write('trades.jsonl', trades('A', 50, 1));
    evalAt(NOW, { cursorPath });
    write('trades.jsonl', trades('A', 50, 2));
    const r = evalAt(NOW, { cursorPath });
    assert.equal(r.read.mode, 'full');
    assert.ok(
      r.read.fullReason === 'prefix_changed' || r.read.fullReason === 'file_replaced',
      r.read.fullReason,
    );
    assert.equal(r.entries['A']?.roi_30d, 0.04);
    write('trades.jsonl', trades('A', 10, 2));
    const r2 = evalAt(NOW, { cursorPath });
    assert.equal(r2.read.mode, 'full');
  });

  it('reads a cursor of the format before v4 (an array per bucket) as none: one full read, then incremental', () => {
    const cursorPath = join(dir, 'cursor.json');
    write('trades.jsonl', trades('A', 50, 1, 2 * DAY));
    evalAt(NOW, { cursorPath });
    const c = JSON.parse(readFileSync(cursorPath, 'utf8')) as {
      version: number;
      buckets: Record<string, number[]>;
    };
    // the same cursor as an older Warden wrote it
    const old = { ...c, version: 3, buckets: { A: [[c.buckets['A']?.[0], 1, 1, 1]] } };
    writeFileSync(cursorPath, JSON.stringify(old));
    appendFileSync(join(dir, 'trades.jsonl'), `${trades('A', 5, -3, DAY / 2).join('\n')}\n`);
    const r = evalAt(NOW + DAY / 3, { cursorPath });
    assert.equal(r.read.mode, 'full');
    assert.equal(r.read.fullReason, 'no_cursor');
    assert.deepEqual(r.entries, evalAt(NOW + DAY / 3, { cursorPath: null }).entries);
    appendFileSync(join(dir, 'trades.jsonl'), `${trades('A', 5, 2, DAY / 4).join('\n')}\n`);
    assert.equal(evalAt(NOW + DAY / 3, { cursorPath }).read.mode, 'incremental');
  });

  it('resumes a CSV log past its header, also after an unterminated last line', () => {
    const cursorPath = join(dir, 'cursor.json');
    const p = join(dir, 'trades.csv');
    const row = (i: number, pnl: number): string =>
      `${new Date(NOW - DAY - i * 1000).toISOString()},A,1,${pnl},1,50`;
    writeFileSync(p, `ts,sport,resolved,pnl_c,size,entry_price_c\n${row(1, 1)}\n${row(2, 2)}`);
    const params = {
      tradesPath: p,
      statePath: join(dir, 's.json'),
      now: NOW,
      options: { minN: 1 },
      cursorPath,
    };
    assert.equal(evaluateStrategies(params).entries['A']?.n_30d, 2);
    appendFileSync(p, `\n${row(3, 3)}\n`);
    const inc = evaluateStrategies(params);
    assert.equal(inc.read.mode, 'incremental');
    assert.equal(inc.issues.total, 0);
    assert.equal(inc.entries['A']?.n_30d, 3);
    appendFileSync(p, `${row(4, -40)}\n`);
    const inc2 = evaluateStrategies(params);
    assert.deepEqual(
      inc2.entries['A'],
      evaluateStrategies({ ...params, statePath: join(dir, 's2.json'), cursorPath: null }).entries['A'],
    );
    assert.equal(inc2.entries['A']?.roi_30d, -34 / 200);
  });

  it('leaves the cursor alone while another live evaluation holds its lock, and takes over a dead one', () => {
    const cursorPath = join(dir, 'cursor.json');
    write('trades.jsonl', trades('A', 40, 1));
    writeFileSync(`${cursorPath}.lock`, String(process.pid));
    const r = evalAt(NOW, { cursorPath });
    assert.equal(r.read.fullReason, 'cursor_locked');
    assert.equal(existsSync(cursorPath), false);
    writeFileSync(`${cursorPath}.lock`, '999999999');
    assert.equal(evalAt(NOW, { cursorPath }).read.fullReason, 'no_cursor');
    assert.equal(existsSync(cursorPath), true);
    assert.equal(existsSync(`${cursorPath}.lock`), false);
    assert.equal(evalAt(NOW, { cursorPath }).read.mode, 'incremental');
  });

  it('sums the hour the cutoff falls in from the log itself, reading again only the spans that hold it', () => {
    const cursorPath = join(dir, 'cursor.json');
    // 40 days of trades, one every 20 minutes, in time order, fractional pnl (order-sensitive sums)
    const lines = Array.from({ length: 2880 }, (_, i) =>
      line(i % 3 === 0 ? 'A' : 'B', NOW - 40 * DAY + i * 1_200_000, ((i % 7) - 3) / 3),
    );
    const p = write('trades.jsonl', lines);
    const size = readFileSync(p).length;
    const spanBytes = 1024;
    evalAt(NOW, { cursorPath, spanBytes });
    const c = JSON.parse(readFileSync(cursorPath, 'utf8')) as { version: number; spans: number[] };
    assert.equal(c.version, 5);
    assert.ok(c.spans.length / 4 > 100, `spans: ${c.spans.length / 4}`);
    assert.equal(existsSync(`${cursorPath}.d`), false); // nothing beside the cursor
    for (const later of [0.25, 1.3, 2.01]) {
      appendFileSync(p, `${line('A', NOW + later * DAY - 60_000, -0.7)}\n`);
      const inc = evalAt(NOW + later * DAY, { cursorPath, spanBytes });
      assert.equal(inc.read.mode, 'incremental');
      // an hour of this log is 3 lines: at most the spans of the two slots around it are read again
      assert.ok(inc.read.rereadBytes > 0 && inc.read.rereadBytes <= 3 * spanBytes, `${inc.read.rereadBytes}`);
      assert.ok(inc.read.rereadBytes < size / 100);
      const full = evalAt(NOW + later * DAY, { cursorPath: null, statePath: join(dir, 'full.json') });
      assert.deepEqual(inc.entries, full.entries);
    }
  });

  it('gives a full read to the bit for a log out of time order too (wider spans are read again)', () => {
    const cursorPath = join(dir, 'cursor.json');
    const lines = Array.from({ length: 1500 }, (_, i) =>
      line(i % 2 === 0 ? 'A' : 'B', NOW - 34 * DAY + ((i * 7919) % 1500) * 1_958_400, ((i % 5) - 2) / 7),
    );
    const p = write('trades.jsonl', lines);
    evalAt(NOW, { cursorPath, spanBytes: 512 });
    appendFileSync(p, `${line('B', NOW + DAY, 0.3)}\n`);
    const inc = evalAt(NOW + 1.5 * DAY, { cursorPath, spanBytes: 512 });
    assert.equal(inc.read.mode, 'incremental');
    assert.equal(inc.read.lines, 1);
    const share = inc.read.rereadBytes / readFileSync(p).length;
    assert.ok(share > 0.1, `shuffled times: many spans hold the hour (${share})`); // in order: < 1 %
    assert.deepEqual(
      inc.entries,
      evalAt(NOW + 1.5 * DAY, { cursorPath: null, statePath: join(dir, 'f.json') }).entries,
    );
  });

  it('reads the spans of a CSV log again with its header (CRLF lines, quoted cells), to the bit', () => {
    const cursorPath = join(dir, 'cursor.json');
    const p = join(dir, 'trades.csv');
    const row = (i: number): string =>
      `${new Date(NOW - 33 * DAY + i * 1_800_000).toISOString()},"${i % 2 === 0 ? 'A' : 'B, Inc'}",1,${((i % 9) - 4) / 3},${1 + (i % 4)},50\r\n`;
    let text = 'ts,sport,resolved,pnl_c,size,entry_price_c\r\n';
    for (let i = 0; i < 1500; i++) text += row(i);
    writeFileSync(p, text);
    const params = {
      tradesPath: p,
      statePath: join(dir, 's.json'),
      options: { minN: 1 },
      cursorPath,
      spanBytes: 700,
    };
    evaluateStrategies({ ...params, now: NOW });
    for (const [k, later] of [0.4, 1.1, 2.7].entries()) {
      appendFileSync(p, row(1500 + k));
      const inc = evaluateStrategies({ ...params, now: NOW + later * DAY });
      assert.equal(inc.read.mode, 'incremental');
      assert.ok(inc.read.rereadBytes > 0 && inc.read.rereadBytes < 3 * 700, `${inc.read.rereadBytes}`);
      const full = evaluateStrategies({
        ...params,
        now: NOW + later * DAY,
        cursorPath: null,
        statePath: join(dir, 'f.json'),
      });
      assert.deepEqual(inc.entries, full.entries);
    }
  });

  it('does not use a cursor whose spans were damaged (out of order, past the bytes read, not numbers, cut)', () => {
    const cursorPath = join(dir, 'cursor.json');
    const lines = Array.from({ length: 600 }, (_, i) =>
      line('A', NOW - 31 * DAY + i * 3_600_000, ((i % 5) - 2) / 3),
    );
    const p = write('trades.jsonl', lines);
    evalAt(NOW, { cursorPath, spanBytes: 2048 });
    const good = readFileSync(cursorPath, 'utf8');
    const c = JSON.parse(good) as { spans: number[]; offset: number };
    const later = NOW + DAY / 2;
    const want = evalAt(later, { cursorPath: null, statePath: join(dir, 'full.json') }).entries;
    for (const spans of [
      [c.spans[4], c.spans[5], ...c.spans.slice(2, 4), ...c.spans.slice(0, 2), ...c.spans.slice(6)], // out of order
      [...c.spans.slice(0, -3), c.offset + 1, ...c.spans.slice(-2)], // past the bytes read
      c.spans.map(String),
      c.spans.slice(1),
      {},
    ]) {
      writeFileSync(cursorPath, JSON.stringify({ ...c, spans }));
      const r = evalAt(later, { cursorPath, spanBytes: 2048 });
      assert.equal(r.read.fullReason, 'cursor_damaged', JSON.stringify(spans).slice(0, 60));
      assert.deepEqual(r.entries, want);
    }
    writeFileSync(cursorPath, good);
    appendFileSync(p, `${line('A', later - 1000, 1)}\n`);
    assert.equal(evalAt(later, { cursorPath, spanBytes: 2048 }).read.mode, 'incremental');
  });

  it('reads a version 4 cursor as none and deletes its day files; a changed line limit also means a full read', () => {
    const cursorPath = join(dir, 'cursor.json');
    write('trades.jsonl', trades('A', 50, 1, 2 * DAY));
    evalAt(NOW, { cursorPath });
    const c = JSON.parse(readFileSync(cursorPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(cursorPath, JSON.stringify({ ...c, version: 4, rawCounts: { '20577': 50 } }));
    mkdirSync(`${cursorPath}.d`);
    writeFileSync(join(`${cursorPath}.d`, '20577.bin'), Buffer.alloc(50 * 32));
    const r = evalAt(NOW, { cursorPath });
    assert.equal(r.read.fullReason, 'no_cursor');
    assert.equal(existsSync(`${cursorPath}.d`), false);
    assert.equal(evalAt(NOW, { cursorPath }).read.mode, 'incremental');
    const other = evalAt(NOW, { cursorPath, maxLineBytes: 4096 });
    assert.equal(other.read.fullReason, 'options_changed');
  });

  it('re-reads an unterminated last line once it is complete', () => {
    const cursorPath = join(dir, 'cursor.json');
    const p = join(dir, 'trades.jsonl');
    writeFileSync(p, `${trades('A', 40, 1).join('\n')}\n${line('A', NOW - DAY, -50)}`);
    const a = evalAt(NOW, { cursorPath });
    assert.equal(a.entries['A']?.n_30d, 41);
    appendFileSync(p, `\n${line('A', NOW - DAY, 7)}\n`);
    const b = evalAt(NOW, { cursorPath });
    assert.equal(b.read.mode, 'incremental');
    assert.equal(b.entries['A']?.n_30d, 42);
    assert.deepEqual(b.entries, evalAt(NOW, { cursorPath: null }).entries);
  });
});

describe('readShadowFigures', () => {
  it('joins records and outcomes by id, reports bad lines and waits for an unterminated last line', async () => {
    const { readShadowFigures } = await import('../shadow/shadow-ledger.js');
    const p = join(dir, 'shadow.jsonl');
    writeFileSync(
      p,
      [
        JSON.stringify({
          op: 'record',
          id: 'a',
          key: 'NHL',
          ts: '2026-05-01T00:00:00Z',
          entry_price_c: 40,
          size: 2,
        }),
        JSON.stringify({
          op: 'record',
          id: 'b',
          key: 'NHL',
          ts: '2026-05-01T00:00:00Z',
          entry_price_c: 60,
          size: 1,
        }),
        'oops',
        JSON.stringify({ op: 'resolve', id: 'b', pnl_c: -60 }),
        JSON.stringify({ op: 'resolve', id: 'a', pnl_c: 60 }),
        JSON.stringify({
          op: 'record',
          id: 'old',
          key: 'NHL',
          ts: '2026-01-01T00:00:00Z',
          entry_price_c: 40,
          size: 2,
        }),
        JSON.stringify({ op: 'resolve', id: 'old', pnl_c: 60 }),
        JSON.stringify({
          op: 'record',
          id: 'c',
          key: 'NHL',
          ts: '2026-05-01T00:00:00Z',
          entry_price_c: 40,
          size: 2,
        }),
        JSON.stringify({
          op: 'record',
          id: 'neg',
          key: 'NHL',
          ts: '2026-05-01T00:00:00Z',
          entry_price_c: 40,
          size: -400,
        }),
        JSON.stringify({ op: 'resolve', id: 'neg', pnl_c: -40 }),
      ].join('\n') + '\n{"op":"resolve","id":"c","pn',
    );
    const f = readShadowFigures(p, NOW - 30 * DAY);
    assert.deepEqual(f.figures.get('NHL'), { n: 2, pnl: 60 * 2 - 60, cost: 40 * 2 + 60 });
    assert.equal(f.pending, 1);
    assert.equal(f.bad, 2); // 'oops' and the size -400 record (its outcome joins nothing)
    assert.deepEqual(f.badLines, [3, 9]);
    assert.throws(
      () =>
        new ShadowLedger(p).record({ id: '', key: 'A', ts: '2026-05-01T00:00:00Z', entryPriceC: 1, size: 1 }),
      /id must be a non-empty string/,
    );
    assert.throws(
      () =>
        new ShadowLedger(p).record({
          id: 'x',
          key: 'A',
          ts: '2026-05-01T00:00:00Z',
          entryPriceC: 1,
          size: -4,
        }),
      /size must be a number > 0/,
    );
  });
});
