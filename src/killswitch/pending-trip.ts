import { hostname } from 'node:os';
import type { KillSwitchEvent, NewKillSwitchEvent } from '../store/index.js';
import type { ReadContext } from './read-halt.js';

/** A new event written by this process (host, pid), not a flatten. */
export function event(
  _ctx: unknown,
  e: Omit<NewKillSwitchEvent, 'host' | 'pid' | 'flatten'>,
): NewKillSwitchEvent {
  return { ...e, host: hostname(), pid: process.pid, flatten: false };
}

/** A trip this process could not record (the store refused the write): held in memory until it can. */
export interface PendingTrip {
  readonly at: number;
  readonly reason: string;
  readonly by: string;
  readonly source: string;
  readonly flatten: boolean;
  /** The newest store event when it tripped: it is recorded late only if nobody acted since. */
  readonly baseId: number | null;
}

/** Records the trip held in memory once the store takes writes again (compare-and-set on its base). */
export async function recordPending(
  ctx: ReadContext,
  p: PendingTrip,
): Promise<{ pending: PendingTrip | null; latest?: KillSwitchEvent }> {
  const e = event(ctx, { action: 'trip', at: p.at, reason: p.reason, by: p.by, source: p.source });
  let r;
  try {
    r = await ctx.store.killSwitch.appendIfLatest(p.baseId, { ...e, flatten: p.flatten });
  } catch {
    return { pending: p }; // still not writable: keep halting from memory
  }
  if (r.ok) {
    ctx.shout(
      `warden: the trip held in memory is now recorded in the store (event ${r.event.id}): ${p.reason}`,
    );
    return { pending: null, latest: r.event };
  }
  const resumed = r.since.find((x) => x.action === 'resume' && x.at >= p.at);
  if (resumed) {
    ctx.shout(
      `warden: the trip held in memory (${p.reason}) was never recorded: ${resumed.by} resumed after it (event ${resumed.id})`,
    );
    await ctx.alert({
      key: `killswitch:unrecorded-trip:${p.at}`,
      severity: 'warning',
      title: 'An unrecorded trip was resumed',
      body: `The trip "${p.reason}" (${new Date(p.at).toISOString()}) could not be recorded (store not writable); ${resumed.by} resumed afterwards (event ${resumed.id}), so it is dropped.`,
    });
    return { pending: null };
  }
  try {
    // Only trips came since: a trip is always safe to add.
    const latest = await ctx.store.killSwitch.append({ ...e, flatten: p.flatten });
    ctx.shout(
      `warden: the trip held in memory is now recorded in the store (event ${latest.id}): ${p.reason}`,
    );
    return { pending: null, latest };
  } catch {
    return { pending: p };
  }
}
