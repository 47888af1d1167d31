import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runTune, expandGrid, DEFAULT_TUNE_GRID } from './tune.js';
import { loadHistory } from './tune-history.js';
import { writeSyntheticLog } from '../trade-log/synthetic-log.js';
import { walkGroup } from './walk-forward.js';
import type { GroupSeries } from './tune-history.js';

function series(daily: [number, number][]): GroupSeries {
  const n = daily.length;
  const g = {
    key: 'A',
    pnl: new Float64Array(n),
    cost: new Float64Array(n),
    n: new Float64Array(n),
    labelled: new Float64Array(n),
  };
  daily.forEach(([pnl, trades], d) => {
    g.pnl[d] = pnl;
    g.cost[d] = 100 * trades;
    g.n[d] = trades;
  });
  return g;
}

describe('walkGroup', () => {
  it('trips when the window ROI drops below trip, recovers on shadow trades only past min-n', () => {
    // 10 good days, 5 bad days, then good again; 10 trades a day, window 5 days, min-n 30
    const daily: [number, number][] = [
      ...Array.from({ length: 10 }, () => [50, 10] as [number, number]),
      ...Array.from({ length: 5 }, () => [-200, 10] as [number, number]),
      ...Array.from({ length: 10 }, () => [50, 10] as [number, number]),
    ];
    const run = walkGroup(series(daily), { trip: -0.05, recover: 0, minN: 30, windowDays: 5 }, daily.length);
    assert.deepEqual(run.trips, [13]); // day 12 sits exactly at -5% (no trip), day 13 at -10%
    // blocked from day 13; shadow days 13, 14 are bad, then good; recovery needs 30 shadow trades with ROI >= 0
    assert.equal(run.recoveries.length, 1);
    const rec = run.recoveries[0] as number;
    assert.ok(rec > 15, `recovered on day ${rec}`);
    assert.equal(run.blocked[rec - 1], 1);
    assert.equal(run.blocked[rec], 0);
  });

  it('never recovers without shadow trades', () => {
    const daily: [number, number][] = [
      ...Array.from({ length: 5 }, () => [-200, 10] as [number, number]),
      ...Array.from({ length: 20 }, () => [0, 0] as [number, number]),
    ];
    const run = walkGroup(series(daily), { trip: -0.05, recover: 0, minN: 30, windowDays: 5 }, daily.length);
    assert.equal(run.trips.length, 1);
    assert.equal(run.recoveries.length, 0);
  });
});

describe('tuning', () => {
  it('rejects an empty or bad grid naming the field', () => {
    assert.throws(
      () => expandGrid({ trip: [], recover: [0], minN: [30], windowDays: [30] }),
      /grid.trip must be a non-empty list/,
    );
    assert.throws(
      () => expandGrid({ trip: [-0.05], recover: [0], minN: [0], windowDays: [30] }),
      /grid.minN/,
    );
  });

  it('tunes a year of 10 strategies over a 5x5x3x3 grid in well under a minute, catching labelled degradations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-tune-'));
    try {
      const log = join(dir, 'year.jsonl');
      writeSyntheticLog(log, { lines: 200_000, strategies: 10, days: 365, degradations: true, seed: 7 });
      const t0 = performance.now();
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const r = runTune({
        tradesPath: log,
        outDir: dir,
        groupBy: 'sport',
        labelField: 'degraded',
        grid: DEFAULT_TUNE_GRID,
        stdout: sink,
        stderr: sink,
      });
      const ms = performance.now() - t0;
      assert.ok(ms < 60_000, `took ${ms} ms`);
      assert.equal(r.scores.length, 225);
      assert.ok(r.best.caught >= 1);
      assert.ok(r.best.saved > 0);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      assert.match(html, /<svg id="heatmap"/);
      assert.equal(loadHistory(log, { groupBy: 'sport' }).groups.length, 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
