import { EventSource } from '../resilience/event.js';
import { systemClock, type Clock } from '../util/clock.js';
import { explainConfirmDenial, explainDecision } from './explain.js';
import {
  GATE_SLOTS,
  type DecisionSink,
  type ExplainableLayer,
  type GateCheckIntent,
  type GateDecision,
  type GateExplanation,
  type GateOptions,
  type GateSlot,
  type GateSlotInfo,
} from './gate-types.js';
import { verdict, type GateLayer, type LayerVerdict } from './layer.js';
import { RiskLimitsLayer } from './risk-limits-layer.js';
import { ShadowWriter, type ShadowStats } from './shadow-writer.js';

const ALLOWED: GateDecision = Object.freeze({ allow: true, reason: 'allowed', layer: 'gate' });
const LOG_UNWRITABLE = verdict('decisions', false, 'decision_log_unwritable_fail_closed');
const LOG_BACKLOG = verdict('decisions', false, 'decision_log_backlog_fail_closed');

/** Fills an absent slot on the unrolled fast path: one shared, monomorphic no-op. */
class AbsentLayer implements GateLayer {
  readonly name = 'absent';
  readonly #pass = verdict('absent', true, 'absent');
  check(): LayerVerdict {
    return this.#pass;
  }
}
const ABSENT = new AbsentLayer();

function isNewRisk(intent: GateCheckIntent): boolean {
  return intent.reduceOnly !== true && intent.cancel !== true;
}

/**
 * The pre-trade gate: `check(intent)` runs the layers in the fixed order of `GATE_SLOTS` (kill
 * switch, mode, freshness, strategy, loss limit, risk limits, dependency breaker, rate limit) and
 * answers `{allow, reason, layer}` as a value; the first denial decides. Synchronous, no I/O;
 * without a decision log the allow path allocates nothing. A layer that throws or answers
 * nonsense denies new risk (`<layer>_threw_fail_closed`) and lets reduce-only orders and cancels
 * through. Denied intents with a strategy key become shadow trades; every decision goes to the
 * decision log when one is given.
 */
export class Gate {
  readonly #layers: readonly ExplainableLayer[];
  readonly #slots: readonly GateSlot[];
  readonly #threwDeny: readonly LayerVerdict[];
  readonly #threwPass: readonly LayerVerdict[];
  readonly #clock: Clock;
  readonly #log: DecisionSink | null;
  readonly #by: string;
  readonly #shadow: ShadowWriter | null;
  readonly #onError: (e: Error, where: 'decisions' | 'shadow') => void;
  // The unrolled fast path: one field and one call site per slot (absent = ABSENT), so each call
  // site sees one layer class and V8 can inline it; a loop over an array of eight classes would be
  // megamorphic, and each call would box the epoch-ms `now` (16 bytes per layer per check).
  readonly #s0: GateLayer;
  readonly #s1: GateLayer;
  readonly #s2: GateLayer;
  readonly #s3: GateLayer;
  readonly #s4: GateLayer;
  readonly #s5: GateLayer;
  readonly #s6: GateLayer;
  readonly #s7: GateLayer;
  /** Per slot: the verdicts of a layer that throws, for new risk and for reduce-only. */
  readonly #slotDeny: readonly LayerVerdict[];
  readonly #slotPass: readonly LayerVerdict[];
  /** Why the decision log cannot take records (null while it can). */
  #logBroken: Error | null = null;
  /** The slots and what is in them (null: absent). */
  readonly layers: readonly GateSlotInfo[];

  constructor(options: GateOptions) {
    if (typeof options !== 'object' || options === null)
      throw new RangeError('Gate options must be an object');
    const layers: ExplainableLayer[] = [];
    const slots: GateSlot[] = [];
    const info: GateSlotInfo[] = [];
    for (const slot of GATE_SLOTS) {
      const l = options[slot];
      if (l !== undefined && (typeof l !== 'object' || l === null || typeof l.check !== 'function'))
        throw new RangeError(
          `Gate ${slot} must be a GateLayer (name + check(intent, now)), got ${String(l)}`,
        );
      info.push(Object.freeze({ slot, layer: l === undefined ? null : String(l.name) }));
      if (l === undefined) continue;
      layers.push(l);
      slots.push(slot);
    }
    if (layers.length === 0) throw new RangeError('Gate needs at least one layer, got none');
    this.#layers = layers;
    this.#slots = slots;
    this.#threwDeny = layers.map((l) =>
      verdict(String(l.name), false, `${String(l.name)}_threw_fail_closed`),
    );
    this.#threwPass = layers.map((l) =>
      verdict(String(l.name), true, `${String(l.name)}_threw_allow_reduce_only`),
    );
    this.layers = Object.freeze(info);
    const bySlot = GATE_SLOTS.map((slot) => options[slot] ?? ABSENT);
    [this.#s0, this.#s1, this.#s2, this.#s3, this.#s4, this.#s5, this.#s6, this.#s7] = bySlot as [
      GateLayer,
      GateLayer,
      GateLayer,
      GateLayer,
      GateLayer,
      GateLayer,
      GateLayer,
      GateLayer,
    ];
    this.#slotDeny = bySlot.map((l) => verdict(String(l.name), false, `${String(l.name)}_threw_fail_closed`));
    this.#slotPass = bySlot.map((l) =>
      verdict(String(l.name), true, `${String(l.name)}_threw_allow_reduce_only`),
    );
    this.#clock = options.clock ?? systemClock;
    this.#by = options.by ?? 'gate';
    this.#onError =
      options.onError ?? ((e, where) => void process.stderr.write(`warden gate: ${where}: ${e.message}\n`));
    const risk = options.riskLimits instanceof RiskLimitsLayer ? options.riskLimits : null;
    const lastPrice = options.lastPrice ?? ((s: string) => risk?.lastPrice(s));
    this.#shadow =
      options.shadow === undefined
        ? null
        : new ShadowWriter(options.shadow, lastPrice, (e) => this.#onError(e, 'shadow'));
    this.#log = this.#openLog(options.decisions);
  }

  /** Decides one intent (see the class). With a decision log, the decision is explained and appended. */
  check(intent: GateCheckIntent): GateDecision {
    const now = this.#clock.now();
    if (this.#log !== null) return this.#checkLogged(intent, now);
    const d = this.#fast(intent, now);
    if (!d.allow && this.#shadow !== null) this.#shadow.denied(intent, now);
    return d;
  }

  /**
   * Confirms, just before its send, an intent that `check` allowed: every layer that can read its
   * source afresh (`confirm`: the kill switch re-reads the store and the STOP file, not its cache)
   * is asked again, so a halt that came while this process was frozen, or that its cache had not
   * seen yet, stops the send. Only new risk is confirmed; nothing is counted twice (the rate limit
   * has no `confirm`). A layer that throws denies. A denial is logged (`stage: "before_send"`)
   * and becomes a shadow trade, as one of `check`'s does.
   */
  async confirm(intent: GateCheckIntent): Promise<GateDecision> {
    if (!isNewRisk(intent)) return ALLOWED;
    const layers = this.#layers;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      if (typeof l.confirm !== 'function') continue;
      let v: LayerVerdict;
      try {
        v = await l.confirm(intent, this.#clock.now());
      } catch {
        v = this.#threwDeny[i]!;
      }
      if (typeof v !== 'object' || v === null || typeof v.reason !== 'string') v = this.#threwDeny[i]!;
      if (v.allow === true) continue;
      this.#confirmDenied(i, v, intent);
      return v;
    }
    return ALLOWED;
  }

  #confirmDenied(i: number, v: LayerVerdict, intent: GateCheckIntent): void {
    const now = this.#clock.now();
    if (this.#log !== null && this.#logBroken === null) {
      const e = explainConfirmDenial(this.#layers[i]!, this.#slots[i]!, intent, now, v);
      try {
        this.#log.append({
          kind: 'gate',
          by: this.#by,
          data: {
            allow: false,
            reason: e.reason,
            layer: e.layer,
            stage: 'before_send',
            intent: e.intent,
            layers: e.layers,
          },
        });
      } catch (err) {
        this.#onError(err instanceof Error ? err : new Error(String(err)), 'decisions');
      }
    }
    this.#shadow?.denied(intent, now);
  }

  /** The unlogged decision: the slots in order, unrolled (see `#s0`). */
  #fast(intent: GateCheckIntent, now: number): GateDecision {
    // `at` is a local, not a field: the slot a throwing layer sits in, without a store per slot
    let at = 0;
    try {
      let v = this.#s0.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 1;
      v = this.#s1.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 2;
      v = this.#s2.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 3;
      v = this.#s3.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 4;
      v = this.#s4.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 5;
      v = this.#s5.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 6;
      v = this.#s6.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
      at = 7;
      v = this.#s7.check(intent, now);
      if (v.allow !== true) return this.#denied(v, intent, at);
    } catch {
      return this.#broken(intent, at);
    }
    return ALLOWED;
  }

  /** A verdict that is not an allow: a denial as given, or nonsense treated as a broken layer. */
  #denied(v: LayerVerdict, intent: GateCheckIntent, at: number): GateDecision {
    if (typeof v === 'object' && v !== null && v.allow === false && typeof v.reason === 'string') return v;
    return this.#broken(intent, at);
  }

  #broken(intent: GateCheckIntent, at: number): GateDecision {
    return isNewRisk(intent) ? this.#slotDeny[at]! : this.#slotPass[at]!;
  }

  /** The decision `check` would make now, with every layer's verdict and inputs; counts nothing, logs nothing. */
  explain(intent: GateCheckIntent): GateExplanation {
    const now = this.#clock.now();
    const seen: LayerVerdict[] = [];
    const d = this.#decide(intent, now, seen, true);
    return explainDecision(this.#layers, this.#slots, intent, now, d, seen);
  }

  /** Why the decision log cannot take records, or null. */
  get decisionLogError(): Error | null {
    return this.#logBroken;
  }

  /** Resolves once the shadow records queued so far are written. */
  drain(): Promise<void> {
    return this.#shadow?.drain() ?? Promise.resolve();
  }

  /** Shadow records written, skipped (no idempotency key or price) and failed. */
  shadowStats(): ShadowStats {
    return this.#shadow?.stats() ?? { written: 0, skipped: 0, failed: 0 };
  }

  /** Runs the layers in order; the first denial decides. `seen` collects the verdicts (logged path). */
  #decide(intent: GateCheckIntent, now: number, seen: LayerVerdict[] | null, peek = false): GateDecision {
    if (this.#log !== null && isNewRisk(intent) && (this.#logBroken !== null || this.#log.state !== 'open')) {
      this.#logBroken ??= new Error(`decision log is ${this.#log.state}`);
      return LOG_UNWRITABLE;
    }
    const layers = this.#layers;
    for (let i = 0; i < layers.length; i++) {
      const v = this.#run(i, intent, now, peek);
      if (seen !== null) seen.push(v);
      if (!v.allow) return v;
    }
    return ALLOWED;
  }

  #run(i: number, intent: GateCheckIntent, now: number, peek: boolean): LayerVerdict {
    const l = this.#layers[i]!;
    try {
      const v = peek && l.peek !== undefined ? l.peek(intent, now) : l.check(intent, now);
      if (typeof v === 'object' && v !== null && typeof v.allow === 'boolean' && typeof v.reason === 'string')
        return v;
    } catch {
      /* fall through: the gate's own failure policy for a broken layer */
    }
    return isNewRisk(intent) ? this.#threwDeny[i]! : this.#threwPass[i]!;
  }

  #checkLogged(intent: GateCheckIntent, now: number): GateDecision {
    const seen: LayerVerdict[] = [];
    let d = this.#decide(intent, now, seen);
    const e = explainDecision(this.#layers, this.#slots, intent, now, d, seen);
    if (this.#logBroken === null) {
      try {
        this.#log!.append({
          kind: 'gate',
          by: this.#by,
          data: { allow: e.allow, reason: e.reason, layer: e.layer, intent: e.intent, layers: e.layers },
        });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const backlog = (error as { code?: unknown }).code === 'E_DECISION_LOG_BACKLOG';
        if (!backlog) this.#logBroken = error;
        this.#onError(error, 'decisions');
        // a decision that cannot be recorded does not add risk
        if (d.allow && isNewRisk(intent)) d = backlog ? LOG_BACKLOG : LOG_UNWRITABLE;
      }
    }
    if (!d.allow && this.#shadow !== null) this.#shadow.denied(intent, now);
    return d;
  }

  #openLog(decisions: GateOptions['decisions']): DecisionSink | null {
    if (decisions === undefined) return null;
    let log: DecisionSink;
    try {
      log = typeof decisions === 'function' ? decisions() : decisions;
      if (typeof log?.append !== 'function' || typeof log.onError !== 'function')
        throw new RangeError('decisions must be a DecisionLog');
    } catch (err) {
      // an open that fails is "store not writable": new risk is denied, with a reason saying so
      this.#logBroken = err instanceof Error ? err : new Error(String(err));
      this.#onError(this.#logBroken, 'decisions');
      return { append: () => undefined, state: 'failed', onError: new EventSource<Error>().subscribe };
    }
    log.onError((err) => {
      this.#logBroken ??= err;
      this.#onError(err, 'decisions');
    });
    return log;
  }
}

/** Builds a gate from its layers (see `GateOptions`); a slot left out is absent (`gate.layers`). */
export function createGate(options: GateOptions): Gate {
  return new Gate(options);
}
