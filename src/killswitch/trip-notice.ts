import type { KillSwitchEvent } from '../store/types.js';
import type { TripNotice } from '../store/postgres/change-payload.js';
import type { HaltState } from './halt-state.js';

export type { TripNotice } from '../store/postgres/change-payload.js';

/** A trip event as a notice (the poll's read saw it as the newest event). */
export const toNotice = (e: KillSwitchEvent): TripNotice => ({
  eventId: e.id,
  at: e.at,
  by: e.by,
  reason: e.reason,
});

/**
 * The halt a trip notice stands for until the re-read replaces it: recorded in the store (a
 * notification is sent only once its transaction commits), its reason as the notice carried it.
 */
export function tripNoticeState(t: TripNotice, now: number): HaltState & { halted: true } {
  return {
    halted: true,
    eventId: t.eventId,
    source: 'store',
    reason: t.reason,
    since: t.at,
    by: t.by,
    checkedAt: now,
  };
}
