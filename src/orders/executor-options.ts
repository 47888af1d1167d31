import { BadExchangeDataError, DDoSProtection, DuplicateOrderId, type Exchange } from '../exchange/index.js';
import type { OrderEffect } from '../killswitch/index.js';
import {
  CircuitBreaker,
  ConsecutiveRule,
  RetryPolicy,
  TimeoutPolicy,
  classifyError,
  failureClass,
  fullJitterBackoff,
  isDependencyFailure,
  systemTimers,
  wrap,
  type Backoff,
  type ClassifyOptions,
  type FailureClass,
  type Random,
  type Timers,
  type WrappedPolicy,
} from '../resilience/index.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import { checkClientOrderIdOptions, type ClientOrderIdOptions } from './client-order-id.js';
import type { DlqStore } from './dlq-store.js';
import type { OrderStore } from './order-store.js';
import { alwaysReady, type Readiness } from './readiness.js';
import { DEFAULT_CLOCK_MARGIN_MS, sendWindowOf, type SendWindow } from './send-window.js';
import { Gate, KillSwitchLayer } from '../gate/index.js';
import type { GateDecision, OrderGate, OrderIntent } from './types.js';

/** Anything with the kill switch's `allows()`; with `refresh()`, the executor re-reads it before each send. */
export interface AllowsEffects {
  allows(effect: OrderEffect): { readonly allow: boolean; readonly reason: string };
  refresh?(): Promise<unknown>;
}

/** A fresh check of an intent the gate allowed, awaited just before its send. */
export type OrderConfirm = (intent: OrderIntent) => Promise<GateDecision>;

/** Options of the `Executor`. */
export interface ExecutorOptions {
  readonly exchange: Exchange;
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  /** The venue's symbols: an intent for any other is refused before anything is stored. */
  readonly symbols: readonly string[];
  /**
   * The pre-trade gate: a `Gate` (`createGate`) or a function. Default: a `Gate` over the kill
   * switch alone (`KillSwitchLayer(killSwitch)`: reduce-only intents pass a halt). One of the two is required.
   */
  readonly gate?: Gate | OrderGate;
  readonly killSwitch?: AllowsEffects;
  /**
   * A fresh check of new risk just before each send (after the claim, after each retry's backoff),
   * so that a halt the gate's cached state had not seen yet (the process was frozen between its
   * decision and its send, or its cache had not caught up) stops the order. A denial finishes the
   * intent `denied` and nothing is sent; a throw denies. Default: a `Gate`'s `confirm` (the kill
   * switch re-read from the store and the STOP file); with only `killSwitch`, its `refresh()`
   * then `allows()`; a gate given as a function has none unless given here.
   */
  readonly confirmBeforeSend?: OrderConfirm;
  /** New risk is denied (`reconciliation_pending`) until this is ready. Default: always ready. */
  readonly readiness?: Readiness;
  /**
   * The dependency policy around each send: default `wrap(retry(3 attempts, full-jitter backoff
   * 200 ms..2 s, side effect), breaker(5 in a row, open 30 s), timeout(10 s, abandon))`
   * (`defaultOrderPolicy`; docs/resilience.md says where and why this departs from the seeds).
   * It must classify ambiguous failures as such (the executor passes `resolveAmbiguous`).
   */
  readonly policy?: WrappedPolicy;
  /** How long a claim is held without an answer before another process may resolve it (ms). Must exceed the policy's longest run. Default 60000. */
  readonly leaseMs?: number;
  /** Asks by client id this many times before an outcome is called unknown. Default 5. */
  readonly lookupAttempts?: number;
  /** Wait between failed lookups. Default full jitter 200 ms .. 5 s. */
  readonly lookupBackoff?: Backoff;
  /**
   * Allowance (ms) for the offset between this host's clock and the venue's: an order lookup
   * that answers "absent" is believed only after the send time + the exchange's
   * `receiveWindowMs` (default 5000) + this. Default 1000.
   */
  readonly clockMarginMs?: number;
  readonly clientOrderId?: ClientOrderIdOptions;
  /** An alert fires when the DLQ holds more than this many open entries. Default 10. */
  readonly dlqAlertThreshold?: number;
  readonly alerts?: AlertSink;
  /** Rejected orders alert, grouped by symbol + error, at most once per group per this many ms. Default 300000; 0: no such alerts. */
  readonly rejectedAlertWindowMs?: number;
  /** This executor's claim id. Default `host:pid:nonce`. */
  readonly owner?: string;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly random?: Random;
}

/** Options after validation. */
export interface ResolvedExecutorOptions {
  readonly exchange: Exchange;
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  readonly symbols: ReadonlySet<string>;
  readonly gate: OrderGate;
  /** Null: no fresh check before a send (a function gate without `confirmBeforeSend`). */
  readonly confirm: OrderConfirm | null;
  readonly readiness: Readiness;
  readonly policy: WrappedPolicy;
  readonly leaseMs: number;
  readonly lookupAttempts: number;
  readonly lookupBackoff: Backoff;
  /** When an "absent" may be believed (`lookupAfterWindow`). */
  readonly sendWindow: SendWindow;
  readonly clientOrderId: ClientOrderIdOptions;
  readonly dlqAlertThreshold: number;
  readonly alerts: AlertSink;
  readonly rejectedAlertWindowMs: number;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
}

/**
 * Classifies a failure of `createOrder`: `classifyError` (which knows ccxt's and Warden's exchange
 * errors) with a side effect, plus three rules that only hold for creating an order: a
 * `DuplicateOrderId` and a garbled answer (`E_BAD_EXCHANGE_DATA`) mean "look the order up", and a
 * rate limit waits at least a second when the venue gave no Retry-After.
 */
export function classifyOrderFailure(error: unknown, options: ClassifyOptions = {}): FailureClass {
  if (error instanceof DDoSProtection)
    return failureClass('exchange', 'conditional', `warden:${error.name}`, error.retryAfterMs ?? 1_000);
  if (error instanceof DuplicateOrderId)
    return failureClass('exchange', 'ambiguous', 'warden:DuplicateOrderId');
  if (error instanceof BadExchangeDataError)
    return failureClass('data', 'ambiguous', 'warden:E_BAD_EXCHANGE_DATA');
  return classifyError(error, { ...options, sideEffect: true });
}

/**
 * The default dependency policy: retry by failure class outside a breaker outside a timeout.
 * `breaker` replaces the default one (5 in a row, open 30 s), so a caller can watch and gate on it.
 */
export function defaultOrderPolicy(
  options: { clock?: Clock; timers?: Timers; random?: Random; breaker?: CircuitBreaker } = {},
): WrappedPolicy {
  return wrap(
    new RetryPolicy({
      sideEffect: true,
      maxAttempts: 3,
      maxElapsedMs: 30_000,
      // full jitter (seed 003): processes that failed together do not retry together
      backoff: fullJitterBackoff({ initialMs: 200, maxMs: 2_000 }),
      classify: classifyOrderFailure,
      clock: options.clock,
      timers: options.timers,
      random: options.random,
    }),
    options.breaker ??
      new CircuitBreaker({
        name: 'orders',
        rule: new ConsecutiveRule(5),
        isFailure: isDependencyFailure,
        clock: options.clock,
      }),
    new TimeoutPolicy({ ms: 10_000, mode: 'abandon', timers: options.timers }),
  );
}

function intOption(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** The executor's gate as a function (a `Gate`'s `check`, the function given, or a `Gate` over the kill switch) and its fresh check before a send. */
function gateOf(
  given: Gate | OrderGate | undefined,
  ks: AllowsEffects | undefined,
  clock: Clock,
): { gate: OrderGate; confirm: OrderConfirm | null } {
  if (typeof given === 'function') {
    if (ks === undefined || ks === null || typeof ks.allows !== 'function')
      return { gate: given, confirm: null };
    const layer = new KillSwitchLayer(ks);
    return { gate: given, confirm: (intent) => layer.confirm(intent) };
  }
  if (typeof given === 'object' && given !== null && typeof (given as Partial<Gate>).check === 'function')
    return {
      gate: (intent) => given.check(intent),
      confirm: typeof given.confirm === 'function' ? (intent) => given.confirm(intent) : null,
    };
  if (given !== undefined)
    throw new RangeError(`Executor gate must be a Gate or a function, got ${typeof given}`);
  if (ks === undefined || ks === null || typeof ks.allows !== 'function')
    throw new RangeError('Executor needs a gate or a killSwitch, got neither');
  const g = new Gate({ killSwitch: new KillSwitchLayer(ks), clock });
  return { gate: (intent) => g.check(intent), confirm: (intent) => g.confirm(intent) };
}

/** Validates and fills in the options; a bad value throws a RangeError naming it. */
export function resolveExecutorOptions(o: ExecutorOptions): ResolvedExecutorOptions {
  if (typeof o !== 'object' || o === null) throw new RangeError('Executor options must be an object');
  for (const name of ['exchange', 'orders', 'dlq'] as const)
    if (typeof o[name] !== 'object' || o[name] === null)
      throw new RangeError(`Executor ${name} is required, got ${String(o[name])}`);
  if (!Array.isArray(o.symbols) || o.symbols.length === 0 || o.symbols.some((s) => typeof s !== 'string'))
    throw new RangeError(
      `Executor symbols must be a non-empty array of strings, got ${JSON.stringify(o.symbols)}`,
    );
  if (o.clientOrderId !== undefined) checkClientOrderIdOptions(o.clientOrderId);
  const clock = o.clock ?? systemClock;
  const timers = o.timers ?? systemTimers;
  const random = o.random ?? Math.random;
  const { gate, confirm } = gateOf(o.gate, o.killSwitch, clock);
  if (o.confirmBeforeSend !== undefined && typeof o.confirmBeforeSend !== 'function')
    throw new RangeError(`Executor confirmBeforeSend must be a function, got ${typeof o.confirmBeforeSend}`);
  return Object.freeze({
    exchange: o.exchange,
    orders: o.orders,
    dlq: o.dlq,
    symbols: new Set(o.symbols),
    gate,
    confirm: o.confirmBeforeSend ?? confirm,
    readiness: o.readiness ?? alwaysReady,
    policy: o.policy ?? defaultOrderPolicy({ clock, timers, random }),
    leaseMs: intOption('leaseMs', o.leaseMs ?? 60_000, 1),
    lookupAttempts: intOption('lookupAttempts', o.lookupAttempts ?? 5, 1),
    lookupBackoff: o.lookupBackoff ?? fullJitterBackoff({ initialMs: 200, maxMs: 5_000 }),
    sendWindow: sendWindowOf(o.exchange, o.clockMarginMs ?? DEFAULT_CLOCK_MARGIN_MS),
    clientOrderId: Object.freeze({ ...o.clientOrderId }),
    dlqAlertThreshold: intOption('dlqAlertThreshold', o.dlqAlertThreshold ?? 10, 0),
    alerts: o.alerts ?? nullAlertSink,
    rejectedAlertWindowMs: intOption('rejectedAlertWindowMs', o.rejectedAlertWindowMs ?? 300_000, 0),
    clock,
    timers,
    random,
  });
}
