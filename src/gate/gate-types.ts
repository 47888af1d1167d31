import type { DecisionInput } from '../decisions/index.js';
import type { Subscribe } from '../resilience/event.js';
import type { ShadowLedger } from '../strategy/shadow/shadow-ledger.js';
import type { Clock } from '../util/clock.js';
import type { GateIntent, GateLayer, LayerVerdict } from './layer.js';

/** The gate's slots, in the fixed order `check` runs them (issue 10). */
export const GATE_SLOTS = Object.freeze([
  'killSwitch',
  'mode',
  'freshness',
  'strategy',
  'lossLimit',
  'riskLimits',
  'breaker',
  'rateLimit',
] as const);

/** One of the gate's slots. */
export type GateSlot = (typeof GATE_SLOTS)[number];

/** An intent as the gate sees it: a `GateIntent`, with the order's idempotency key when it has one (the shadow record's id). */
export interface GateCheckIntent extends GateIntent {
  readonly idempotencyKey?: string;
  readonly type?: string;
}

/**
 * The gate's answer: allowed, or the first layer that denied and why. On the allow path it is one
 * preallocated object (`reason: 'allowed'`, `layer: 'gate'`); a denial is the layer's own verdict
 * (a breaker's carries `retryAfter`).
 */
export interface GateDecision {
  readonly allow: boolean;
  readonly reason: string;
  readonly layer: string;
  /** When the dependency breaker will admit a call again (epoch ms; null: forced open until released). */
  readonly retryAfter?: number | null;
}

/** A layer that can also say what it would answer without counting (the rate limit), and what it based its verdict on. */
export interface ExplainableLayer extends GateLayer {
  /** The verdict `check` would give, with no side effect. */
  peek?(intent: GateIntent, now: number): LayerVerdict;
  /** The inputs of the verdict, for the decision log (may allocate; never on `check`). */
  inputs?(intent: GateIntent, now: number): unknown;
  /**
   * A fresh verdict, read from the layer's source rather than its cache (the kill switch: the
   * store and the STOP file), for `Gate.confirm` just before a send. Counts nothing.
   */
  confirm?(intent: GateIntent, now: number): Promise<LayerVerdict>;
}

/** One layer's part in an explained decision. */
export interface LayerExplanation {
  readonly slot: GateSlot;
  readonly layer: string;
  readonly allow: boolean;
  readonly reason: string;
  /** `decided`: this layer's verdict is the gate's; `checked`: it ran on the decision path; `after_denial`: judged for the record only (counted nothing). */
  readonly role: 'decided' | 'checked' | 'after_denial';
  readonly retryAfter?: number | null;
  readonly inputs?: unknown;
}

/** A decision with every layer's verdict and inputs: what the decision log records, and `explain()` returns. */
export interface GateExplanation extends GateDecision {
  readonly at: number;
  readonly intent: Readonly<Record<string, unknown>>;
  readonly layers: readonly LayerExplanation[];
}

/** The parts of a `DecisionLog` the gate uses. */
export interface DecisionSink {
  append(input: DecisionInput): unknown;
  readonly state: 'open' | 'failed' | 'closed';
  readonly onError: Subscribe<Error>;
}

/** Where denied intents with a strategy key go as shadow trades. */
export interface GateShadowOptions {
  /** The ledger (`shadow.jsonl`), as the strategy evaluator reads it. */
  readonly ledger: Pick<ShadowLedger, 'record'>;
  /** Multiplies a price into the ledger's cents (`entry_price_c`). Default 100 (prices in currency units). */
  readonly priceToCents?: number;
}

/** Options of `createGate`: one layer per slot, any left out is absent. */
export interface GateOptions {
  /** The kill switch and the STOP file: a `KillSwitchLayer`. */
  readonly killSwitch?: GateLayer;
  /** The degradation mode (FULL / REDUCE_ONLY / OBSERVATION / SHUTDOWN). */
  readonly mode?: GateLayer;
  /** Data freshness of the intent's instrument. */
  readonly freshness?: GateLayer;
  /** The strategy performance breaker: a `StrategyLayer`. */
  readonly strategy?: GateLayer;
  /** The session loss limit. */
  readonly lossLimit?: GateLayer;
  /** Pre-trade risk limits: a `RiskLimitsLayer`. */
  readonly riskLimits?: GateLayer;
  /** The exchange's dependency breaker: a `BreakerLayer`. */
  readonly breaker?: GateLayer;
  /** The order rate limit: a `RateLimitLayer` (last, so it counts only orders that go out). */
  readonly rateLimit?: GateLayer;
  /**
   * The decision log: every decision is appended (without waiting). A log that fails, is closed,
   * or (given as a function) cannot be opened denies new risk (`decision_log_unwritable_fail_closed`).
   */
  readonly decisions?: DecisionSink | (() => DecisionSink);
  /** `by` of each logged decision. Default `gate`. */
  readonly by?: string;
  /** Denied intents with a strategy key and an idempotency key are written here (off the call, on the next turn). */
  readonly shadow?: GateShadowOptions;
  /** The last price of a symbol for a shadow record of an order without a limit price. Default: the `RiskLimitsLayer`'s pushed prices. */
  readonly lastPrice?: (symbol: string) => number | undefined;
  /** Told about a failed decision-log append or shadow write (the gate never throws for them). */
  readonly onError?: (error: Error, where: 'decisions' | 'shadow') => void;
  readonly clock?: Clock;
}

/** A slot and the layer in it, or null when absent. */
export interface GateSlotInfo {
  readonly slot: GateSlot;
  readonly layer: string | null;
}
