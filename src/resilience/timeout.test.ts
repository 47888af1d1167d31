import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeTimers } from './fake-timers.js';
import { TimeoutError } from './errors/timeout-error.js';
import { TimeoutPolicy } from './timeout.js';

describe('TimeoutPolicy', () => {
  it('cooperative: aborts the signal at the limit and reports E_TIMEOUT once fn stops', async () => {
    const timers = new FakeTimers();
    const t = new TimeoutPolicy({ ms: 100, timers });
    let aborted = false;
    const p = t.execute(
      (ctx) =>
        new Promise<string>((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          }),
        ),
    );
    const caught = p.catch((e: unknown) => e);
    await timers.advance(100);
    const err = await caught;
    assert.ok(aborted);
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.code, 'E_TIMEOUT');
    assert.equal(err.abandoned, false);
  });

  it('abandon: stops waiting at once and says the action may still be running', async () => {
    const timers = new FakeTimers();
    const t = new TimeoutPolicy({ ms: 50, mode: 'abandon', timers });
    let finish!: (v: string) => void;
    const p = t.execute(() => new Promise<string>((r) => (finish = r))); // ignores its signal
    const caught = p.catch((e: unknown) => e);
    await timers.advance(50);
    const err = (await caught) as TimeoutError;
    assert.equal(err.abandoned, true);
    assert.match(err.message, /may still be running/);
    finish('placed after all');
    assert.equal(await err.pending, 'placed after all');
  });

  it('passes results through and clears its timer', async () => {
    const timers = new FakeTimers();
    const t = new TimeoutPolicy({ ms: 50, timers });
    assert.equal(await t.execute(async (ctx) => ctx.attempt + 1, { attempt: 2 }), 3);
    assert.equal(timers.pending, 0);
    await assert.rejects(
      t.execute(async () => {
        throw new Error('own');
      }),
      /own/,
    );
  });

  it("follows the caller's signal", async () => {
    const t = new TimeoutPolicy({ ms: 10_000 });
    const ac = new AbortController();
    const p = t.execute(
      (ctx) =>
        new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      { signal: ac.signal },
    );
    ac.abort(new Error('caller'));
    await assert.rejects(p, /caller/);
  });

  it('rejects a bad limit', () => {
    assert.throws(() => new TimeoutPolicy({ ms: 0 }), /ms.*0/);
  });
});
