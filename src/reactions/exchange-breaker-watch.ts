import type {
  BreakerStateName,
  Disposable,
  StateChangeEvent,
  Subscribe,
  Timers,
} from '../resilience/index.js';
import { systemTimers } from '../resilience/index.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';

/** The part of a `CircuitBreaker` the watch reads. */
export interface WatchedBreaker {
  readonly name: string;
  readonly state: BreakerStateName;
  readonly onStateChange: Subscribe<StateChangeEvent>;
}

/** What `onOpenTooLong` is told. */
export interface OpenTooLong {
  readonly breaker: string;
  /** When the breaker left closed (ms since epoch). */
  readonly since: number;
  readonly openForMs: number;
}

/** Options of `watchExchangeBreaker`. */
export interface ExchangeBreakerWatchOptions {
  readonly alerts?: AlertSink;
  /** How long the breaker may stay away from closed (open, half-open, forced open) before `onOpenTooLong`. */
  readonly openTooLongMs: number;
  /** Called once per episode when the breaker stays open too long (the mode manager moves to REDUCE_ONLY). */
  readonly onOpenTooLong?: (e: OpenTooLong) => void;
  /** When given, trips it too once the breaker stays open too long. */
  readonly tripKillSwitch?: {
    trip(req: { reason: string; by?: string; flatten?: boolean }): Promise<unknown>;
  };
  /** Flatten with that trip. Default false (the venue is unreachable: a flatten would most likely fail). */
  readonly flattenOnTrip?: boolean;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Where a failed trip is reported. Default: a process warning. */
  readonly onError?: (err: unknown) => void;
}

const AWAY: ReadonlySet<BreakerStateName> = new Set(['open', 'half-open', 'forced-open']);

/**
 * Wires an exchange breaker's state changes to reactions (docs/exchange.md, "Reactions"): leaving
 * closed alerts critical ("exchange unreachable") once per episode; still not closed after
 * `openTooLongMs` (half-open probes that fail do not end the episode) calls `onOpenTooLong` once
 * and, when configured, trips the kill switch; closing again alerts the recovery. Returns the
 * disposable that stops the watch.
 */
export function watchExchangeBreaker(
  breaker: WatchedBreaker,
  options: ExchangeBreakerWatchOptions,
): Disposable {
  if (!(options.openTooLongMs > 0))
    throw new RangeError(`openTooLongMs must be > 0, got ${String(options.openTooLongMs)}`);
  const alerts = options.alerts ?? nullAlertSink;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const onError =
    options.onError ??
    ((err: unknown) => process.emitWarning(`warden: exchange breaker reaction failed: ${String(err)}`));
  let since: number | null = null;
  let timer: unknown = null;
  const raise = (key: string, severity: 'info' | 'warning' | 'critical', title: string, body: string) =>
    void alerts.alert({ key, severity, title, body }).catch(onError);

  const tooLong = (start: number) => {
    timer = null;
    // a reader looking applies the breaker's lazy transitions first
    if (since !== start || !AWAY.has(breaker.state)) return;
    const openForMs = clock.now() - start;
    raise(
      `breaker:too-long:${breaker.name}:${start}`,
      'critical',
      `Exchange unreachable for ${Math.round(openForMs / 1000)} s: reduce-only`,
      `breaker ${breaker.name} has not closed since ${new Date(start).toISOString()}; new risk is refused${options.tripKillSwitch ? ' and the kill switch trips' : ''}`,
    );
    try {
      options.onOpenTooLong?.({ breaker: breaker.name, since: start, openForMs });
    } catch (err) {
      onError(err);
    }
    options.tripKillSwitch
      ?.trip({
        reason: `exchange breaker ${breaker.name} open for ${Math.round(openForMs / 1000)} s`,
        by: 'exchange-breaker',
        flatten: options.flattenOnTrip === true,
      })
      .catch(onError);
  };

  const sub = breaker.onStateChange((e) => {
    const away = AWAY.has(e.to.state);
    if (away && since === null) {
      since = clock.now();
      const start = since;
      raise(
        `breaker:open:${breaker.name}:${start}`,
        'critical',
        'Exchange unreachable',
        `breaker ${breaker.name} opened (${e.reason}): calls to the venue fail fast`,
      );
      timer = timers.setTimeout(() => tooLong(start), options.openTooLongMs);
    } else if (!away && since !== null) {
      const start = since;
      since = null;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      raise(
        `breaker:closed:${breaker.name}:${start}`,
        'info',
        'Exchange reachable again',
        `breaker ${breaker.name} is ${e.to.state} after ${Math.round((clock.now() - start) / 1000)} s`,
      );
    }
  });
  const dispose = () => {
    sub.dispose();
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
  return { dispose, [Symbol.dispose]: dispose };
}
