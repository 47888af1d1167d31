import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';

/** Anything with the strategy breaker's `check(key)` (a `StrategyBreaker`). */
export interface ChecksStrategy {
  check(key: string): { readonly allow: boolean; readonly reason: string };
}

/** The cache's empty value: no answer is ever this object. */
const NO_ANSWER = Object.freeze({});
const NO_ANSWER_VERDICT = verdict('strategy', false, 'strategy_no_answer_yet');

/**
 * The strategy performance breaker for the intent's `strategy` key. A blocked strategy's new risk
 * is denied (`circuit_breaker_blocked`); the breaker's own fail-open reasons (`state_missing_fail_open`,
 * `state_stale_fail_open`, `unknown_fail_open`, …) pass through; an intent without a key passes
 * (`no_strategy_key`); a breaker that throws fails open (`exception_fail_open`), as DESIGN.md says.
 * Reduce-only intents and cancels pass (`reduce_only_pass`).
 */
export class StrategyLayer implements GateLayer {
  readonly name = 'strategy';
  readonly #breaker: ChecksStrategy;
  readonly #verdicts = new Map<string, LayerVerdict>();
  readonly #noKey = verdict('strategy', true, 'no_strategy_key');
  readonly #reduce = verdict('strategy', true, 'reduce_only_pass');
  readonly #exception = verdict('strategy', true, 'exception_fail_open');
  /** The last frozen answer and its verdict: the same answer object again costs one comparison. */
  #lastAnswer: object = NO_ANSWER;
  #lastVerdict: LayerVerdict = NO_ANSWER_VERDICT;

  constructor(breaker: ChecksStrategy) {
    if (typeof breaker !== 'object' || breaker === null || typeof breaker.check !== 'function')
      throw new RangeError(`StrategyLayer needs an object with check(key), got ${String(breaker)}`);
    this.#breaker = breaker;
  }

  /** The breaker's answer for the intent's strategy key. */
  check(intent: GateIntent): LayerVerdict {
    if (intent.reduceOnly === true || intent.cancel === true) return this.#reduce;
    const key = intent.strategy;
    if (typeof key !== 'string' || key === '') return this.#noKey;
    let r: { readonly allow: boolean; readonly reason: string };
    try {
      r = this.#breaker.check(key);
    } catch {
      return this.#exception;
    }
    if (r === this.#lastAnswer) return this.#lastVerdict;
    return this.#answer(r);
  }

  /** A new answer object: checked, mapped to its verdict, and kept when frozen (off the hot path, so `check` stays small enough to inline). */
  #answer(r: { readonly allow: boolean; readonly reason: string }): LayerVerdict {
    if (typeof r !== 'object' || r === null || typeof r.reason !== 'string') return this.#exception;
    // one verdict per distinct answer: the breaker's answers are themselves preallocated
    const k = r.allow === true ? r.reason : `!${r.reason}`;
    let v = this.#verdicts.get(k);
    if (v === undefined) {
      v = verdict('strategy', r.allow === true, r.reason);
      this.#verdicts.set(k, v);
    }
    // a frozen answer cannot change under the cache (the StrategyBreaker's answers are frozen)
    if (Object.isFrozen(r)) {
      this.#lastAnswer = r;
      this.#lastVerdict = v;
    }
    return v;
  }

  /** What the verdict was based on, for the decision log. */
  inputs(intent: GateIntent): Record<string, unknown> {
    return { strategy: intent.strategy ?? null };
  }
}
