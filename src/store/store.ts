import type { DlqStore } from '../orders/dlq-store.js';
import type { OrderStore } from '../orders/order-store.js';
import type {
  StoredDecisionHead,
  FleetMember,
  HeartbeatRecord,
  HeartbeatReport,
  Incident,
  KillSwitchCasResult,
  KillSwitchEvent,
  ModeRecord,
  ModeWrite,
  NewKillSwitchEvent,
  NewOutboxAlert,
  OutboxAlert,
} from './types.js';
import type {
  NewStrategyStateEvent,
  SharedBreakerClaim,
  SharedBreakerRecord,
  StoredStrategyState,
  StrategyStateCasResult,
  StrategyStateEvent,
} from './shared-state-types.js';

/** The kill switch's durable history; the current state is the last event. */
export interface KillSwitchRepo {
  /** Appends a trip or resume durably and returns it with its id. */
  append(event: NewKillSwitchEvent): Promise<KillSwitchEvent>;
  /**
   * Compare-and-set: appends only when the newest event is still `expectedLatestId` (null = no
   * event yet), atomically; otherwise appends nothing and returns what was written since.
   */
  appendIfLatest(expectedLatestId: number | null, event: NewKillSwitchEvent): Promise<KillSwitchCasResult>;
  /** Commits a tiny write; rejects when the store cannot take writes (full disk, read-only). */
  probeWrite(at: number): Promise<void>;
  /** The newest event, or null when the switch was never touched (= running). */
  latest(): Promise<KillSwitchEvent | null>;
  /** Events newest first. */
  history(limit?: number): Promise<KillSwitchEvent[]>;
}

/** Last heartbeat per name. */
export interface HeartbeatRepo {
  /** Records a report; the record's `receivedAt` is the store's clock at this moment, whatever `report.at` says. */
  record(report: HeartbeatReport): Promise<HeartbeatRecord>;
  get(name: string): Promise<HeartbeatRecord | null>;
  list(): Promise<HeartbeatRecord[]>;
}

/** Open watchdog incidents keyed by check. */
export interface IncidentRepo {
  /** Opens an incident; returns false when one with this key is already open. */
  open(incident: Incident): Promise<boolean>;
  /** Closes an incident; returns it when one was open. */
  close(key: string): Promise<Incident | null>;
  list(): Promise<Incident[]>;
}

/** The alert outbox: alerts are recorded before they are sent. */
export interface AlertOutboxRepo {
  /** Enqueues an alert; returns null when one with the same channel + dedupeKey exists already. */
  enqueue(alert: NewOutboxAlert): Promise<OutboxAlert | null>;
  /** Claims pending alerts due at `now` (at most `limit`), leasing them for `leaseMs` so another process skips them. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxAlert[]>;
  markSent(id: number, at: number): Promise<void>;
  /** Records a failed send; `nextAttemptAt` null marks it failed for good. */
  markFailed(id: number, error: string, nextAttemptAt: number | null): Promise<void>;
  /** How many alerts were sent on `channel` since `since` (for the rate limit). */
  countSentSince(channel: string, since: number): Promise<number>;
  list(opts?: { status?: OutboxAlert['status']; limit?: number }): Promise<OutboxAlert[]>;
}

/** A compare-and-set of one kv entry: `value` is written only if the key holds `expected` (null: absent). */
export interface KvSwap {
  readonly key: string;
  readonly expected: string | null;
  readonly value: string;
}

/** Small named values (schedules' last runs, cursors). */
export interface KvRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** The stored values of `keys` in one read; a key that is absent is absent from the map. */
  getMany(keys: readonly string[]): Promise<Map<string, string>>;
  /**
   * Compare-and-set of many keys at once (one statement on PostgreSQL, and a read of the keys a
   * racer changed meanwhile; one transaction on SQLite), each key on its own: `expected: null` is
   * set-if-absent. Returns, per key, the value stored after it (the one written, or the one that
   * refused it; null: absent), so a set-if-absent is also the read. Two writers racing on a key:
   * exactly one is written, and both are told that one. A key twice: RangeError.
   */
  compareAndSet(swaps: readonly KvSwap[]): Promise<Map<string, string | null>>;
}

/** The decision log's head per log and host, kept in the store so it travels off the host. */
export interface DecisionHeadRepo {
  /**
   * Records `head` when it is newer (a higher seq) than the one stored for its log and host;
   * false when the stored head is as new or newer (it is never moved back).
   */
  record(head: StoredDecisionHead): Promise<boolean>;
  get(log: string, host: string): Promise<StoredDecisionHead | null>;
  /** Every head (of one log when given), by log then host. */
  list(log?: string): Promise<StoredDecisionHead[]>;
}

/** Which processes use the store: host, pid, role, last seen. */
export interface FleetRepo {
  /** Records that (host, pid, role) is alive now (by the store's clock); returns the row. */
  touch(member: {
    readonly host: string;
    readonly pid: number;
    readonly role: string;
    readonly info?: Record<string, unknown>;
  }): Promise<FleetMember>;
  /** Every member, by host, role, pid. */
  list(): Promise<FleetMember[]>;
  /** Forgets a member (a clean exit); false when it was not there. */
  remove(host: string, pid: number, role: string): Promise<boolean>;
}

/** The strategy breaker's state in the store (fleet mode): one versioned document per state key, audited. */
export interface StrategyStateRepo {
  /** The stored state, or null when none was ever written. */
  get(name: string): Promise<StoredStrategyState | null>;
  /**
   * Compare-and-set: writes `doc` (and its audit rows, and the `strategy` notification, in one
   * transaction) only when the stored version is still `expectedVersion` (0 = nothing stored yet);
   * otherwise writes nothing and returns the current state and the audit rows since.
   */
  put(
    name: string,
    expectedVersion: number,
    doc: Record<string, unknown>,
    events: readonly NewStrategyStateEvent[],
    by: string,
  ): Promise<StrategyStateCasResult>;
  /** Audit rows, oldest first: those that wrote a version above `afterVersion` (default 0), at most `limit`. */
  history(name: string, opts?: { afterVersion?: number; limit?: number }): Promise<StrategyStateEvent[]>;
  /** The newest `limit` audit rows (by id), oldest first: what the dashboard's history shows. */
  recent(name: string, limit: number): Promise<StrategyStateEvent[]>;
}

/** Dependency breakers shared per exchange account (opt-in): open / closed, and who probes. */
export interface SharedBreakerRepo {
  get(account: string, breaker: string): Promise<SharedBreakerRecord | null>;
  /**
   * Records a trip: opens a closed (or absent) row, or extends an open one to a later `until`, and
   * clears the probe claim; otherwise changes nothing. `changed` says which; announced (`breakers`).
   */
  open(
    account: string,
    breaker: string,
    change: { readonly until: number; readonly by: string; readonly at: number },
  ): Promise<{ readonly changed: boolean; readonly record: SharedBreakerRecord }>;
  /**
   * Compare-and-set close after a good probe: only while the row is open at `expectedVersion`, so
   * a close never overwrites a trip it did not see. Announced (`breakers`).
   */
  close(
    account: string,
    breaker: string,
    expectedVersion: number,
    change: { readonly by: string; readonly at: number },
  ): Promise<{ readonly ok: boolean; readonly record: SharedBreakerRecord | null }>;
  /**
   * Claims the half-open probes for `leaseMs` (by the store's clock): granted while the row is
   * open and nobody else holds a live claim (a renewal by the holder is granted too).
   */
  claimProbe(account: string, breaker: string, owner: string, leaseMs: number): Promise<SharedBreakerClaim>;
}

/**
 * Each bot's degradation mode, written by the bot's `ModeRecorder` on every transition and on a
 * refresh. Last writer wins by a per-bot version (epoch, seq): `claim` starts a new incarnation
 * (the store gives it the next epoch, fencing out every older writer of that bot), and `record`
 * takes only a write of the current epoch with a higher seq than stored.
 */
export interface ModeRepo {
  /** Starts a writer incarnation for `write.bot`: stores it with epoch = the stored epoch + 1 (1 for a new bot). */
  claim(write: ModeWrite): Promise<ModeRecord>;
  /** Stores `write` when `epoch` is still the stored one and `write.seq` is higher; null when refused (superseded or stale). */
  record(epoch: number, write: ModeWrite): Promise<ModeRecord | null>;
  get(bot: string): Promise<ModeRecord | null>;
  /** Every bot's record, by bot name. */
  list(): Promise<ModeRecord[]>;
}

/**
 * Everything Warden keeps durably. Backends: SQLite (one host, default) and PostgreSQL (fleet).
 * Every backend passes the same contract suite (`store-contract.ts`).
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Human-readable location (file path or connection target without the password). */
  readonly location: string;
  readonly killSwitch: KillSwitchRepo;
  readonly heartbeats: HeartbeatRepo;
  readonly incidents: IncidentRepo;
  readonly alerts: AlertOutboxRepo;
  readonly kv: KvRepo;
  /** Idempotency keys and order intents (their `close()` is the store's). */
  readonly orders: OrderStore;
  /** The dead-letter queue (its `close()` is the store's). */
  readonly dlq: DlqStore;
  readonly decisionHeads: DecisionHeadRepo;
  readonly fleet: FleetRepo;
  /** Each bot's degradation mode. */
  readonly modes: ModeRepo;
  /** The strategy breaker's state (read by the breaker in fleet mode; the SQLite default keeps the file). */
  readonly strategyState: StrategyStateRepo;
  /** Shared dependency-breaker state per exchange account (`fleet.sharedBreakers`). */
  readonly sharedBreakers: SharedBreakerRepo;
  /**
   * The store's own clock (ms). The watchdog uses it only to see that the store answers: on
   * one host it is this host's clock, so it is no reference for clock drift.
   */
  now(): Promise<number>;
  /** Applies pending migrations (idempotent; safe while other processes migrate too); the number applied. */
  migrate(): Promise<number>;
  /** The newest migration applied to this store. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
