import type {
  ExplainableLayer,
  GateCheckIntent,
  GateDecision,
  GateExplanation,
  GateSlot,
  LayerExplanation,
} from './gate-types.js';
import type { LayerVerdict } from './layer.js';

const INTENT_FIELDS = [
  'idempotencyKey',
  'symbol',
  'side',
  'type',
  'amount',
  'price',
  'reduceOnly',
  'cancel',
  'strategy',
] as const;

/** The intent's fields the gate reads, as a plain JSON-safe object (for the decision log). */
export function intentRecord(intent: GateCheckIntent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of INTENT_FIELDS) {
    const v: unknown = intent[f];
    if (v === undefined) continue;
    out[f] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  }
  return out;
}

function inputsOf(l: ExplainableLayer, intent: GateCheckIntent, now: number): unknown {
  if (typeof l.inputs !== 'function') return undefined;
  try {
    return l.inputs(intent, now);
  } catch (err) {
    return { error: String(err) };
  }
}

function judgeAfter(l: ExplainableLayer, intent: GateCheckIntent, now: number): LayerVerdict | null {
  try {
    // a layer that counts (the rate limit) is asked without counting; the others have no side effect
    return l.peek !== undefined ? l.peek(intent, now) : l.check(intent, now);
  } catch {
    return null;
  }
}

/**
 * Every layer's verdict and inputs for one decision: the layers on the decision path (`seen`), and
 * the layers after a denial judged for the record only. Allocates; never on the unlogged path.
 */
export function explainDecision(
  layers: readonly ExplainableLayer[],
  slots: readonly GateSlot[],
  intent: GateCheckIntent,
  now: number,
  d: GateDecision,
  seen: readonly LayerVerdict[],
): GateExplanation {
  const out: LayerExplanation[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const onPath = i < seen.length;
    const v = onPath ? seen[i]! : judgeAfter(l, intent, now);
    const e: LayerExplanation = {
      slot: slots[i]!,
      layer: v?.layer ?? String(l.name),
      allow: v?.allow ?? false,
      reason: v?.reason ?? `${String(l.name)}_threw`,
      role: onPath ? (i === seen.length - 1 && !v!.allow ? 'decided' : 'checked') : 'after_denial',
      ...(v !== null && 'retryAfter' in v
        ? { retryAfter: (v as unknown as { retryAfter: number | null }).retryAfter }
        : {}),
      ...(typeof l.inputs === 'function' ? { inputs: inputsOf(l, intent, now) } : {}),
    };
    out.push(e);
  }
  return {
    allow: d.allow,
    reason: d.reason,
    layer: d.layer,
    ...(d.retryAfter !== undefined ? { retryAfter: d.retryAfter } : {}),
    at: now,
    intent: intentRecord(intent),
    layers: out,
  };
}

/** The one layer that denied on `Gate.confirm` (a fresh read just before a send), for the decision log. */
export function explainConfirmDenial(
  l: ExplainableLayer,
  slot: GateSlot,
  intent: GateCheckIntent,
  now: number,
  v: LayerVerdict,
): GateExplanation {
  const layer: LayerExplanation = {
    slot,
    layer: v.layer,
    allow: false,
    reason: v.reason,
    role: 'decided',
    ...(typeof l.inputs === 'function' ? { inputs: inputsOf(l, intent, now) } : {}),
  };
  return {
    allow: false,
    reason: v.reason,
    layer: v.layer,
    at: now,
    intent: intentRecord(intent),
    layers: [layer],
  };
}
