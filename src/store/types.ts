/** Who changed the kill switch, why, when and from where. */
export interface KillSwitchEvent {
  readonly id: number;
  readonly action: 'trip' | 'resume';
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly reason: string;
  /** A person's name for a resume; the component for an automatic trip (`watchdog`, `gate`...). */
  readonly by: string;
  /** Where the change came from: `cli`, `library`, `watchdog`, `api`, `daemon`... */
  readonly source: string;
  readonly host: string;
  readonly pid: number;
  readonly flatten: boolean;
  /** For a resume: the event id of the halt it cleared (compare-and-set); null for trips and old rows. */
  readonly clears: number | null;
}

/** A new kill-switch event, before the store gives it an id. */
export type NewKillSwitchEvent = Omit<KillSwitchEvent, 'id' | 'clears'> & { readonly clears?: number | null };

/** The outcome of a compare-and-set append: written, or refused with the events newer than expected. */
export type KillSwitchCasResult =
  | { readonly ok: true; readonly event: KillSwitchEvent }
  | {
      readonly ok: false;
      readonly latest: KillSwitchEvent | null;
      readonly since: readonly KillSwitchEvent[];
    };

/** What a heartbeat report says: a beat with a status, or a job's start / failure. */
export type HeartbeatEventKind = 'beat' | 'start' | 'fail';

/** The last known heartbeat of one named process or job. */
export interface HeartbeatRecord {
  readonly name: string;
  /** Time of the last report of any kind (ms). */
  readonly at: number;
  readonly kind: HeartbeatEventKind;
  readonly status: string;
  /** Time of the last `beat` whose status was `ok` (ms), or null. */
  readonly lastOkAt: number | null;
  /** Time of the last `start` not yet followed by a beat or a fail (ms), or null. */
  readonly startedAt: number | null;
  readonly exitCode: number | null;
  readonly extra: Record<string, unknown>;
  /** When the store received the last report, by the store's clock (ms); lateness is judged on this. */
  readonly receivedAt: number;
  /** When the store received the last `ok` beat, by the store's clock (ms), or null. */
  readonly lastOkReceivedAt: number | null;
}

/** One heartbeat report. */
export interface HeartbeatReport {
  readonly name: string;
  readonly at: number;
  readonly kind: HeartbeatEventKind;
  readonly status: string;
  readonly exitCode?: number | null;
  readonly extra?: Record<string, unknown>;
}

/** An open watchdog incident: one per check, so one alert per incident, not one per check. */
export interface Incident {
  readonly key: string;
  readonly openedAt: number;
  readonly kind: string;
  readonly detail: string;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertStatus = 'pending' | 'sent' | 'failed';

/** An alert waiting in (or done with) the outbox, for one channel. */
export interface OutboxAlert {
  readonly id: number;
  readonly channel: string;
  /** Alerts with the same key on the same channel are sent once (one per incident). */
  readonly dedupeKey: string | null;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly body: string;
  readonly createdAt: number;
  readonly status: AlertStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly sentAt: number | null;
}

/** A new alert for one channel. */
export interface NewOutboxAlert {
  readonly channel: string;
  readonly dedupeKey: string | null;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly body: string;
  readonly createdAt: number;
}

/** The head of one decision log on one host: the last line's seq and hash, and when it was written. */
export interface StoredDecisionHead {
  /** Which log (its name or directory label). */
  readonly log: string;
  readonly host: string;
  readonly seq: number;
  readonly hash: string;
  /** When that line was written (ms since epoch). */
  readonly at: number;
}

/** One process of the fleet as the store last saw it. */
export interface FleetMember {
  readonly host: string;
  readonly pid: number;
  /** What it is: `bot`, `daemon`, `watchdog`, `cli`... */
  readonly role: string;
  /** Free-form detail (version, bot name...). */
  readonly info: Record<string, unknown>;
  /** When the store first saw this (host, pid, role), by the store's clock (ms). */
  readonly firstSeenAt: number;
  /** When the store last saw it, by the store's clock (ms). */
  readonly lastSeenAt: number;
}

/** A bot's degradation mode as its writer reports it (`ModeRepo`): the four modes of `modes/`. */
export type StoredMode = 'FULL' | 'REDUCE_ONLY' | 'OBSERVATION' | 'SHUTDOWN';

/** What a bot's mode recorder writes: its current mode, why, since when, and its own write counter. */
export interface ModeWrite {
  /** The bot's name (its heartbeat name). */
  readonly bot: string;
  readonly mode: StoredMode;
  readonly reason: string;
  readonly detail: string;
  /** When this mode began, by the bot's clock (ms). */
  readonly since: number;
  readonly host: string;
  readonly pid: number;
  /** The writer's counter, higher on every write of one incarnation. */
  readonly seq: number;
}

/** The stored mode of one bot: the last write of its newest writer. */
export interface ModeRecord extends ModeWrite {
  /** The writer's incarnation, given by the store (`ModeRepo.claim`): a newer one fences older writers out. */
  readonly epoch: number;
  /** When the store took the last write, by the store's clock (ms): a record older than the bot's heartbeat limit is unknown. */
  readonly recordedAt: number;
}
