/** The two top-level keys a state file may have: Warden's default and seed 000's. */
export const KNOWN_STATE_KEYS: readonly string[] = Object.freeze(['strategies', 'sports']);

/** A JSON object (not null, not an array). */
export function isSection(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The top-level key holding the entries: `stateKey` when the file has it, else whichever of
 * `strategies` and `sports` it has (a state written by seed 000, or with the other setting,
 * must not read as "no strategy known"), else `stateKey`.
 */
export function sectionKeyOf(state: Record<string, unknown> | null, stateKey: string): string {
  if (state === null || (Object.hasOwn(state, stateKey) && isSection(state[stateKey]))) return stateKey;
  for (const k of KNOWN_STATE_KEYS) if (Object.hasOwn(state, k) && isSection(state[k])) return k;
  return stateKey;
}
