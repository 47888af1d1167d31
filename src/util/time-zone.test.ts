import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTimeZone } from './time-zone.js';

describe('isTimeZone', () => {
  it('accepts canonical names, UTC and aliases, as Intl.DateTimeFormat does', () => {
    for (const tz of ['Europe/Berlin', 'America/New_York', 'UTC', 'Etc/UTC', 'US/Eastern', 'GMT', 'utc'])
      assert.equal(isTimeZone(tz), true, tz);
  });

  it('refuses what no formatter accepts', () => {
    for (const tz of ['Mars/Olympus', '', 'Europe/Berlin ', 'not a zone', '+25:00'])
      assert.equal(isTimeZone(tz), false, JSON.stringify(tz));
  });
});
