import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ccxt from 'ccxt';
import { AmbiguousOutcomeError } from '../errors/ambiguous-outcome-error.js';
import { constantBackoff, exponentialBackoff } from './backoff.js';
import { FakeTimers } from '../fake-timers.js';
import { RetryPolicy, type RetryOptions } from './retry.js';

function setup(options: RetryOptions = {}): { timers: FakeTimers; retry: RetryPolicy; delays: number[] } {
  const timers = new FakeTimers();
  const retry = new RetryPolicy({ clock: timers.clock, timers, random: () => 0.5, ...options });
  const delays: number[] = [];
  retry.onRetry((e) => delays.push(e.delayMs));
  return { timers, retry, delays };
}

/** Fails with `errors` in turn, then returns 'done'. */
function flaky(...errors: unknown[]): { fn: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const e = errors[n++];
      if (e !== undefined) throw e;
      return 'done';
    },
    calls: () => n,
  };
}

describe('RetryPolicy', () => {
  it('retries retryable failures with backoff until success', async () => {
    const { timers, retry, delays } = setup({
      maxAttempts: 4,
      backoff: exponentialBackoff({ initialMs: 100, factor: 2, maxMs: 1000 }),
    });
    const f = flaky(new ccxt.NetworkError('a'), new ccxt.RequestTimeout('b'));
    const p = retry.execute(f.fn);
    await timers.advance(1000);
    assert.equal(await p, 'done');
    assert.deepEqual(delays, [100, 200]);
    assert.equal(f.calls(), 3);
  });

  it('does not retry what must not be retried', async () => {
    const { retry } = setup();
    const f = flaky(new ccxt.InsufficientFunds('no money'));
    await assert.rejects(retry.execute(f.fn), ccxt.InsufficientFunds);
    assert.equal(f.calls(), 1);
  });

  it('stops at max attempts with the last error', async () => {
    const { timers, retry } = setup({ maxAttempts: 2, backoff: constantBackoff(10) });
    const f = flaky(new ccxt.NetworkError('1'), new ccxt.NetworkError('2'), new ccxt.NetworkError('3'));
    const p = retry.execute(f.fn);
    const caught = p.catch((e: unknown) => e);
    await timers.advance(100);
    assert.equal(((await caught) as Error).message, '2');
    assert.equal(f.calls(), 2);
  });

  it('stops when the next wait would pass max elapsed', async () => {
    const { timers, retry } = setup({ maxAttempts: 10, maxElapsedMs: 250, backoff: constantBackoff(100) });
    const f = flaky(...Array.from({ length: 10 }, () => new ccxt.NetworkError('x')));
    const caught = retry.execute(f.fn).catch((e: unknown) => e);
    await timers.advance(1000);
    assert.ok((await caught) instanceof ccxt.NetworkError);
    assert.equal(f.calls(), 3, 'attempts at 0, 100, 200; a wait to 300 would pass 250');
  });

  it('waits at least the Retry-After the failure carries', async () => {
    const { timers, retry, delays } = setup({ backoff: constantBackoff(10) });
    const limited = Object.assign(new Error('429'), { status: 429, headers: { 'retry-after': '2' } });
    const p = retry.execute(flaky(limited).fn);
    await timers.advance(2000);
    assert.equal(await p, 'done');
    assert.deepEqual(delays, [2000]);
  });

  it('retries a conditional failure only when it says how long to wait', async () => {
    const { retry } = setup();
    const f = flaky(new ccxt.OnMaintenance('down'));
    await assert.rejects(retry.execute(f.fn), ccxt.OnMaintenance);
    assert.equal(f.calls(), 1);
  });

  it('ends the wait at once when the signal aborts mid-backoff', async () => {
    const { retry } = setup({ backoff: constantBackoff(3_600_000) });
    const ac = new AbortController();
    const f = flaky(new ccxt.NetworkError('x'));
    const gaveUp: string[] = [];
    retry.onGiveUp((e) => gaveUp.push(e.reason));
    const p = retry.execute(f.fn, { signal: ac.signal });
    await new Promise((r) => setImmediate(r)); // now waiting an hour (on fake timers that never advance)
    ac.abort(new Error('shutdown'));
    await assert.rejects(p, /shutdown/);
    assert.equal(f.calls(), 1);
    assert.deepEqual(gaveUp, ['aborted']);
  });

  it('ends a real (system timers) wait at once on abort', async () => {
    const retry = new RetryPolicy({ backoff: constantBackoff(3_600_000) });
    const ac = new AbortController();
    const p = retry.execute(flaky(new ccxt.NetworkError('x')).fn, { signal: ac.signal });
    setImmediate(() => ac.abort(new Error('stop')));
    const t0 = performance.now();
    await assert.rejects(p, /stop/);
    assert.ok(performance.now() - t0 < 1000);
  });

  it('never retries an ambiguous failure blindly: without a resolver it fails E_AMBIGUOUS', async () => {
    const { retry } = setup({ sideEffect: true });
    const f = flaky(new ccxt.RequestTimeout('create order timed out'));
    const err = await retry.execute(f.fn).catch((e: unknown) => e);
    assert.ok(err instanceof AmbiguousOutcomeError);
    assert.equal(err.code, 'E_AMBIGUOUS');
    assert.ok(err.cause instanceof ccxt.RequestTimeout);
    assert.equal(f.calls(), 1);
  });

  it('hands an ambiguous failure to the resolver: applied returns the found value', async () => {
    const { retry } = setup({ sideEffect: true });
    const f = flaky(new ccxt.RequestTimeout('t'));
    const seen: number[] = [];
    const value = await retry.execute(f.fn, {
      resolveAmbiguous: async (_e, ctx) => {
        seen.push(ctx.attempt);
        return { outcome: 'applied', value: 'found-by-client-id' };
      },
    });
    assert.equal(value, 'found-by-client-id');
    assert.deepEqual(seen, [0]);
    assert.equal(f.calls(), 1);
  });

  it('retries an ambiguous failure only once the resolver says it did not apply', async () => {
    const { timers, retry } = setup({ sideEffect: true, backoff: constantBackoff(5) });
    const f = flaky(new ccxt.RequestTimeout('t'), new ccxt.RequestTimeout('t'));
    const outcomes = ['not-applied', 'unknown'] as const;
    let i = 0;
    const p = retry.execute(f.fn, {
      resolveAmbiguous: async () => ({ outcome: outcomes[i++] ?? 'unknown' }),
    });
    const caught = p.catch((e: unknown) => e);
    await timers.advance(100);
    assert.ok((await caught) instanceof AmbiguousOutcomeError);
    assert.equal(f.calls(), 2);
  });

  it('passes the attempt number and signal down', async () => {
    const { timers, retry } = setup({ backoff: constantBackoff(1) });
    const seen: number[] = [];
    const ac = new AbortController();
    const p = retry.execute(
      async (ctx) => {
        seen.push(ctx.attempt);
        assert.equal(ctx.signal, ac.signal);
        if (ctx.attempt < 2) throw new ccxt.NetworkError('x');
        return ctx.attempt;
      },
      { signal: ac.signal },
    );
    await timers.advance(10);
    assert.equal(await p, 2);
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it('rejects bad options', () => {
    assert.throws(() => new RetryPolicy({ maxAttempts: 0 }), /maxAttempts.*0/);
    assert.throws(() => new RetryPolicy({ maxElapsedMs: -5 }), /maxElapsedMs.*-5/);
  });
});
