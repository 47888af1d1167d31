import type { OrderSide } from '../exchange/types.js';

/**
 * The gate's view of one order: what it would do, to which instrument, for which strategy.
 * An `OrderIntent` is a `GateIntent` (its extra fields are ignored here).
 */
export interface GateIntent {
  readonly symbol: string;
  readonly side: OrderSide;
  /** Base units. */
  readonly amount: number;
  /** The limit price; market orders are valued at the last good price of the symbol. */
  readonly price?: number;
  /** Only reduces a position: passes every layer that only limits new risk. */
  readonly reduceOnly?: boolean;
  /** A cancel of a resting order: passes every layer that only limits new risk. */
  readonly cancel?: boolean;
  /** The strategy key the strategy performance breaker knows it by. */
  readonly strategy?: string;
}

/**
 * One layer's answer. Layers return preallocated, frozen verdicts on the allow path (no
 * allocation); `reason` is a stable snake_case string that says which path was taken,
 * including the failure-policy paths (`*_fail_open`, `*_fail_closed`).
 */
export interface LayerVerdict {
  readonly allow: boolean;
  /** The layer's name, e.g. `killswitch`, `mode`, `freshness`, `strategy`, `loss_limit`. */
  readonly layer: string;
  readonly reason: string;
}

/**
 * A layer of the pre-trade gate. `check` is synchronous and does no I/O: the layer's state is
 * pushed to it (watch, poll, events) and `check` reads it. A layer that cannot decide applies
 * its failure policy from DESIGN.md and says so in the reason; it never throws.
 */
export interface GateLayer {
  readonly name: string;
  check(intent: GateIntent, now: number): LayerVerdict;
}

/** Makes a frozen verdict; layers build theirs once, at construction. */
export function verdict(layer: string, allow: boolean, reason: string): LayerVerdict {
  return Object.freeze({ allow, layer, reason });
}
