import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluateStrategies } from '../src/strategy/index.js';

const BIN = resolve('bin/warden.js');
const BASIS = 'trades';
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;

/**
 * Seed 000's nightly evaluator (/work/shared/seeds/000_*.txt, "The Nightly Evaluation Cron").
 * pandas is not installed, so its five DataFrame lines are written out in plain Python
 * (to_datetime(utc, coerce), notna, >= cutoff, groupby sum/count, pnl / cost); everything
 * from "Read previous state for hysteresis" to the state it builds is the seed's code
 * unchanged, but for `datetime.now(timezone.utc)`, which is the evaluation time passed in.
 */
const SEED_EVALUATOR = String.raw`
import json, math, sys
from datetime import datetime, timezone, timedelta
from pathlib import Path
TRADES_PATH = Path(sys.argv[1])
STATE_PATH = Path(sys.argv[2])
NOW = datetime.fromisoformat(sys.argv[3])
ROI_TRIP = -0.05
ROI_RECOVER = 0.0
MIN_N = 30
WINDOW_DAYS = 30

def load_trades():
    rows = []
    with TRADES_PATH.open() as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows

def to_datetime_utc_coerce(v):
    try:
        t = datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)

def notna(v):
    return v is not None and not (isinstance(v, float) and math.isnan(v))

def evaluate_breaker():
    df = load_trades()
    for r in df:
        r["ts"] = to_datetime_utc_coerce(r.get("ts"))
    df = [r for r in df if notna(r.get("resolved"))]
    cutoff = NOW - timedelta(days=WINDOW_DAYS)
    df = [r for r in df if r["ts"] is not None and r["ts"] >= cutoff]
    groups = {}
    for r in df:
        if not notna(r.get("sport")):
            continue  # groupby drops a NaN key
        g = groups.setdefault(r["sport"], {"pnl": 0.0, "cost": 0.0, "n": 0})
        g["pnl"] += r["pnl_c"] * r["size"] / 100
        g["cost"] += r["entry_price_c"] * r["size"] / 100
        g["n"] += 1
    grouped = {}
    for sport in sorted(groups):
        g = groups[sport]
        roi = g["pnl"] / g["cost"] if g["cost"] != 0 else (math.nan if g["pnl"] == 0 else math.copysign(math.inf, g["pnl"]))
        grouped[sport] = {"pnl": g["pnl"], "cost": g["cost"], "n": g["n"], "roi_30d": roi}

    # Read previous state for hysteresis
    try:
        with STATE_PATH.open() as f:
            prev = json.load(f).get("sports", {})
    except (FileNotFoundError, json.JSONDecodeError):
        prev = {}

    new_state = {}
    for sport, row in grouped.items():
        prev_status = prev.get(sport, {}).get("status", "active")

        if row["n"] < MIN_N:
            new_state[sport] = {
                "status": "monitor", "roi_30d": float(row["roi_30d"]),
                "n_30d": int(row["n"]), "note": "below_min_n",
            }
            continue

        if prev_status == "blocked":
            # Hysteresis: only re-enable when above recovery threshold
            if row["roi_30d"] >= ROI_RECOVER:
                status, reason = "active", "recovered"
            else:
                status, reason = "blocked", "still_below_threshold"
        else:
            if row["roi_30d"] < ROI_TRIP:
                status, reason = "blocked", "roi_below_threshold"
            else:
                status, reason = "active", "ok"

        new_state[sport] = {
            "status": status, "roi_30d": float(row["roi_30d"]),
            "n_30d": int(row["n"]), "reason": reason,
            "tripped_at": (
                NOW.isoformat()
                if status == "blocked" and prev_status != "blocked"
                else prev.get(sport, {}).get("tripped_at")
            ),
        }

    out = {
        "as_of": NOW.isoformat(),
        "as_of_unix": int(NOW.timestamp()),
        "sports": new_state,
    }
    print(json.dumps(out, indent=2))

evaluate_breaker()
`;

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0);

interface Entry {
  status: string;
  reason?: string;
  note?: string;
  n_30d: number;
  tripped_at?: string | null;
}

/**
 * Trades per day for each strategy: a story with a trip, a recovery, a stuck block, a vanishing
 * one; each line with its time, so a night's log holds only what happened by then.
 */
function tradeLog(): { at: number; line: string }[] {
  const lines: { at: number; line: string }[] = [];
  const t = (day: number, k: number, sport: string | null, pnl: number, extra: object = {}): void => {
    const at = T0 + day * DAY + k * 600_000;
    lines.push({
      at,
      line: JSON.stringify({
        ts: new Date(at).toISOString(),
        ...(sport === null ? {} : { sport }),
        resolved: 'YES',
        pnl_c: pnl,
        size: 1 + (k % 3),
        entry_price_c: 40 + (k % 20),
        ...extra,
      }),
    });
  };
  for (let d = 0; d < 120; d++) {
    for (let k = 0; k < 3; k++) t(d, k, 'HEALTHY', 6 - k);
    // Bleeds days 10-40, stops trading while blocked (the seed's bot rejects its signals) until day 75.
    if (d < 40 || d >= 75) for (let k = 0; k < 2; k++) t(d, k, 'STOPS', d >= 10 && d < 40 ? -12 : 4);
    // Bleeds days 20-45, keeps trading, then wins: recovers on its real trades.
    for (let k = 0; k < 2; k++) t(d, k, 'RECOVERS', d >= 20 && d < 45 ? -15 : 9);
    // Bleeds, then hovers between the thresholds (-5 % .. 0 %): still_below_threshold.
    for (let k = 0; k < 2; k++) t(d, k, 'HOVERS', d < 30 ? -20 : k === 0 ? -3 : 1);
    if (d % 5 === 0) t(d, 0, 'SPARSE', -30);
    if (d < 35) for (let k = 0; k < 2; k++) t(d, k, 'VANISHES', -25);
    if (d % 7 === 0) {
      lines.push({ at: T0 + d * DAY, line: '{not json' });
      t(d, 5, 'HEALTHY', -500, { resolved: null }); // unresolved: ignored by both
      t(d, 6, 'HEALTHY', -500, { ts: 'yesterday' }); // NaT / bad_timestamp: ignored by both
      t(d, 7, null, -500); // no group: dropped by both
    }
  }
  return lines;
}

let story: { at: number; line: string }[];

describe("--recovery-basis trades gives seed 000's statuses and reasons", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-seed-'));
    story = tradeLog();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'on the same log and prior state, night after night',
    { skip: python === undefined ? 'no python3' : false },
    () => {
      const prior = join(dir, 'prior.json'); // the seed's state of the night before, shared by both
      const chained = join(dir, 'warden-chained.json'); // Warden fed its own state
      const seen = new Set<string>();
      for (let day = 20; day <= 119; day += 7) {
        const nowMs = T0 + day * DAY + 3 * 3_600_000 + 49 * 60_000;
        const now = new Date(nowMs).toISOString();
        const upToNow = story.filter((l) => l.at <= nowMs).map((l) => l.line);
        writeFileSync(join(dir, 'trades.jsonl'), `${upToNow.join('\n')}\n`);
        const seed = spawnSync(
          python as string,
          ['-c', SEED_EVALUATOR, join(dir, 'trades.jsonl'), prior, now],
          {
            encoding: 'utf8',
          },
        );
        assert.equal(seed.status, 0, seed.stderr);
        const want = (JSON.parse(seed.stdout) as { sports: Record<string, Entry> }).sports;
        for (const label of ['same prior', 'chained'] as const) {
          let got: Record<string, Entry>;
          if (label === 'same prior') {
            // The command line, on a copy of the seed's own state of the night before.
            const statePath = join(dir, 'warden.json');
            rmSync(statePath, { force: true });
            try {
              copyFileSync(prior, statePath);
            } catch {
              /* first night: no prior state */
            }
            const r = spawnSync(
              process.execPath,
              [
                BIN,
                '--data-dir',
                join(dir, 'data'),
                'evaluate',
                '--trades',
                join(dir, 'trades.jsonl'),
                '--state',
                statePath,
                '--state-key',
                'sports',
                '--recovery-basis',
                BASIS,
                '--now',
                now,
                '--full',
                '--json',
              ],
              { encoding: 'utf8', cwd: dir },
            );
            assert.equal(r.status, 0, r.stderr);
            got = (JSON.parse(r.stdout) as { sports: Record<string, Entry> }).sports;
          } else {
            // The library, fed its own state night after night.
            got = evaluateStrategies({
              tradesPath: join(dir, 'trades.jsonl'),
              statePath: chained,
              now: nowMs,
              options: { stateKey: 'sports', recoveryBasis: BASIS },
              overridesPath: null,
            }).entries as Record<string, Entry>;
          }
          for (const [key, w] of Object.entries(want)) {
            const g = got[key];
            const at = `${label}, ${now}, ${key}`;
            assert.ok(g, `${at}: missing`);
            assert.equal(g.status, w.status, at);
            assert.equal(g.reason, w.reason, at);
            assert.equal(g.note, w.note, at);
            assert.equal(g.n_30d, w.n_30d, at);
            if (w.tripped_at === undefined) assert.equal(g.tripped_at, undefined, at);
            else if (w.tripped_at === null) assert.equal(g.tripped_at, null, at);
            else assert.equal(Date.parse(g.tripped_at as string), Date.parse(w.tripped_at), at);
            seen.add(`${key}:${w.status}:${w.reason ?? w.note}`);
          }
          // What the seed drops (no trade in the window) Warden keeps, allowed as the seed's check allows it.
          for (const [key, g] of Object.entries(got)) {
            if (key in want) continue;
            assert.deepEqual(
              [g.status, g.reason],
              ['monitor', 'no_trades_in_window'],
              `${label}, ${now}, ${key}`,
            );
          }
        }
        writeFileSync(prior, seed.stdout);
      }
      // The story covered every rule of the seed.
      for (const s of [
        'HEALTHY:active:ok',
        'STOPS:blocked:roi_below_threshold',
        'STOPS:monitor:below_min_n',
        'RECOVERS:blocked:still_below_threshold',
        'RECOVERS:active:recovered',
        'HOVERS:blocked:still_below_threshold',
        'SPARSE:monitor:below_min_n',
        'VANISHES:blocked:roi_below_threshold',
      ])
        assert.ok(seen.has(s), `not covered: ${s} (saw ${[...seen].join(', ')})`);
    },
  );
});
