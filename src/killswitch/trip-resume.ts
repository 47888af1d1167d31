import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KillSwitchEvent, NewKillSwitchEvent } from '../store/index.js';
import { isNoSpaceError } from '../store/index.js';
import type { HaltState } from './halt-state.js';
import { ResumeRefusedError } from './errors.js';
import { ResumeConflictError } from './resume-conflict-error.js';
import { STOP_FILE, readStopFile, stopFilePath } from './files.js';
import type { FlattenHook, FlattenResult } from './flatten.js';
import type { ResumeRequest, TripRequest, TripResult } from './kill-switch-types.js';
import { haltByFiles } from './halt-by-files.js';
import { storeAdvice } from './store-advice.js';
import { mirror, raiseAlert, type SwitchContext } from './switch-context.js';

/** What a trip or a resume needs beside the shared context. */
export interface TripResumeHooks {
  readonly flatten: FlattenHook | undefined;
  /** The kill switch's re-read, run once the store took the event. */
  refresh(): Promise<HaltState>;
}

type TripEvent = NewKillSwitchEvent & { action: 'trip' };

/** Appends the trip; on a full disk releases the reserve and tries once more. Null: the store refused. */
async function appendTrip(
  ctx: SwitchContext,
  ev: TripEvent,
): Promise<{ event: KillSwitchEvent } | { event: null; failure: unknown }> {
  let failure: unknown;
  try {
    return { event: await ctx.store.killSwitch.append(ev) };
  } catch (err) {
    failure = err;
  }
  if (isNoSpaceError(failure) && ctx.reserve?.release()) {
    ctx.shout(`warden: disk full: released the reserve ${ctx.reserve.path} to record the trip`);
    try {
      return { event: await ctx.store.killSwitch.append(ev) };
    } catch (err) {
      failure = err;
    }
  }
  return { event: null, failure };
}

/**
 * Halts trading now, durably, mirrors circuit.json, alerts, and flattens when asked; when the
 * store cannot take the trip, holds it in memory and the files (`holdInMemory`).
 */
export async function tripSwitch(
  ctx: SwitchContext,
  hooks: TripResumeHooks,
  req: TripRequest,
): Promise<TripResult> {
  const reason = req.reason?.trim();
  if (!reason) throw new RangeError('reason: a trip needs a reason (--reason "...")');
  const ev: TripEvent = {
    action: 'trip',
    at: ctx.clock.now(),
    reason,
    by: req.by?.trim() || ctx.source,
    source: ctx.source,
    host: hostname(),
    pid: process.pid,
    flatten: req.flatten === true,
  };
  const appended = await appendTrip(ctx, ev);
  if (appended.event === null) return holdInMemory(ctx, hooks, req, ev, appended.failure);
  const event = appended.event;
  await hooks.refresh();
  await raiseAlert(ctx, {
    key: `killswitch:trip:${event.id}`,
    severity: 'critical',
    title: 'Trading halted',
    body: `Kill switch tripped by ${event.by} (${event.source}): ${reason}. Resume only with: warden resume --reason "..." --by NAME`,
  });
  return { recorded: true, event, flatten: await runFlatten(ctx, hooks, req, reason, event.id) };
}

/**
 * The store refused the trip (full disk, even after releasing the reserve): the halt is held in
 * memory, written as the STOP file and circuit.json, alerted and shouted; recorded later.
 */
async function holdInMemory(
  ctx: SwitchContext,
  hooks: TripResumeHooks,
  req: TripRequest,
  ev: TripEvent,
  failure: unknown,
): Promise<TripResult> {
  const error = failure instanceof Error ? failure.message : String(failure);
  const baseId = ctx.state().eventId;
  ctx.pending = { ...ev, baseId };
  const haltedBy = haltByFiles(ctx.dataDir, {
    reason: ev.reason,
    by: ev.by,
    at: ev.at,
    baseId,
    error,
    reserve: ctx.reserve,
    inMemory: true,
    shout: ctx.shout,
  });
  ctx.set({
    halted: true,
    eventId: baseId,
    source: 'memory',
    reason: `${ev.reason} (not recorded: the store cannot be written)`,
    since: ev.at,
    by: ev.by,
    checkedAt: ev.at,
  });
  await raiseAlert(ctx, {
    key: `killswitch:trip-unrecorded:${ev.at}`,
    severity: 'critical',
    title: 'Trading halted (trip NOT recorded: store not writable)',
    body: `Kill switch tripped by ${ev.by} (${ev.source}): ${ev.reason}. The store refused the write (${error}); halted by ${haltedBy.join(', ')}. ${storeAdvice(error, ctx.dataDir)} Resume only with: warden resume --reason "..." --by NAME`,
  });
  const flatten = await runFlatten(ctx, hooks, req, ev.reason, ev.at);
  return { recorded: false, event: null, error, haltedBy, flatten };
}

async function runFlatten(
  ctx: SwitchContext,
  hooks: TripResumeHooks,
  req: TripRequest,
  reason: string,
  key: number,
): Promise<FlattenResult | null> {
  if (!req.flatten) return null;
  let flatten: FlattenResult;
  if (!hooks.flatten) {
    flatten = { ok: false, detail: 'no flatten action configured (killSwitch.flattenCommand)' };
  } else {
    try {
      flatten = await hooks.flatten({ reason, signal: AbortSignal.timeout(10 * 60_000), haltKey: key });
    } catch (err) {
      flatten = { ok: false, detail: `flatten hook threw: ${(err as Error).message}` };
    }
  }
  await raiseAlert(ctx, {
    key: `killswitch:flatten:${key}`,
    severity: flatten.ok ? 'warning' : 'critical',
    title: flatten.ok ? 'Flatten done' : 'FLATTEN FAILED: positions may still be open',
    body: flatten.detail,
  });
  return flatten;
}

/** The person saw the trip held in memory: it is recorded first, so the history has both. */
async function recordSeenPending(ctx: SwitchContext, expected: number | null): Promise<number | null> {
  const p = ctx.pending;
  if (!p || expected !== p.baseId) return expected;
  const t = await ctx.store.killSwitch.appendIfLatest(p.baseId, {
    action: 'trip',
    at: p.at,
    reason: p.reason,
    by: p.by,
    source: p.source,
    host: hostname(),
    pid: process.pid,
    flatten: p.flatten,
  });
  if (!t.ok) return expected;
  ctx.pending = null;
  return t.event.id;
}

/** Removes the STOP file; what went wrong, or null. */
function removeStopFile(dataDir: string): string | null {
  try {
    unlinkSync(stopFilePath(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return `cannot remove ${STOP_FILE}: ${(err as Error).message}`;
  }
  return null;
}

/**
 * The only way back: needs a reason and a person's name, and names the halt it clears
 * (compare-and-set: a trip that came after it is never cleared). Removes a STOP file;
 * recorded and alerted.
 */
export async function resumeSwitch(
  ctx: SwitchContext,
  hooks: TripResumeHooks,
  req: ResumeRequest,
): Promise<KillSwitchEvent> {
  const reason = typeof req.reason === 'string' ? req.reason.trim() : '';
  const by = typeof req.by === 'string' ? req.by.trim() : '';
  if (!reason || !by) {
    throw new ResumeRefusedError(
      `resume refused: it needs ${!reason && !by ? 'a reason and a name' : !reason ? 'a reason' : 'a name'} (--reason "what was checked" --by NAME)`,
    );
  }
  const expected = await recordSeenPending(ctx, req.haltId !== undefined ? req.haltId : ctx.state().eventId);
  const stop = readStopFile(ctx.dataDir) !== null;
  const r = await ctx.store.killSwitch.appendIfLatest(expected, {
    action: 'resume',
    at: ctx.clock.now(),
    reason: stop ? `${reason} (STOP file removed)` : reason,
    by,
    source: ctx.source,
    host: hostname(),
    pid: process.pid,
    flatten: false,
    clears: expected,
  });
  if (!r.ok) throw new ResumeConflictError(expected, r.latest, r.since);
  const event = r.event;
  ctx.pending = null;
  const stopError = stop ? removeStopFile(ctx.dataDir) : null;
  mirror(ctx, {
    paused: false,
    reason: event.reason,
    since: event.at / 1000,
    warden_event_id: event.id,
    by: event.by,
    source: event.source,
  });
  await hooks.refresh();
  await raiseAlert(ctx, {
    key: `killswitch:resume:${event.id}`,
    severity: 'warning',
    title: 'Trading resumed',
    body: `Resumed by ${by} (${event.source}): ${event.reason}${stopError ? `; but ${stopError}, so trading stays halted` : ''}`,
  });
  return event;
}
