import type { OrderEffect } from '../killswitch/index.js';
import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';

/** Anything with the kill switch's `allows()` (a `KillSwitch`, or the executor's old `killSwitch` option); with `refresh()`, `confirm` reads it afresh. */
export interface AllowsEffect {
  allows(effect: OrderEffect): { readonly allow: boolean; readonly reason: string };
  /** Re-reads the state from its sources (a `KillSwitch`'s store and STOP file); the answer is applied before it resolves. */
  refresh?(): Promise<unknown>;
}

/** What an intent does to risk, as the kill switch counts it. */
export function effectOf(intent: GateIntent): OrderEffect {
  if (intent.cancel === true) return 'cancel';
  return intent.reduceOnly === true ? 'reduce_only' : 'new_risk';
}

/** The cache's empty value: no answer is ever this object. */
const NO_ANSWER = Object.freeze({});
const NO_ANSWER_VERDICT = verdict('killswitch', false, 'killswitch_no_answer_yet');

/**
 * The kill switch (and the STOP file, which the kill switch folds into its state) as a gate layer.
 * Halted: new risk denied, reduce-only orders and cancels allowed. A kill switch that throws or
 * answers nonsense fails closed: `killswitch_exception_fail_closed` for new risk.
 */
export class KillSwitchLayer implements GateLayer {
  readonly name = 'killswitch';
  readonly #ks: AllowsEffect;
  /** Verdicts by the kill switch's reason, built once per reason (a handful). */
  readonly #verdicts = new Map<string, LayerVerdict>();
  readonly #failClosed = verdict('killswitch', false, 'killswitch_exception_fail_closed');
  readonly #failPass = verdict('killswitch', true, 'killswitch_exception_allow_reduce_only');
  readonly #unreadable = verdict('killswitch', false, 'killswitch_unreadable_fail_closed');
  /** The last frozen answer and its verdict: the same answer object again costs one comparison. */
  #lastAnswer: object = NO_ANSWER;
  #lastVerdict: LayerVerdict = NO_ANSWER_VERDICT;

  constructor(killSwitch: AllowsEffect) {
    if (typeof killSwitch !== 'object' || killSwitch === null || typeof killSwitch.allows !== 'function')
      throw new RangeError(`KillSwitchLayer needs an object with allows(), got ${String(killSwitch)}`);
    this.#ks = killSwitch;
  }

  /** Maps the kill switch's answer for this intent's effect to a verdict. */
  check(intent: GateIntent): LayerVerdict {
    const effect = effectOf(intent);
    let d: { readonly allow: boolean; readonly reason: string };
    try {
      d = this.#ks.allows(effect);
    } catch {
      return effect === 'new_risk' ? this.#failClosed : this.#failPass;
    }
    if (d === this.#lastAnswer) return this.#lastVerdict;
    return this.#answer(d, effect);
  }

  /** A new answer object: checked, mapped to its verdict, and kept when frozen (off the hot path, so `check` stays small enough to inline). */
  #answer(d: { readonly allow: boolean; readonly reason: string }, effect: OrderEffect): LayerVerdict {
    if (typeof d !== 'object' || d === null || typeof d.reason !== 'string' || typeof d.allow !== 'boolean')
      return effect === 'new_risk' ? this.#failClosed : this.#failPass;
    const key = d.allow ? d.reason : `!${d.reason}`;
    let v = this.#verdicts.get(key);
    if (v === undefined) {
      v = verdict('killswitch', d.allow, d.reason);
      this.#verdicts.set(key, v);
    }
    // a frozen answer cannot change under the cache (the KillSwitch's answers are frozen constants)
    if (Object.isFrozen(d)) {
      this.#lastAnswer = d;
      this.#lastVerdict = v;
    }
    return v;
  }

  /**
   * The verdict after a fresh read of the kill switch (`refresh()`: the store and the STOP file,
   * not the cache), for `Gate.confirm` just before a send. A refresh that fails denies new risk
   * (`killswitch_unreadable_fail_closed`); a kill switch without `refresh` answers from its cache.
   */
  async confirm(intent: GateIntent): Promise<LayerVerdict> {
    const ks = this.#ks;
    if (typeof ks.refresh === 'function') {
      try {
        await ks.refresh();
      } catch {
        return effectOf(intent) === 'new_risk' ? this.#unreadable : this.check(intent);
      }
    }
    return this.check(intent);
  }

  /** What the verdict was based on, for the decision log (allocates). */
  inputs(intent: GateIntent): Record<string, unknown> {
    const st = (this.#ks as { state?: () => unknown }).state;
    return { effect: effectOf(intent), ...(typeof st === 'function' ? { state: st.call(this.#ks) } : {}) };
  }
}
