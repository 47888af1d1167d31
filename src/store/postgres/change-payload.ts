// The NOTIFY payload of `<schema>_changes`: written by the store in the transaction of the change,
// read by the change feed. One format, one place.
//
// Every payload is `{"area":…,"id":…,"s":"<schema>"}`. A kill-switch change also says what it was:
// `{"area":"killswitch","id":N,"s":…,"action":"trip"|"resume","at":ms,"by":…,"reason":…}` (reason
// cut to 200 characters: a payload holds at most 8000 bytes). A listener may act on a *trip* at once
// (halting needs no confirmation) and must confirm it by a re-read; a resume, or anything it cannot
// read, is only a wake-up.

/** The longest reason carried in a payload (the re-read brings the whole one). */
export const PAYLOAD_REASON_MAX = 200;

/** A kill-switch trip as its notification told it: enough to halt before the re-read. */
export interface TripNotice {
  /** The trip's event id. */
  readonly eventId: number;
  /** When it was tripped (ms since the epoch). */
  readonly at: number;
  readonly by: string;
  readonly reason: string;
}

/** A payload, read: the area and id (null when unreadable), and a trip when it names one validly. */
export interface ChangePayload {
  readonly area: string | null;
  readonly id: string | number | null;
  /** Set only for a well-formed kill-switch trip of this schema. */
  readonly trip: TripNotice | null;
}

/** What the store tells of a kill-switch event. */
export interface KillSwitchNotice {
  readonly action: 'trip' | 'resume';
  readonly at: number;
  readonly by: string;
  readonly reason: string;
}

/** The payload of a change of `area` (row `id`) in `schema`; a kill-switch event also carries `ks`. */
export function encodeChange(
  schema: string,
  area: string,
  id: number | string | null,
  ks?: KillSwitchNotice,
): string {
  if (ks === undefined) return JSON.stringify({ area, id, s: schema });
  return JSON.stringify({
    area,
    id,
    s: schema,
    action: ks.action,
    at: ks.at,
    by: ks.by.slice(0, PAYLOAD_REASON_MAX),
    reason: ks.reason.slice(0, PAYLOAD_REASON_MAX),
  });
}

const UNREADABLE: ChangePayload = Object.freeze({ area: null, id: null, trip: null });

/**
 * Reads a payload heard on `schema`'s channel. Never throws: garbage is `area: null` (a wake-up for
 * everything). A payload naming another schema is a wake-up only (no area, no trip). A trip is
 * returned only when every field is well formed (a positive integer id, a finite time, strings).
 */
export function decodeChange(schema: string, payload: string | undefined): ChangePayload {
  let p: unknown;
  try {
    p = JSON.parse(payload ?? '');
  } catch {
    return UNREADABLE;
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return UNREADABLE;
  const o = p as Record<string, unknown>;
  // Written before the schema was carried (an older Warden): treated as this schema's, without a trip.
  if (o['s'] !== undefined && o['s'] !== schema) return UNREADABLE;
  const area = typeof o['area'] === 'string' ? o['area'] : null;
  if (area === null) return UNREADABLE;
  const rawId = o['id'];
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
  let trip: TripNotice | null = null;
  if (
    area === 'killswitch' &&
    o['s'] === schema &&
    o['action'] === 'trip' &&
    typeof rawId === 'number' &&
    Number.isSafeInteger(rawId) &&
    rawId > 0 &&
    typeof o['at'] === 'number' &&
    Number.isFinite(o['at']) &&
    typeof o['by'] === 'string' &&
    typeof o['reason'] === 'string'
  )
    trip = { eventId: rawId, at: o['at'], by: o['by'], reason: o['reason'] };
  return { area, id, trip };
}
