/** Status of one group in the state file (seed 000's three statuses). */
export type StrategyStatus = 'active' | 'blocked' | 'monitor';

/** A manual override recorded in the state file by `warden strategy block|unblock`. */
export interface OverrideRecord {
  readonly action: 'block' | 'unblock';
  readonly reason: string;
  readonly by: string;
  readonly at: string;
}

/**
 * One group's entry in the state file. The first fields are seed 000's, in its order;
 * Warden adds the shadow figures, the basis of the decision and the override.
 */
export interface GroupEntry {
  status: StrategyStatus;
  roi_30d: number | null;
  n_30d: number;
  tripped_at?: string | null;
  reason?: string;
  note?: string;
  /** Warden: the decision of a blocked group was made on shadow trades. */
  basis?: 'shadow';
  shadow_roi_30d?: number | null;
  shadow_n_30d?: number;
  override?: OverrideRecord;
}

/** The state file: `{ as_of, as_of_unix, <stateKey>: { key: entry } }` plus Warden's metadata. */
export interface StateFile {
  as_of: string;
  as_of_unix: number;
  [stateKey: string]: unknown;
}

/** Sums of one group over a window: n, Σ(pnl × size), Σ(entry × size). */
export interface GroupFigures {
  n: number;
  pnl: number;
  cost: number;
}

/** A status change produced by an evaluation (for alerts). */
export interface Transition {
  readonly key: string;
  readonly from: StrategyStatus | null;
  readonly to: StrategyStatus;
  /** `trip` when a group became blocked, `recover` when a blocked group became active. */
  readonly kind: 'trip' | 'recover' | 'other';
  readonly reason: string;
  readonly roi: number | null;
  readonly n: number;
}

/** ROI of a group's figures for the state file; null when the cost is zero (the seed's NaN / inf). */
export function roiOf(f: GroupFigures): number | null {
  const r = f.pnl / f.cost;
  return Number.isFinite(r) ? r : null;
}

/**
 * A group's own entry (never one inherited from Object.prototype: `constructor`, `toString`
 * and `__proto__` are ordinary strategy names).
 */
export function ownEntry(entries: Readonly<Record<string, GroupEntry>>, key: string): GroupEntry | undefined {
  return Object.hasOwn(entries, key) ? entries[key] : undefined;
}

/** Sets a group's entry as an own property, whatever its name (`__proto__` included). */
export function setEntry(entries: Record<string, GroupEntry>, key: string, e: GroupEntry): void {
  Object.defineProperty(entries, key, { value: e, enumerable: true, writable: true, configurable: true });
}
