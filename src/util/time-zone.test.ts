import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTimeZone, sameZoneRules } from './time-zone.js';

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

describe('sameZoneRules', () => {
  const jan = Date.UTC(2026, 0, 15);
  it('is true for one zone under two names, and for zones with the same offsets all year', () => {
    assert.equal(sameZoneRules('UTC', 'Etc/UTC', jan), true);
    assert.equal(sameZoneRules('America/New_York', 'US/Eastern', jan), true);
    assert.equal(sameZoneRules('Europe/Berlin', 'Europe/Paris', jan), true);
  });

  it('is false when the offsets differ on any day of the coming year, DST included', () => {
    assert.equal(sameZoneRules('UTC', 'Europe/London', jan), false); // equal in January, not in July
    assert.equal(sameZoneRules('Asia/Tokyo', 'Asia/Seoul', jan), true);
    assert.equal(sameZoneRules('America/Phoenix', 'America/Denver', jan), false);
  });
});
