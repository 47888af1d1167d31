import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PgChangeFeed, type ChangeWake } from './pg-change-feed.js';

// Notifications off: no connection is made; only the poll's cadence is exercised.
const feed = (pollMs: number) =>
  new PgChangeFeed({
    connectionString: 'postgres://127.0.0.1:1/none',
    schema: 'w',
    pollMs,
    notifications: false,
  });

describe('the change feed poll cadence', () => {
  it('plans polls ahead by the slowest recent answer, at most half the interval', async () => {
    const f = feed(10_000);
    try {
      assert.equal(f.pollMarginMs, 1000, 'a tenth of the interval before any poll answered');
      f.pollAnswered(Date.now() - 2500);
      assert.ok(f.pollMarginMs >= 2500 && f.pollMarginMs < 2600);
      f.pollAnswered(Date.now() - 60_000);
      assert.equal(f.pollMarginMs, 5000, 'capped at half the interval');
      for (let i = 0; i < 8; i++) f.pollAnswered(Date.now() - 100);
      assert.ok(f.pollMarginMs >= 100 && f.pollMarginMs < 200, 'only the last 8 polls count');
      f.pollAnswered(Date.now() + 5000); // a clock that jumped: ignored
      assert.ok(f.pollMarginMs >= 100);
    } finally {
      await f.close();
    }
  });

  it('wakes with the planned time, so a listener can report its answer', async () => {
    const f = feed(50);
    const polls: ChangeWake[] = [];
    f.onWake((w) => {
      polls.push(w);
      if (w.plannedAt !== null) f.pollAnswered(w.plannedAt);
    });
    const t0 = Date.now();
    while (polls.length < 3) {
      assert.ok(Date.now() - t0 < 10_000);
      await new Promise((r) => setTimeout(r, 10));
    }
    await f.close();
    assert.ok(polls.every((w) => w.cause === 'poll' && w.trip === null && typeof w.plannedAt === 'number'));
    const n = polls.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(polls.length, n, 'no poll after close');
  });
});
