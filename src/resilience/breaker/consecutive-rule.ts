import { checkInt, type TripRule, type TripRuleJSON, type WindowSnapshot } from './trip-rule.js';

/** Trips after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveRule implements TripRule {
  readonly usesTime = false;
  readonly threshold: number;
  #failures = 0;

  constructor(threshold = 5) {
    checkInt('ConsecutiveRule threshold', threshold, 1);
    this.threshold = threshold;
  }

  record(failed: boolean, _slow?: boolean, _now?: number): boolean {
    if (!failed) {
      this.#failures = 0;
      return false;
    }
    return ++this.#failures >= this.threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  snapshot(): WindowSnapshot {
    return { calls: this.#failures, failures: this.#failures, slowCalls: 0 };
  }

  toJSON(): TripRuleJSON {
    return { kind: 'consecutive', failures: this.#failures };
  }

  restore(state: TripRuleJSON): void {
    const f = state['failures'];
    if (state.kind === 'consecutive' && typeof f === 'number' && Number.isInteger(f) && f >= 0)
      this.#failures = Math.min(f, this.threshold - 1);
  }
}
