import type { FailureReactionsSection } from '../config/reactions-section.js';
import type { DecisionInput } from '../decisions/index.js';
import { classifyError, type FailureClass } from '../resilience/index.js';
import { nullAlertSink, type AlertInput, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';

/** Which reaction a failure gets: the rows of seed 003's table, plus `none` for what nothing identifies. */
export type ReactionClass = 'breaker' | 'data' | 'logic' | 'state' | 'resource' | 'none';

/** One failure, as the executor, the tick path or the bot report it. */
export interface FailureReport {
  /** Where it was met: `executor`, `tick`, `checkpoint`, `decisions`, `bot`, … */
  readonly source: string;
  /** The error; classified with `classifyError` (following `cause`) unless `failure` is given. */
  readonly error?: unknown;
  /** The failure's class, when already known (the executor's events carry it). */
  readonly failure?: FailureClass;
  /** The instrument it concerns, when one. */
  readonly symbol?: string;
  readonly idempotencyKey?: string;
}

/** What `handle` did. */
export interface ReactionOutcome {
  readonly reaction: ReactionClass;
  readonly failure: FailureClass;
  /** What was done, e.g. `observe BTC/USDT`, `counted 2/3`, `halted`, `reduce_only 300s`, `reconcile`. */
  readonly taken: string;
}

/** The live parts the reactions act on; a part left out makes its reaction only alert and record. */
export interface FailureReactionParts {
  readonly alerts?: AlertSink;
  /** Data: the instrument goes to OBSERVATION until a good tick. */
  readonly freshness?: { suspect(symbol: string): void };
  /** Resource: REDUCE_ONLY for a while; state: reconciliation pending. */
  readonly modes?: {
    resourceExhausted(detail: string, holdMs: number): unknown;
    reconciliation(pending: boolean): unknown;
  };
  /** Logic: tripped after `haltAfter` within the window. */
  readonly killSwitch?: { trip(req: { reason: string; by?: string }): Promise<unknown> };
  /** State: the executor's reconciliation gate, re-engaged. */
  readonly readiness?: { markPending(): void };
  /** State: re-runs reconciliation (single flight is the caller's). */
  readonly reconcile?: () => Promise<unknown>;
  /** Every reaction is appended as `kind: 'reaction'`. */
  readonly decisions?: { append(input: DecisionInput): unknown };
  readonly clock?: Clock;
  /** Where a failed trip, reconcile or append is told. Default: a process warning. */
  readonly onError?: (err: unknown) => void;
}

/** The reaction a failure class gets (seed 003's table; docs/exchange.md, "Failure-class reactions"). */
export function reactionClassOf(c: FailureClass): ReactionClass {
  switch (c.category) {
    case 'network':
      return 'breaker';
    case 'exchange':
      // the venue understood and said no, and always will (a 4xx): the request is at fault
      return c.retry === 'never' && !((c.status ?? 0) >= 500) ? 'logic' : 'breaker';
    case 'data':
    case 'logic':
    case 'state':
    case 'resource':
      return c.category;
    case 'unknown':
      return 'none';
    default:
      return c.category satisfies never;
  }
}

/** `classifyError`, following `cause` while nothing identifies the failure (a write error wrapping ENOSPC). */
export function classifyFailure(error: unknown): FailureClass {
  let e: unknown = error;
  let c = classifyError(e);
  for (let depth = 0; c.category === 'unknown' && depth < 4; depth++) {
    const cause = typeof e === 'object' && e !== null ? (e as { cause?: unknown }).cause : undefined;
    if (cause === undefined) break;
    e = cause;
    c = classifyError(e);
  }
  return c;
}

type Reaction = (r: FailureReactions, f: FailureReport, c: FailureClass, now: number) => string;

/** The one dispatch table: a reaction class → what is done. */
const TABLE: Readonly<Record<ReactionClass, Reaction>> = Object.freeze({
  breaker: () => 'breaker', // the exchange breaker counts it where the call was made (executor policy)
  data: (r, f, c) => r.data(f, c),
  logic: (r, f, c, now) => r.logic(f, c, now),
  state: (r, f, c, now) => r.state(f, c, now),
  resource: (r, f, c, now) => r.resource(f, c, now),
  none: () => 'none',
});

const describe = (f: FailureReport, c: FailureClass): string => {
  const msg = f.error instanceof Error ? `: ${f.error.message}` : '';
  return `${c.reason}${f.symbol ? ` on ${f.symbol}` : ''}${f.idempotencyKey ? ` (intent ${f.idempotencyKey})` : ''} from ${f.source}${msg}`;
};

/**
 * Seed 003's failure taxonomy turned into reactions, configurable (`reactions.byClass`):
 * network and exchange-unavailable → the breaker (it counts them where the call is made); data →
 * the signal skipped and the instrument in OBSERVATION; logic (a 4xx the venue will never accept)
 * → DLQ (the executor's) and alert, and a halt after `haltAfter` within `windowSec`; state →
 * reconciliation (the executor's gate re-engaged, reconcile re-run); resource → REDUCE_ONLY and
 * alert. Every reaction is recorded in the decision log.
 */
export class FailureReactions {
  readonly #cfg: FailureReactionsSection;
  readonly #p: FailureReactionParts;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;
  readonly #onError: (err: unknown) => void;
  /** Times of the logic failures within the window (oldest first). */
  #logic: number[] = [];

  constructor(section: FailureReactionsSection, parts: FailureReactionParts = {}) {
    this.#cfg = section;
    this.#p = parts;
    this.#alerts = parts.alerts ?? nullAlertSink;
    this.#clock = parts.clock ?? systemClock;
    this.#onError =
      parts.onError ?? ((err) => process.emitWarning(`warden: failure reaction failed: ${String(err)}`));
  }

  /** Classifies the failure and reacts by its class (the table above). Never throws. */
  handle(f: FailureReport): ReactionOutcome {
    const failure = f.failure ?? classifyFailure(f.error);
    const reaction = reactionClassOf(failure);
    const now = this.#clock.now();
    let taken: string;
    try {
      taken = TABLE[reaction](this, f, failure, now);
    } catch (err) {
      this.#onError(err);
      taken = 'failed';
    }
    this.#record(f, failure, reaction, taken);
    return { reaction, failure, taken };
  }

  /** Logic failures counted within the window now. */
  logicCount(now = this.#clock.now()): number {
    this.#prune(now);
    return this.#logic.length;
  }

  /** @internal The data row: skip the signal, OBSERVATION for the instrument. */
  data(f: FailureReport, c: FailureClass): string {
    if (f.source !== 'tick')
      this.#alert({
        key: `reaction:data:${f.symbol ?? '-'}:${c.reason}`,
        severity: 'warning',
        title: `Bad data${f.symbol ? ` on ${f.symbol}` : ''}: signal skipped`,
        body: describe(f, c),
      });
    if (!this.#cfg.data.observe || f.symbol === undefined || this.#p.freshness === undefined) return 'skip';
    this.#p.freshness.suspect(f.symbol);
    return `observe ${f.symbol}`;
  }

  /** @internal The logic row: DLQ (the executor's) + alert; halt after the configured count. */
  logic(f: FailureReport, c: FailureClass, now: number): string {
    // the executor's own rejected-order alert (grouped, rate-limited) covers what it sends
    if (f.source !== 'executor')
      this.#alert({
        key: `reaction:logic:${now}:${f.idempotencyKey ?? c.reason}`,
        severity: 'warning',
        title: 'Rejected: a request the venue will never accept',
        body: describe(f, c),
      });
    const { haltAfter } = this.#cfg.logic;
    if (haltAfter === 0) return 'alert';
    this.#logic.push(now);
    this.#prune(now);
    const n = this.#logic.length;
    if (n < haltAfter) return `counted ${n}/${haltAfter}`;
    this.#logic = [];
    const reason = `${n} rejected requests within ${this.#cfg.logic.windowSec} s (last: ${describe(f, c)})`;
    this.#alert({
      key: `reaction:logic-halt:${now}`,
      severity: 'critical',
      title: 'Halted: repeated rejected requests',
      body: reason,
    });
    if (this.#p.killSwitch === undefined) return 'halt_unavailable';
    this.#p.killSwitch.trip({ reason, by: 'failure-reactions' }).catch(this.#onError);
    return 'halted';
  }

  /** @internal The state row: the reconciliation gate re-engaged, reconcile re-run. */
  state(f: FailureReport, c: FailureClass, now: number): string {
    if (!this.#cfg.state.reconcile) return 'none';
    this.#p.readiness?.markPending();
    this.#p.modes?.reconciliation(true);
    this.#alert({
      key: `reaction:state:${now}`,
      severity: 'warning',
      title: 'State differs from the venue: reconciling',
      body: `${describe(f, c)}; new risk is denied until reconciliation succeeds`,
    });
    this.#p.reconcile?.().catch(this.#onError);
    return 'reconcile';
  }

  /** @internal The resource row: REDUCE_ONLY for a while, alert. */
  resource(f: FailureReport, c: FailureClass, now: number): string {
    const holdMs = this.#cfg.resource.reduceOnlySec * 1000;
    this.#p.modes?.resourceExhausted(`resource failure ${c.reason}`, holdMs);
    this.#alert({
      key: `reaction:resource:${c.reason}:${Math.floor(now / holdMs)}`,
      severity: 'critical',
      title: `Resource exhausted (${c.reason}): reduce-only`,
      body: `${describe(f, c)}; new risk is refused for ${this.#cfg.resource.reduceOnlySec} s`,
    });
    return `reduce_only ${this.#cfg.resource.reduceOnlySec}s`;
  }

  #prune(now: number): void {
    const from = now - this.#cfg.logic.windowSec * 1000;
    while (this.#logic.length > 0 && this.#logic[0]! <= from) this.#logic.shift();
  }

  #alert(a: AlertInput): void {
    this.#alerts.alert(a).catch(this.#onError);
  }

  #record(f: FailureReport, c: FailureClass, reaction: ReactionClass, taken: string): void {
    if (this.#p.decisions === undefined) return;
    try {
      this.#p.decisions.append({
        kind: 'reaction',
        by: 'failure-reactions',
        data: {
          reaction,
          taken,
          source: f.source,
          category: c.category,
          reason: c.reason,
          symbol: f.symbol ?? null,
          idempotencyKey: f.idempotencyKey ?? null,
        },
      });
    } catch (err) {
      this.#onError(err);
    }
  }
}
