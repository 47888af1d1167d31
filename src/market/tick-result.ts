/** Why a tick was rejected: not a number (price or time), zero or negative, or a jump beyond the band. */
export type BadTickKind = 'nan' | 'non_positive' | 'jump';

/** The outcome of one tick: accepted, or rejected with its kind. Preallocated constants. */
export type TickResult =
  { readonly accepted: true } | { readonly accepted: false; readonly kind: BadTickKind };

export const TICK_ACCEPTED: TickResult = Object.freeze({ accepted: true });
export const TICK_REJECTED: Readonly<Record<BadTickKind, TickResult>> = Object.freeze({
  nan: Object.freeze({ accepted: false, kind: 'nan' }),
  non_positive: Object.freeze({ accepted: false, kind: 'non_positive' }),
  jump: Object.freeze({ accepted: false, kind: 'jump' }),
});

/** Counters of one instrument (or of all). */
export interface TickCounts {
  accepted: number;
  nan: number;
  non_positive: number;
  jump: number;
}
