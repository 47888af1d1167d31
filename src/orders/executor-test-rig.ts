// The executor's unit-test rig: a fresh SQLite store, a seeded simulator on a manual clock with a
// short receive window, and an executor factory. Shared by the executor's test files; for tests only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { RetryPolicy, TimeoutPolicy, constantBackoff, wrap, type Timers } from '../resilience/index.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Executor } from './executor.js';
import { classifyOrderFailure } from './executor-options.js';
import { createSqliteOrderStores, type SqliteOrderStores } from '../store/sqlite/sqlite-order-stores.js';
import type { GateDecision, OrderIntent } from './types.js';

export const SYMBOL = 'BTC/USDT';
/** A short receive window, so a lookup's "absent" is believed after 200 ms. */
export const RECV_WINDOW_MS = 200;
const allow = (): GateDecision => ({ allow: true, reason: 'running' });

/** One test's world. */
export interface Rig {
  dir: string;
  store: SqliteStore;
  stores: SqliteOrderStores;
  sim: ExchangeSimulator;
  exchange: InProcessExchange;
  clock: ManualClock;
  alerts: { key: string; title: string }[];
  executor(over?: Partial<ConstructorParameters<typeof Executor>[0]>): Executor;
}

/** Referenced timers: the system ones are unref'd, and a test awaiting only them would end early. */
export const timers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function fastPolicy() {
  return wrap(
    new RetryPolicy({
      sideEffect: true,
      maxAttempts: 3,
      backoff: constantBackoff(1),
      classify: classifyOrderFailure,
      timers,
    }),
    new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers }),
  );
}

/** A fresh rig (call in beforeEach). */
export function createRig(): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'warden-exec-'));
  const store = SqliteStore.open(join(dir, 'warden.db'));
  const stores = createSqliteOrderStores(store.database);
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
    balances: { USDT: 1_000_000, BTC: 100 },
    positions: { [SYMBOL]: { amount: 10, entryPrice: 90 } },
    clock,
    seed: 7,
    faults: { retryAfterMs: 1 },
  });
  // a short receive window, so a lookup's "absent" is believed after 200 ms of real time
  const exchange = new InProcessExchange(sim, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    recvWindowMs: RECV_WINDOW_MS,
  });
  const alerts: { key: string; title: string }[] = [];
  return {
    dir,
    store,
    stores,
    sim,
    exchange,
    clock,
    alerts,
    executor: (over = {}) =>
      new Executor({
        exchange,
        orders: stores.orders,
        dlq: stores.dlq,
        symbols: [SYMBOL],
        gate: allow,
        policy: fastPolicy(),
        lookupBackoff: constantBackoff(1),
        clock,
        timers,
        dlqAlertThreshold: 0,
        clockMarginMs: 0,
        alerts: { alert: (a) => Promise.resolve(void alerts.push({ key: a.key, title: a.title })) },
        ...over,
      }),
  };
}

/** Closes and removes a rig (call in afterEach). */
export async function destroyRig(rig: Rig): Promise<void> {
  await rig.stores.close();
  await rig.store.close();
  rmSync(rig.dir, { recursive: true, force: true });
}

/** A limit buy of 1 at 90 (rests), with overrides. */
export const intent = (key: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  idempotencyKey: key,
  symbol: SYMBOL,
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  ...over,
});

/** A market buy of 1: it fills at once, so the venue's open-order uniqueness does not protect it. */
export const market = (key: string): OrderIntent => intent(key, { type: 'market', price: undefined });

/**
 * The rig on virtual time: the executor's timers, its policy and the venue's delays all run on
 * one `FakeTimers` over the rig's clock, so "the venue accepts 50 ms later" and "the executor
 * waits out the 200 ms receive window" happen in a fixed order, without sleeping.
 */
export function virtualTime(rig: Rig) {
  const ft = new FakeTimers(rig.clock);
  const exchange = new InProcessExchange(rig.sim, {
    sleep: (ms) => new Promise((r) => void ft.setTimeout(r, ms)),
    recvWindowMs: RECV_WINDOW_MS,
  });
  const policy = wrap(
    new RetryPolicy({
      sideEffect: true,
      maxAttempts: 3,
      backoff: constantBackoff(1),
      classify: classifyOrderFailure,
      timers: ft,
    }),
    new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers: ft }),
  );
  const executor = rig.executor({ exchange, policy, timers: ft });
  /** Runs virtual time until `p` settles, then 1 s more (whatever the venue still holds lands). */
  const drive = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 5_000 && !done; i++) await ft.advance(5);
    await ft.advance(1_000);
    return p;
  };
  return { ft, exchange, executor, drive };
}
