import type { KillSwitchEvent, Store } from '../store/index.js';
import type { AlertInput } from '../util/alert-sink.js';
import type { HaltState } from './halt-state.js';
import { event, recordPending, type PendingTrip } from './pending-trip.js';
import { CIRCUIT_FILE, readCircuitFile, readStopFile, type CircuitFile, type CircuitRead } from './files.js';

/** What reading the state needs from the kill switch. */
export interface ReadContext {
  readonly store: Store;
  readonly dataDir: string;
  readonly now: number;
  /** This process's source (`cli`, `daemon`, `library`...), recorded with what it writes. */
  readonly source: string;
  readonly pending: PendingTrip | null;
  /** Writes circuit.json; never throws. */
  mirror(value: CircuitFile): void;
  /** Raises an alert; never throws. */
  alert(input: AlertInput): Promise<void>;
  /** A loud line on stderr. */
  shout(line: string): void;
  /** Told at once when the newest event is a trip, before the rest of the read; never throws. */
  sawTrip?(latest: KillSwitchEvent): void;
}

/** The state read, and what became of the pending trip. */
export interface ReadResult {
  readonly state: HaltState;
  readonly pending: PendingTrip | null;
  /** Set when the store did not answer: the state was not confirmed (the kill switch's lease). */
  readonly unconfirmed?: string;
}

const UNKNOWN = 'unknown';

export type { PendingTrip } from './pending-trip.js';

/** The time of the first trip of the current halt (later trips while halted do not move it). */
async function haltStart(store: Store, latest: KillSwitchEvent): Promise<number> {
  const h = await store.killSwitch.history(50);
  let since = latest.at;
  for (const e of h) {
    if (e.action !== 'trip') break;
    since = e.at;
  }
  return since;
}

const mirrors = (c: CircuitRead, paused: boolean, id: number | null): c is CircuitRead & { kind: 'ok' } =>
  c.kind === 'ok' && c.byWarden && c.value.paused === paused && c.value.warden_event_id === id;

/**
 * Reads the kill switch from the store, the STOP file, circuit.json and this process's memory;
 * records halts made outside Warden (a STOP file, a paused circuit.json) and their ending by hand
 * as trips and resumes `by: unknown` (compare-and-set, so once whoever notices first); mirrors
 * every halt into circuit.json. Any failure to read counts as halted.
 */
export async function readHalt(ctx: ReadContext, depth = 0): Promise<ReadResult> {
  let pending = ctx.pending;
  const stop = readStopFile(ctx.dataDir);
  let latest: KillSwitchEvent | null;
  try {
    latest = await ctx.store.killSwitch.latest();
  } catch (err) {
    return unreadableStore(ctx, stop, `store unreadable: ${(err as Error).message}`);
  }
  if (latest?.action === 'trip' && !pending) ctx.sawTrip?.(latest);
  if (pending) {
    const r = await recordPending(ctx, pending);
    pending = r.pending;
    if (r.latest) latest = r.latest;
  }
  const circuit = readCircuitFile(ctx.dataDir);
  // A trip held in this process's memory (it made the STOP file too): its own reason wins.
  if (pending) return memoryHalt(ctx, pending, circuit);
  const seen = latest;
  const again = (): Promise<ReadResult> =>
    depth < 3
      ? readHalt({ ...ctx, pending }, depth + 1)
      : Promise.resolve({ state: keptChanging(ctx, seen), pending });
  const pass: Pass = { ctx, latest, circuit, pending, again };
  if (stop) return stopFileHalt(pass, stop);
  if (latest?.action === 'trip') return storeTrip(pass, latest);
  return noTripInStore(pass);
}

/** One read past the store's answer: what it found, and how to read again when a compare-and-set was refused. */
interface Pass {
  readonly ctx: ReadContext;
  readonly latest: KillSwitchEvent | null;
  readonly circuit: CircuitRead;
  readonly pending: PendingTrip | null;
  /** Reads again (the state changed while being read); after three tries, halted. */
  readonly again: () => Promise<ReadResult>;
}

type StopFile = NonNullable<ReturnType<typeof readStopFile>>;

const keptChanging = (ctx: ReadContext, latest: KillSwitchEvent | null): HaltState => ({
  halted: true,
  eventId: latest?.id ?? null,
  source: 'unreadable',
  reason: 'the kill switch kept changing while being read',
  since: ctx.now,
  by: null,
  checkedAt: ctx.now,
});

/** The store did not answer: halted by the STOP file, the trip in memory, or as unreadable; mirrored, not confirmed. */
function unreadableStore(ctx: ReadContext, stop: StopFile | null, why: string): ReadResult {
  const { pending, now } = ctx;
  const state: HaltState = stop
    ? stopState(ctx, stop, null, null)
    : pending
      ? memoryState(pending, now)
      : {
          halted: true,
          eventId: null,
          source: 'unreadable',
          reason: why,
          since: now,
          by: null,
          checkedAt: now,
        };
  if (state.halted && !mirrors(readCircuitFile(ctx.dataDir), true, null))
    ctx.mirror({
      paused: true,
      reason: state.reason,
      since: state.since / 1000,
      warden_event_id: pending?.baseId ?? null,
      by: state.by,
      source: state.source,
    });
  return { state, pending, unconfirmed: why };
}

function memoryHalt(ctx: ReadContext, pending: PendingTrip, circuit: CircuitRead): ReadResult {
  const state = memoryState(pending, ctx.now);
  if (!mirrors(circuit, true, pending.baseId) || circuit.value.source !== 'memory')
    ctx.mirror({
      paused: true,
      reason: pending.reason,
      since: pending.at / 1000,
      warden_event_id: pending.baseId,
      by: pending.by,
      source: 'memory',
    });
  return { state, pending };
}

/** Another process's trip that the store could not take, mirrored in circuit.json beside its STOP file. */
const heldElsewhere = ({ circuit, latest }: Pass): boolean =>
  circuit.kind === 'ok' &&
  circuit.byWarden &&
  circuit.value.paused &&
  circuit.value.source === 'memory' &&
  circuit.value.warden_event_id === (latest?.id ?? null);

/** A STOP file halts whatever the store says. One not made by Warden is recorded as a trip by unknown. */
async function stopFileHalt(p: Pass, stop: StopFile): Promise<ReadResult> {
  const { ctx, circuit, pending } = p;
  let latest = p.latest;
  if (circuit.kind === 'ok' && heldElsewhere(p)) {
    const c = circuit.value;
    return {
      state: {
        ...stopState(ctx, stop, latest, null),
        reason: `STOP file present in ${ctx.dataDir}: ${c.reason ?? 'a trip'} (tripped by ${c.by ?? 'unknown'} in another process; not recorded: the store cannot be written)`,
        by: c.by ?? null,
        since: c.since !== null ? c.since * 1000 : stop.mtimeMs,
      },
      pending,
    };
  }
  if (latest?.action !== 'trip' && !(latest !== null && latest.at >= stop.mtimeMs)) {
    const reason = stop.note ? `STOP file: ${stop.note}` : `STOP file created in ${ctx.dataDir}`;
    const r = await ctx.store.killSwitch
      .appendIfLatest(
        latest?.id ?? null,
        event(ctx, { action: 'trip', at: stop.mtimeMs, reason, by: UNKNOWN, source: 'stop_file' }),
      )
      .catch(() => null);
    if (r && !r.ok) return p.again();
    if (r?.ok) {
      latest = r.event;
      await ctx.alert({
        key: `killswitch:trip:${r.event.id}`,
        severity: 'critical',
        title: 'Trading halted (STOP file)',
        body: `${reason}. Recorded as a trip by unknown (event ${r.event.id}). Resume only with: warden resume --reason "..." --by NAME`,
      });
    }
  }
  const since = latest?.action === 'trip' ? await haltStart(ctx.store, latest) : stop.mtimeMs;
  const state = stopState(ctx, stop, latest, since);
  if (!mirrors(circuit, true, state.eventId) || circuit.value.source !== 'stop_file')
    ctx.mirror({
      paused: true,
      reason: state.reason,
      since: since / 1000,
      warden_event_id: state.eventId,
      by: state.by,
      source: 'stop_file',
    });
  return { state, pending };
}

/** The newest event is a trip: halted, unless the halt was ended by hand (recorded as a resume by unknown). */
async function storeTrip(p: Pass, trip: KillSwitchEvent): Promise<ReadResult> {
  const { ctx, circuit, pending } = p;
  // Ended by hand: the STOP file that made this halt is gone, or circuit.json was set to paused: false.
  let byHand: string | null = null;
  if (trip.source === 'stop_file') byHand = 'the STOP file was removed by hand';
  else if (
    circuit.kind === 'ok' &&
    !circuit.value.paused &&
    (!circuit.byWarden || circuit.value.warden_event_id === trip.id)
  )
    byHand = `${CIRCUIT_FILE} was set to "paused": false by hand`;
  if (byHand !== null) return resumedByHand(p, trip, byHand);
  const since = await haltStart(ctx.store, trip);
  if (!mirrors(circuit, true, trip.id))
    ctx.mirror({
      paused: true,
      reason: trip.reason,
      since: since / 1000,
      warden_event_id: trip.id,
      by: trip.by,
      source: trip.source,
    });
  return {
    state: {
      halted: true,
      eventId: trip.id,
      source: trip.source === 'circuit_file' ? 'circuit_file' : 'store',
      reason: trip.reason,
      since,
      by: trip.by,
      checkedAt: ctx.now,
    },
    pending,
  };
}

/** A halt ended by hand, recorded as a resume by unknown and alerted; when it cannot be recorded, still halted. */
async function resumedByHand(p: Pass, trip: KillSwitchEvent, byHand: string): Promise<ReadResult> {
  const { ctx, pending } = p;
  const { now } = ctx;
  const reason = `${byHand} (not with warden resume)`;
  let r;
  try {
    r = await ctx.store.killSwitch.appendIfLatest(
      trip.id,
      event(ctx, { action: 'resume', at: now, reason, by: UNKNOWN, source: ctx.source, clears: trip.id }),
    );
  } catch (err) {
    // Cannot record the resume: stay halted (fail closed) and say why.
    const since = await haltStart(ctx.store, trip).catch(() => trip.at);
    return {
      state: {
        halted: true,
        eventId: trip.id,
        source: 'store',
        reason: `${trip.reason} (${byHand}, but the resume cannot be recorded: ${(err as Error).message})`,
        since,
        by: trip.by,
        checkedAt: now,
      },
      pending,
    };
  }
  if (!r.ok) return p.again();
  ctx.mirror({
    paused: false,
    reason,
    since: now / 1000,
    warden_event_id: r.event.id,
    by: UNKNOWN,
    source: ctx.source,
  });
  await ctx.alert({
    key: `killswitch:resume:${r.event.id}`,
    severity: 'critical',
    title: 'Trading resumed by an unknown person',
    body: `${reason}: recorded as a resume by unknown (event ${r.event.id}, clears trip ${trip.id}: ${trip.reason}). If nobody meant to, halt again: warden trip --reason "..."`,
  });
  return { state: { halted: false, eventId: r.event.id, checkedAt: now }, pending };
}

/**
 * No trip in the store: halted by a corrupt or paused circuit.json (a pause by another program is
 * recorded as a trip by unknown), else running, with a stale mirror repaired.
 */
async function noTripInStore(p: Pass): Promise<ReadResult> {
  const { ctx, circuit, latest, pending } = p;
  const { now } = ctx;
  const eventId = latest?.id ?? null;
  if (circuit.kind === 'corrupt') {
    const reason = `${CIRCUIT_FILE} unreadable: ${circuit.error}`;
    return {
      state: { halted: true, eventId, source: 'unreadable', reason, since: now, by: null, checkedAt: now },
      pending,
    };
  }
  if (circuit.kind === 'ok' && circuit.value.paused) {
    const paused = await pausedCircuit(p, circuit.value, circuit.byWarden);
    if (paused !== null) return paused;
    // Otherwise a pause Warden wrote for a state that has since changed: a stale mirror, repaired below.
  }
  if (latest && !mirrors(circuit, false, latest.id))
    ctx.mirror({
      paused: false,
      reason: latest.reason,
      since: latest.at / 1000,
      warden_event_id: latest.id,
      by: latest.by,
      source: latest.source,
    });
  return { state: { halted: false, eventId, checkedAt: now }, pending };
}

/** circuit.json says paused with no trip in the store: another program's halt, another process's unrecorded trip, or null for a stale mirror. */
async function pausedCircuit(p: Pass, value: CircuitFile, byWarden: boolean): Promise<ReadResult | null> {
  const { ctx, latest, pending } = p;
  const { now } = ctx;
  const eventId = latest?.id ?? null;
  const reason = value.reason ?? `${CIRCUIT_FILE} says paused`;
  const since = value.since !== null ? value.since * 1000 : now;
  if (!byWarden) {
    // A pause written by another program (seed 001): a halt of its own, recorded as a trip by unknown.
    const r = await ctx.store.killSwitch
      .appendIfLatest(
        eventId,
        event(ctx, { action: 'trip', at: since, reason, by: UNKNOWN, source: 'circuit_file' }),
      )
      .catch(() => null);
    if (r && !r.ok) return p.again();
    if (r?.ok) {
      await ctx.alert({
        key: `killswitch:trip:${r.event.id}`,
        severity: 'critical',
        title: 'Trading halted (circuit.json)',
        body: `${CIRCUIT_FILE} was set to paused outside Warden: ${reason}. Recorded as a trip by unknown (event ${r.event.id}).`,
      });
      return p.again();
    }
    return {
      state: { halted: true, eventId, source: 'circuit_file', reason, since, by: null, checkedAt: now },
      pending,
    };
  }
  if (!heldElsewhere(p)) return null;
  // Another process tripped but could not record it; nothing was written since: still halted.
  return {
    state: {
      halted: true,
      eventId,
      source: 'memory',
      reason: `${reason} (tripped in another process, not recorded in the store)`,
      since,
      by: value.by ?? null,
      checkedAt: now,
    },
    pending,
  };
}

function stopState(
  ctx: ReadContext,
  stop: { mtimeMs: number; note: string },
  latest: KillSwitchEvent | null,
  since: number | null,
): HaltState & { halted: true } {
  const note = stop.note ? `: ${stop.note}` : '';
  return {
    halted: true,
    eventId: latest?.id ?? null,
    source: 'stop_file',
    reason: `STOP file present in ${ctx.dataDir}${note}`,
    since: since ?? stop.mtimeMs,
    by: latest?.action === 'trip' ? latest.by : null,
    checkedAt: ctx.now,
  };
}

function memoryState(p: PendingTrip, now: number): HaltState & { halted: true } {
  return {
    halted: true,
    eventId: p.baseId,
    source: 'memory',
    reason: `${p.reason} (not recorded: the store cannot be written)`,
    since: p.at,
    by: p.by,
    checkedAt: now,
  };
}
