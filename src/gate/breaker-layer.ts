import type { BreakerStateName } from '../resilience/index.js';
import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';

/** The parts of a `CircuitBreaker` the layer reads. */
export interface BreakerView {
  readonly name: string;
  readonly state: BreakerStateName;
  readonly retryAfter: number | null;
  allows(): boolean;
}

/** A denial by the dependency breaker: when it will admit a call again (epoch ms; null = forced open until released). */
export interface BreakerVerdict extends LayerVerdict {
  readonly retryAfter: number | null;
}

/**
 * The exchange's dependency breaker as a gate layer: while it refuses calls (open, forced open, or
 * half-open with every probe slot taken) every intent is denied with `retryAfter`, reduce-only and
 * cancels included, since nothing can be sent to a venue the breaker has cut off
 * (`breaker_open`, `breaker_forced_open`, `breaker_half_open_busy`). Half-open with a free probe
 * slot is allowed like closed (`breaker_allows`; the decision log's inputs show the state): the
 * order is the probe, and the breaker around the send judges it. A breaker that throws
 * fails closed (`breaker_exception_fail_closed`).
 */
export class BreakerLayer implements GateLayer {
  readonly name = 'breaker';
  readonly #b: BreakerView;
  readonly #allows = verdict('breaker', true, 'breaker_allows');
  readonly #exception: BreakerVerdict = Object.freeze({
    allow: false,
    layer: 'breaker',
    reason: 'breaker_exception_fail_closed',
    retryAfter: null,
  });
  /** The last denial, reused while the state and retryAfter stay the same (one per open period). */
  #last: BreakerVerdict | null = null;

  constructor(breaker: BreakerView) {
    if (typeof breaker !== 'object' || breaker === null || typeof breaker.allows !== 'function')
      throw new RangeError(`BreakerLayer needs a CircuitBreaker, got ${String(breaker)}`);
    this.#b = breaker;
  }

  /** Allows while the breaker admits a call; else denies with its retryAfter. */
  check(_intent: GateIntent): LayerVerdict {
    try {
      if (this.#b.allows()) return this.#allows;
      const state = this.#b.state;
      const retryAfter = this.#b.retryAfter;
      const reason =
        state === 'forced-open'
          ? 'breaker_forced_open'
          : state === 'half-open'
            ? 'breaker_half_open_busy'
            : 'breaker_open';
      const last = this.#last;
      if (last !== null && last.reason === reason && last.retryAfter === retryAfter) return last;
      this.#last = Object.freeze({ allow: false, layer: 'breaker', reason, retryAfter });
      return this.#last;
    } catch {
      return this.#exception;
    }
  }

  /** What the verdict was based on, for the decision log. */
  inputs(): Record<string, unknown> {
    try {
      return { breaker: this.#b.name, state: this.#b.state, retryAfter: this.#b.retryAfter };
    } catch (err) {
      return { breaker: this.#b.name, error: String(err) };
    }
  }
}
