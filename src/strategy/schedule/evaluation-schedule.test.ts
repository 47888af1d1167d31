import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../util/clock.js';
import type { EvaluationResult } from '../evaluate/evaluate.js';
import { detectMissedRun, startEvaluationSchedule, type MissedRun } from './evaluation-schedule.js';
import type { Transition } from '../types.js';

const H = 3_600_000;
const DUE = Date.parse('2026-05-06T03:49:00Z');
const LAST = Date.parse('2026-05-05T03:49:12Z');

function fakeResult(transitions: Transition[]): EvaluationResult {
  return { transitions } as unknown as EvaluationResult;
}

describe('detectMissedRun', () => {
  it('is quiet within the grace period and reports the due time after it', () => {
    assert.equal(detectMissedRun('49 3 * * *', 'UTC', LAST, 0, DUE + H, H), null);
    const m = detectMissedRun('49 3 * * *', 'UTC', LAST, 0, DUE + H + 1, H);
    assert.equal(m?.expectedAt.toISOString(), '2026-05-06T03:49:00.000Z');
    assert.equal(m?.lateByMs, H + 1);
  });

  it('counts from the start of the schedule when no run ever succeeded (three silent weeks)', () => {
    const m = detectMissedRun('49 3 * * *', 'UTC', null, LAST, LAST + 21 * 24 * H, H);
    assert.equal(m?.expectedAt.toISOString(), '2026-05-06T03:49:00.000Z');
    assert.equal(m?.lastSuccessAt, null);
  });

  it('honours the time zone of the pattern', () => {
    const m = detectMissedRun(
      '0 2 * * *',
      'America/New_York',
      Date.parse('2026-05-05T07:00:00Z'),
      0,
      Date.parse('2026-05-06T06:30:00Z'),
      0,
    );
    assert.equal(m?.expectedAt.toISOString(), '2026-05-06T06:00:00.000Z');
  });
});

describe('startEvaluationSchedule', () => {
  it('calls onTrip and onRecover for each transition of a run', async () => {
    const trips: string[] = [];
    const recs: string[] = [];
    const t = (key: string, kind: Transition['kind']): Transition => ({
      key,
      from: null,
      to: 'blocked',
      kind,
      reason: '',
      roi: null,
      n: 0,
    });
    const s = startEvaluationSchedule({
      evaluate: () => fakeResult([t('NHL', 'trip'), t('NBA', 'recover'), t('CS2', 'other')]),
      onTrip: (x) => trips.push(x.key),
      onRecover: (x) => recs.push(x.key),
      checkEveryMs: 0,
      clock: new ManualClock(LAST),
    });
    await s.runNow();
    s.close();
    assert.deepEqual([trips, recs], [['NHL'], ['NBA']]);
  });

  it('alerts once per missed due time, and not after a successful run', async () => {
    const clock = new ManualClock(LAST);
    const missed: MissedRun[] = [];
    let last: number | null = LAST;
    const s = startEvaluationSchedule({
      evaluate: () => fakeResult([]),
      lastSuccessAt: () => last,
      onMissedRun: (m) => missed.push(m),
      checkEveryMs: 0,
      clock,
    });
    assert.equal(s.checkMissed(), null);
    clock.set(DUE + 2 * H);
    assert.notEqual(s.checkMissed(), null);
    s.checkMissed();
    assert.equal(missed.length, 1);
    last = null;
    await s.runNow();
    assert.equal(s.checkMissed(), null);
    clock.set(DUE + 24 * H + 2 * H);
    s.checkMissed();
    assert.equal(missed.length, 2);
    assert.ok((s.nextRun()?.getTime() ?? 0) > 0);
    s.close();
  });

  it('reports a failed run through onError and keeps the schedule alive', async () => {
    const errors: unknown[] = [];
    const s = startEvaluationSchedule({
      evaluate: () => {
        throw new Error('log missing');
      },
      onError: (e) => errors.push(e),
      checkEveryMs: 0,
    });
    assert.equal(await s.runNow(), undefined);
    assert.match(String(errors[0]), /log missing/);
    s.close();
  });

  it('validates its options', () => {
    assert.throws(
      () => startEvaluationSchedule({ evaluate: () => fakeResult([]), pattern: 'not a cron' }),
      /pattern must be a cron pattern/,
    );
    assert.throws(
      () => startEvaluationSchedule({ evaluate: () => fakeResult([]), graceMs: -1 }),
      /graceMs must be >= 0 \(got -1\)/,
    );
  });
});
