import type { TripRule, TripRuleJSON, WindowSnapshot } from './trip-rule.js';

/** Trips when any of its rules trips (e.g. 5 in a row, or 50% of the last 100). Every rule sees every call. */
export class AnyRule implements TripRule {
  readonly usesTime: boolean;
  readonly #rules: readonly TripRule[];

  constructor(...rules: TripRule[]) {
    if (rules.length === 0) throw new RangeError('AnyRule rules must not be empty, got 0 rules');
    this.#rules = rules;
    this.usesTime = rules.some((r) => r.usesTime);
  }

  record(failed: boolean, slow: boolean, now: number): boolean {
    let trip = false;
    for (let i = 0; i < this.#rules.length; i++) {
      if ((this.#rules[i] as TripRule).record(failed, slow, now)) trip = true;
    }
    return trip;
  }

  reset(): void {
    for (const r of this.#rules) r.reset();
  }

  /** The snapshot of the first rule that has a window (the one with most calls). */
  snapshot(now: number): WindowSnapshot {
    let best: WindowSnapshot = { calls: 0, failures: 0, slowCalls: 0 };
    for (const r of this.#rules) {
      const s = r.snapshot(now);
      if (s.calls > best.calls) best = s;
    }
    return best;
  }

  toJSON(): TripRuleJSON {
    return { kind: 'any', rules: this.#rules.map((r) => r.toJSON()) };
  }

  restore(state: TripRuleJSON): void {
    const rules = state['rules'];
    if (state.kind !== 'any' || !Array.isArray(rules) || rules.length !== this.#rules.length) return;
    this.#rules.forEach((r, i) => r.restore(rules[i] as TripRuleJSON));
  }
}
