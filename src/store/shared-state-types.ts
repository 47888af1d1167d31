/** The strategy breaker's state as the store keeps it (fleet mode): the seed-format document and its version. */
export interface StoredStrategyState {
  /** Which state: the config's `strategy.stateKey` (`strategies`, `sports`). */
  readonly name: string;
  /** 1 for the first write, one more for every write after it: what a compare-and-set compares. */
  readonly version: number;
  /** The state file's object (`as_of`, `as_of_unix`, `<stateKey>`: {...}), exactly as the file would hold it. */
  readonly doc: Record<string, unknown>;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** One audited change of the strategy state: an evaluation's verdicts, or a manual block / unblock. */
export interface StrategyStateEvent {
  readonly id: number;
  readonly name: string;
  /** The version this change wrote. */
  readonly version: number;
  readonly action: 'evaluate' | 'block' | 'unblock';
  /** The key blocked or unblocked, or a key an evaluation tripped / recovered; null for the run itself. */
  readonly key: string | null;
  readonly reason: string;
  readonly by: string;
  readonly at: number;
}

/** An audit row before the store gives it an id and the version it wrote. */
export type NewStrategyStateEvent = Omit<StrategyStateEvent, 'id' | 'name' | 'version'>;

/** A compare-and-set write of the strategy state: written, or refused with what was written since. */
export type StrategyStateCasResult =
  | { readonly ok: true; readonly state: StoredStrategyState }
  | {
      readonly ok: false;
      readonly current: StoredStrategyState | null;
      /** The audit rows of the versions after the one expected, oldest first. */
      readonly since: readonly StrategyStateEvent[];
    };

/** A dependency breaker's state shared by every process on one exchange account (opt-in). */
export interface SharedBreakerRecord {
  readonly account: string;
  readonly breaker: string;
  /** One more on every open and close; a close is compare-and-set on it. */
  readonly version: number;
  readonly state: 'open' | 'closed';
  /** Open until (epoch ms, by the clock of the process that tripped); 0 when closed. */
  readonly until: number;
  /** The process that made the last change (`host:pid`). */
  readonly by: string;
  readonly at: number;
  /** The process allowed to send the half-open probes, or null. */
  readonly prober: string | null;
  /** Its claim ends then (epoch ms, by the store's clock); a claim past this is free for another process. */
  readonly probeUntil: number;
}

/** The outcome of a probe claim: granted, or refused with the row as it is (null: no row at all). */
export type SharedBreakerClaim =
  | { readonly ok: true; readonly record: SharedBreakerRecord }
  | { readonly ok: false; readonly record: SharedBreakerRecord | null };
