// The soak's (and the demo's) invariants, checked against the venue's own record: a pure function
// over what was recorded, so a test can plant a violation and see it caught.
import type { AcceptedOrder } from './venue.js';

/** An intent as the order store holds it. */
export interface StoredIntent {
  readonly key: string;
  readonly state: string;
  readonly clientOrderId: string;
  readonly reason: string | null;
  readonly attempts: number;
}

/** A gate decision from the decision log. */
export interface GateRecord {
  readonly key: string;
  readonly allow: boolean;
  readonly layer: string;
  readonly reason: string;
  readonly ts: number;
}

/** One halt: from a trip to the resume that ended it (null: still halted at the end). */
export interface HaltInterval {
  readonly from: number;
  readonly to: number | null;
}

/** What a restarted bot adopted, against what the venue held when it said so. */
export interface ReconcileCheck {
  readonly at: number;
  readonly ok: boolean;
  readonly adopted: Readonly<Record<string, number>>;
  readonly venue: Readonly<Record<string, number>>;
  /** Orders the venue accepted after the bot started reading (a request of the killed process landing late). */
  readonly acceptedSince: number;
}

/** Everything the checker looks at. */
export interface InvariantInput {
  readonly journal: readonly AcceptedOrder[];
  readonly intents: readonly StoredIntent[];
  /** Every DLQ entry: its intent and status (`open`, `replayed`, `resolved`). */
  readonly dlq: readonly { readonly key: string; readonly status: string }[];
  /** The keys of every intent the bot announced. */
  readonly botIntents: readonly string[];
  readonly gate: readonly GateRecord[];
  readonly halts: readonly HaltInterval[];
  readonly reconciliations: readonly ReconcileCheck[];
  /** The decision log's verification: null when it verified, else why not. */
  readonly decisionLogProblem: string | null;
}

/** The counts and every violation found. */
export interface InvariantReport {
  readonly counts: {
    readonly intents: number;
    readonly venueOrders: number;
    readonly filled: number;
    readonly placed: number;
    readonly denied: number;
    readonly deniedByLayer: Readonly<Record<string, number>>;
    readonly inDlq: number;
    readonly retried: number;
    readonly neverClaimed: number;
    readonly duplicates: number;
    readonly acceptedWhileHalted: number;
    readonly reduceOnlyWhileHalted: number;
    readonly reconciliations: number;
  };
  readonly violations: readonly string[];
}

const EPS = 1e-9;

/** Checks every invariant; `violations` is empty when all hold. */
export function checkInvariants(input: InvariantInput): InvariantReport {
  const violations: string[] = [];
  const byCid = new Map<string, AcceptedOrder[]>();
  for (const o of input.journal) {
    const list = byCid.get(o.clientOrderId) ?? [];
    list.push(o);
    byCid.set(o.clientOrderId, list);
  }
  const cidToKey = new Map(input.intents.map((i) => [i.clientOrderId, i.key]));
  const duplicates = checkVenueOrders(byCid, cidToKey, violations);
  const { neverClaimed, deniedByLayer } = checkIntents(input, byCid, violations);
  const { acceptedWhileHalted, reduceOnlyWhileHalted } = checkHalts(input, cidToKey, violations);
  checkReconciliations(input, violations);
  // 5. the decision log verifies
  if (input.decisionLogProblem !== null) violations.push(`decision log: ${input.decisionLogProblem}`);
  return {
    counts: {
      intents: new Set(input.botIntents).size,
      venueOrders: input.journal.length,
      filled: input.journal.filter((o) => o.status === 'closed').length,
      placed: input.intents.filter((i) => i.state === 'placed').length,
      denied: input.intents.filter((i) => i.state === 'denied').length,
      deniedByLayer,
      inDlq: input.dlq.filter((d) => d.status === 'open').length,
      retried: input.intents.filter((i) => i.attempts > 1).length,
      neverClaimed,
      duplicates,
      acceptedWhileHalted,
      reduceOnlyWhileHalted,
      reconciliations: input.reconciliations.length,
    },
    violations,
  };
}

/** 1. No client order id twice at the venue, and none that belongs to no intent; returns the duplicates. */
function checkVenueOrders(
  byCid: ReadonlyMap<string, readonly AcceptedOrder[]>,
  cidToKey: ReadonlyMap<string, string>,
  violations: string[],
): number {
  let duplicates = 0;
  for (const [cid, list] of byCid) {
    if (list.length > 1) {
      duplicates += list.length - 1;
      violations.push(`duplicate: client order id ${cid} accepted ${list.length} times by the venue`);
    }
  }
  for (const cid of byCid.keys()) {
    if (!cidToKey.has(cid)) violations.push(`orphan: venue order ${cid} belongs to no recorded intent`);
  }
  return duplicates;
}

/** 2. Every intent is exactly one of placed, in the DLQ, denied with a logged reason. */
function checkIntents(
  input: InvariantInput,
  byCid: ReadonlyMap<string, readonly AcceptedOrder[]>,
  violations: string[],
): { neverClaimed: number; deniedByLayer: Record<string, number> } {
  const intents = new Map(input.intents.map((i) => [i.key, i]));
  const dlq = new Set(input.dlq.map((d) => d.key));
  const deniedByGate = new Set(input.gate.filter((g) => !g.allow).map((g) => g.key));
  let neverClaimed = 0;
  const deniedByLayer: Record<string, number> = {};
  for (const g of input.gate) if (!g.allow) deniedByLayer[g.layer] = (deniedByLayer[g.layer] ?? 0) + 1;
  for (const key of new Set(input.botIntents)) {
    const rec = intents.get(key);
    if (rec === undefined) {
      neverClaimed++; // killed before the claim: nothing was sent (every venue order maps to an intent)
      continue;
    }
    const atVenue = byCid.get(rec.clientOrderId)?.length ?? 0;
    switch (rec.state) {
      case 'placed':
        if (atVenue !== 1)
          violations.push(`lost: intent ${key} is placed but the venue has ${atVenue} orders`);
        break;
      case 'dead':
      case 'rejected':
        if (!dlq.has(key)) violations.push(`lost: intent ${key} failed (${rec.state}) but is not in the DLQ`);
        if (atVenue > 0)
          violations.push(`untracked: intent ${key} is ${rec.state} but the venue holds its order`);
        break;
      case 'denied':
        if (rec.reason === null || rec.reason === '')
          violations.push(`unexplained: intent ${key} denied without a reason`);
        else if (rec.reason !== 'reconciliation_pending' && !deniedByGate.has(key))
          violations.push(`unlogged: intent ${key} denied (${rec.reason}) with no gate decision in the log`);
        if (atVenue > 0) violations.push(`untracked: intent ${key} is denied but the venue holds its order`);
        break;
      default:
        violations.push(`unresolved: intent ${key} is still ${rec.state}`);
    }
  }
  return { neverClaimed, deniedByLayer };
}

/** 3. Nothing but reduce-only accepted while the kill switch was engaged (unless decided before the trip). */
function checkHalts(
  input: InvariantInput,
  cidToKey: ReadonlyMap<string, string>,
  violations: string[],
): { acceptedWhileHalted: number; reduceOnlyWhileHalted: number } {
  const allowedAt = new Map<string, number>();
  for (const g of input.gate) if (g.allow) allowedAt.set(g.key, g.ts);
  let acceptedWhileHalted = 0;
  let reduceOnlyWhileHalted = 0;
  for (const o of input.journal) {
    const halt = input.halts.find((h) => o.acceptedAt >= h.from && (h.to === null || o.acceptedAt < h.to));
    if (halt === undefined) continue;
    if (o.reduceOnly) {
      reduceOnlyWhileHalted++;
      continue;
    }
    const key = cidToKey.get(o.clientOrderId);
    const decided = key === undefined ? undefined : allowedAt.get(key);
    if (decided !== undefined && decided < halt.from) continue; // in flight when the trip came
    acceptedWhileHalted++;
    violations.push(
      `halted: venue accepted ${o.side} ${o.amount} (${o.clientOrderId}) at ${new Date(o.acceptedAt).toISOString()} while the kill switch was engaged`,
    );
  }
  return { acceptedWhileHalted, reduceOnlyWhileHalted };
}

/** 4. After every restart the reconciled state equals the venue's. */
function checkReconciliations(input: InvariantInput, violations: string[]): void {
  for (const r of input.reconciliations) {
    if (!r.ok)
      violations.push(`reconcile: the reconciliation at ${new Date(r.at).toISOString()} did not succeed`);
    if (r.acceptedSince > 0) continue; // a late request of the killed process moved the venue meanwhile
    for (const cur of new Set([...Object.keys(r.adopted), ...Object.keys(r.venue)])) {
      const a = r.adopted[cur] ?? 0;
      const v = r.venue[cur] ?? 0;
      if (Math.abs(a - v) > EPS * Math.max(1, Math.abs(v)))
        violations.push(`reconcile: adopted ${cur} ${a} but the venue holds ${v}`);
    }
  }
}

/** Halt intervals from the kill switch's history (oldest first): each trip until the next resume. */
export function haltIntervals(events: readonly { action: 'trip' | 'resume'; at: number }[]): HaltInterval[] {
  const out: HaltInterval[] = [];
  let from: number | null = null;
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.action === 'trip' && from === null) from = e.at;
    else if (e.action === 'resume' && from !== null) {
      out.push({ from, to: e.at });
      from = null;
    }
  }
  if (from !== null) out.push({ from, to: null });
  return out;
}
