import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDailyCron, toLaunchdTimes, toOnCalendar } from './daily-schedule.js';

describe('daily schedule', () => {
  it('turns "M H * * *" into an OnCalendar time in its zone', () => {
    assert.equal(toOnCalendar(parseDailyCron('49 3 * * *', 'UTC', 's')), '*-*-* 03:49:00 UTC');
    assert.equal(
      toOnCalendar(parseDailyCron('0,30 21,9 * * *', 'Asia/Tokyo', 's')),
      '*-*-* 09,21:00,30:00 Asia/Tokyo',
    );
  });

  it('refuses steps, ranges, weekdays, extra fields and unknown zones, naming the setting', () => {
    for (const bad of [
      '*/5 * * * *',
      '0 9-17 * * *',
      '0 9 * * 1',
      '0 0 9 * * *',
      '60 1 * * *',
      '0 24 * * *',
      '',
    ]) {
      assert.throws(() => parseDailyCron(bad, 'UTC', 'strategy.cron'), /^RangeError: strategy\.cron: /);
    }
    assert.throws(
      () => parseDailyCron('0 9 * * *', 'Mars/Olympus', 'x'),
      /unknown time zone "Mars\/Olympus"/,
    );
  });

  it('keeps launchd times unchanged and silent when the zones agree', () => {
    const t = toLaunchdTimes(parseDailyCron('5 1 * * *', 'Etc/UTC', 's'), 'UTC', Date.UTC(2026, 5, 1));
    assert.deepEqual(t.intervals, [{ Hour: 1, Minute: 5 }]);
    assert.equal(t.warning, null);
  });

  it('converts across midnight with the offsets of the given day', () => {
    const s = parseDailyCron('30 23 * * *', 'UTC', 's');
    assert.deepEqual(toLaunchdTimes(s, 'Europe/Berlin', Date.UTC(2026, 6, 1)).intervals, [
      { Hour: 1, Minute: 30 },
    ]);
    assert.deepEqual(toLaunchdTimes(s, 'Asia/Kolkata', Date.UTC(2026, 0, 1)).intervals, [
      { Hour: 5, Minute: 0 },
    ]);
  });
});
