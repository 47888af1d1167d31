import type pg from 'pg';
import { decorrelatedJitterBackoff, type Backoff } from '../resilience/retry/backoff.js';
import type { Random } from '../util/random.js';
import { EventSource, type Disposable } from '../util/event.js';
import { changeChannel } from '../store/postgres/schema-name.js';
import { decodeChange, type TripNotice } from '../store/postgres/change-payload.js';
import { openSession, pgTarget } from './pg-session.js';

/** Why listeners are woken: a notification, a (re)connection (anything may have been missed), or the poll. */
export type WakeCause = 'notify' | 'connect' | 'poll';

/** One wake-up. `area` null means "re-read everything" (after a connect, on the poll). */
export interface ChangeWake {
  readonly cause: WakeCause;
  /** The area the notification named (`killswitch`, `strategy`...), or null. */
  readonly area: string | null;
  /** The changed row's id, when the notification carried one. */
  readonly id: string | number | null;
  /**
   * A kill-switch trip the notification told (well formed, of this schema): a listener may halt at
   * once and must confirm by its re-read. Null for everything else (a resume is never applied from
   * a payload: it takes effect only by the re-read).
   */
  readonly trip: TripNotice | null;
  /** For a poll: when it was planned (ms); a listener reports its re-read's end with `pollAnswered`. */
  readonly plannedAt: number | null;
}

/** The listener connection's state, for status and tests. */
export type FeedConnection =
  | { readonly state: 'connecting'; readonly attempt: number; readonly lastError: string | null }
  | { readonly state: 'listening'; readonly since: number; readonly backendPid: number }
  | { readonly state: 'closed' };

/** Options of the change feed. */
export interface PgChangeFeedOptions {
  readonly connectionString: string;
  /** The installation's schema; the channel is `<schema>_changes`. */
  readonly schema: string;
  /** Wake every listener this often (ms) whatever was notified: the fallback. Default 1000; 0 = never. */
  readonly pollMs?: number;
  /** LISTEN at all. Default true; false = the poll alone (the benchmark's "notifications disabled"). */
  readonly notifications?: boolean;
  /** Waits between reconnection attempts. Default decorrelated jitter, 100 ms to 5 s. */
  readonly backoff?: Backoff;
  readonly random?: Random;
  /** How long connecting (and the liveness query) may take (ms). Default 2000. */
  readonly timeoutMs?: number;
  /** Shown in pg_stat_activity. Default `warden-feed`. */
  readonly applicationName?: string;
  /** Told about every lost connection and failed attempt (never thrown). */
  readonly onError?: (err: Error) => void;
}

const WAKE_CONNECT: ChangeWake = Object.freeze({
  cause: 'connect',
  area: null,
  id: null,
  trip: null,
  plannedAt: null,
});
/** How many polls' answer times the cadence remembers. */
const POLL_HISTORY = 8;

/**
 * A wake-up feed of the store's changes. One dedicated `pg.Client` LISTENs on
 * `<schema>_changes`; it reconnects with jittered backoff and wakes everyone after every
 * (re)connection, since notifications sent while it was away are lost. A poll wakes everyone
 * too, so a gate is never more than one poll interval stale whatever happens to NOTIFY.
 * A notification is a wake-up; a kill-switch trip's also says what it was (`wake.trip`), which a
 * listener may apply at once (the fail-closed direction) before its re-read confirms it.
 *
 * The poll's cadence accounts for the read: listeners report when a poll's re-read answered
 * (`pollAnswered`), and the next poll is planned `pollMs - d` after the previous one fired, d the
 * slowest of the last 8 polls from plan to answer (timer lateness and read time together), at most
 * `pollMs / 2`. So a change committed at T is answered by the first poll that fires after T, within
 * `pollMs` of T, as long as that read is no slower than the slowest of the last 8; a slower one
 * (a starved server) is caught by the lease.
 */
export class PgChangeFeed {
  readonly #opts: Required<Omit<PgChangeFeedOptions, 'onError'>> & Pick<PgChangeFeedOptions, 'onError'>;
  readonly #channel: string;
  readonly #wakes = new EventSource<ChangeWake>();
  readonly #connections = new EventSource<FeedConnection>();
  #client: pg.Client | null = null;
  #connection: FeedConnection = { state: 'connecting', attempt: 0, lastError: null };
  #retry: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  /** The last polls' times from plan to answer (ms), a ring. */
  #pollTook: number[] = [];
  #pollNext = 0;
  #previousDelay = 0;
  #pinging = false;
  #everListened = false;
  #closed = false;
  /** Reconnections since start (the first connection not counted). */
  reconnects = 0;

  /** Starts the feed: connecting happens in the background, listeners are woken once it listens. */
  constructor(opts: PgChangeFeedOptions) {
    const pollMs = opts.pollMs ?? 1000;
    if (!(pollMs >= 0) || !Number.isFinite(pollMs))
      throw new RangeError(`pollMs: expected a number >= 0, got ${pollMs}`);
    const timeoutMs = opts.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a number > 0, got ${timeoutMs}`);
    this.#channel = changeChannel(opts.schema);
    this.#opts = Object.freeze({
      connectionString: opts.connectionString,
      schema: opts.schema,
      pollMs,
      notifications: opts.notifications ?? true,
      backoff: opts.backoff ?? decorrelatedJitterBackoff({ initialMs: 100, maxMs: 5000 }),
      random: opts.random ?? Math.random,
      timeoutMs,
      applicationName: opts.applicationName ?? 'warden-feed',
      onError: opts.onError,
    });
    if (pollMs > 0) {
      // Before any poll has answered: assume a tenth of the interval.
      this.#pollTook = new Array<number>(POLL_HISTORY).fill(pollMs / 10);
      this.#planPoll(Date.now());
    }
    if (this.#opts.notifications) void this.#connect(0);
  }

  /** Subscribes to wake-ups; a listener re-reads what it caches (it is never handed state). */
  onWake(listener: (w: ChangeWake) => void): Disposable {
    return this.#wakes.subscribe(listener);
  }

  /** Subscribes to the listener connection's changes (connecting, listening, closed). */
  onConnection(listener: (c: FeedConnection) => void): Disposable {
    return this.#connections.subscribe(listener);
  }

  /** The listener connection as it is now. */
  get connection(): FeedConnection {
    return this.#connection;
  }

  /** Where it listens, without credentials. */
  get target(): string {
    return `${pgTarget(this.#opts.connectionString)} channel ${this.#channel}`;
  }

  #setConnection(c: FeedConnection): void {
    this.#connection = c;
    this.#connections.emit(c);
  }

  #report(err: unknown): string {
    const e = err instanceof Error ? err : new Error(String(err));
    try {
      this.#opts.onError?.(e);
    } catch {
      // a reporter that throws must not stop the reconnection
    }
    return e.message;
  }

  async #connect(attempt: number): Promise<void> {
    this.#retry = undefined;
    if (this.#closed) return;
    let client: pg.Client | undefined;
    try {
      client = await openSession({
        connectionString: this.#opts.connectionString,
        applicationName: this.#opts.applicationName,
        timeoutMs: this.#opts.timeoutMs,
      });
      if (this.#closed) {
        await client.end().catch(() => undefined);
        return;
      }
      const c = client;
      c.on('notification', (m) => this.#onNotification(m));
      c.on('error', (err) => this.#lost(c, err));
      c.on('end', () => this.#lost(c, new Error('connection ended')));
      await c.query(`LISTEN ${this.#channel}`);
      // Closed while LISTEN was in flight: this connection would outlive the feed (and keep the process up).
      if (this.#closed) {
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
        return;
      }
      this.#client = c;
      if (this.#everListened) this.reconnects++;
      this.#everListened = true;
      this.#previousDelay = 0;
      const pid = (c as unknown as { processID?: number }).processID ?? 0;
      this.#setConnection({ state: 'listening', since: Date.now(), backendPid: pid });
      // Anything sent while nobody listened is lost: everyone re-reads now.
      this.#wakes.emit(WAKE_CONNECT);
    } catch (err) {
      await client?.end().catch(() => undefined);
      this.#scheduleRetry(attempt, err);
    }
  }

  #scheduleRetry(attempt: number, err: unknown): void {
    if (this.#closed) return;
    const lastError = this.#report(err);
    this.#setConnection({ state: 'connecting', attempt: attempt + 1, lastError });
    const delay = this.#opts.backoff.delay(attempt, this.#previousDelay, this.#opts.random);
    this.#previousDelay = delay;
    this.#retry = setTimeout(() => void this.#connect(attempt + 1), delay);
    this.#retry.unref();
  }

  /** The listener connection broke (error, end, a failed liveness query): drop it and reconnect. */
  #lost(c: pg.Client, err: Error): void {
    if (this.#client !== c) return; // an old client's late event
    this.#client = null;
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    this.#scheduleRetry(0, err);
  }

  #onNotification(m: pg.Notification): void {
    if (m.channel !== this.#channel) return;
    // An unreadable payload, or one of another schema, still wakes everyone: the re-read is what counts.
    const p = decodeChange(this.#opts.schema, m.payload);
    this.#wakes.emit({
      cause: 'notify',
      area: p.area,
      id: p.area === null ? null : p.id,
      trip: p.trip,
      plannedAt: null,
    });
  }

  /** The margin the next poll is planned ahead by: the slowest recent poll, at most half the interval. */
  get pollMarginMs(): number {
    return Math.min(this.#opts.pollMs / 2, Math.max(...this.#pollTook));
  }

  #planPoll(from: number): void {
    if (this.#closed) return;
    const plannedAt = from + this.#opts.pollMs - this.pollMarginMs;
    this.#poll = setTimeout(() => this.#onPoll(plannedAt), Math.max(0, plannedAt - Date.now()));
    this.#poll.unref();
  }

  /**
   * A listener's re-read for the poll planned at `plannedAt` has answered now: the time from plan to
   * answer sets how far ahead the next polls are planned. Late reports of older polls count too.
   */
  pollAnswered(plannedAt: number): void {
    const took = Date.now() - plannedAt;
    if (!(took >= 0) || !Number.isFinite(took)) return;
    this.#pollTook[this.#pollNext] = took;
    this.#pollNext = (this.#pollNext + 1) % POLL_HISTORY;
  }

  #onPoll(plannedAt: number): void {
    if (this.#closed) return;
    const firedAt = Date.now();
    this.#planPoll(firedAt);
    this.#wakes.emit({ cause: 'poll', area: null, id: null, trip: null, plannedAt });
    // A listener connection that went silent (no RST, no FIN) is found by a query that times out.
    const c = this.#client;
    if (c === null || this.#pinging) return;
    this.#pinging = true;
    c.query('SELECT 1')
      .catch((err: unknown) => this.#lost(c, err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.#pinging = false;
      });
  }

  /** Stops listening, the poll and any reconnection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll) clearTimeout(this.#poll);
    if (this.#retry) clearTimeout(this.#retry);
    const c = this.#client;
    this.#client = null;
    this.#setConnection({ state: 'closed' });
    if (c) {
      c.removeAllListeners('notification');
      await c.end().catch(() => undefined);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
