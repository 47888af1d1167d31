import type pg from 'pg';
import { EventSource, type Disposable } from '../util/event.js';
import type { Random } from '../util/random.js';
import { checkSchemaName } from '../store/postgres/schema-name.js';
import { openSession, pgTarget } from './pg-session.js';

/** This process's place in the election. A tagged union. */
export type LeaderRole =
  | { readonly role: 'standby'; readonly since: number; readonly lastError: string | null }
  | { readonly role: 'leader'; readonly since: number; readonly term: number }
  | { readonly role: 'closed' };

/** What runs only on the leader: started when leadership is won, closed the moment it is lost. */
export type LeaderDuty = () => { close(): void | Promise<void> };

/** Options of the election. */
export interface LeaderElectionOptions {
  readonly connectionString: string;
  /** The installation's schema: one leader per schema (the lock key is derived from it). */
  readonly schema: string;
  /** A standby tries for the lock this often; the leader checks its session as often (ms). Default 2000. */
  readonly retryMs?: number;
  /** How long connecting and each statement may take (ms). Default 2000. */
  readonly timeoutMs?: number;
  /** Shown in pg_stat_activity. Default `warden-leader`. */
  readonly applicationName?: string;
  readonly random?: Random;
  /** Told about lost sessions and failed attempts (never thrown). */
  readonly onError?: (err: Error) => void;
}

/** Acquire: `true` when this session now holds the fleet's lock (a session lock: released when the session ends). */
const TRY_LOCK = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got';

/**
 * Exactly one leader per fleet, elected by PostgreSQL: a session-level advisory lock on a
 * dedicated connection. A standby retries every `retryMs`; when the leader's session ends
 * (process killed, host gone: the server's TCP keepalives end it within ~8 s) the server releases
 * the lock and a standby takes it on its next try. The leader checks its session every `retryMs`
 * and steps down at once when the session errors, ends or does not answer within `timeoutMs`, so
 * it stops acting before the server can hand the lock to anyone else.
 */
export class LeaderElection {
  readonly #opts: Required<Omit<LeaderElectionOptions, 'onError'>> & Pick<LeaderElectionOptions, 'onError'>;
  readonly #changes = new EventSource<LeaderRole>();
  readonly #duties: LeaderDuty[] = [];
  #running: { close(): void | Promise<void> }[] = [];
  #role: LeaderRole;
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | undefined;
  #term = 0;
  #closed = false;

  constructor(opts: LeaderElectionOptions) {
    checkSchemaName(opts.schema);
    const retryMs = opts.retryMs ?? 2000;
    const timeoutMs = opts.timeoutMs ?? 2000;
    if (!(retryMs > 0)) throw new RangeError(`retryMs: expected a number > 0, got ${retryMs}`);
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a number > 0, got ${timeoutMs}`);
    this.#opts = Object.freeze({
      connectionString: opts.connectionString,
      schema: opts.schema,
      retryMs,
      timeoutMs,
      applicationName: opts.applicationName ?? 'warden-leader',
      random: opts.random ?? Math.random,
      onError: opts.onError,
    });
    this.#role = { role: 'standby', since: Date.now(), lastError: null };
  }

  /** Adds a duty (before or after `start()`); it runs whenever this process leads. */
  duty(d: LeaderDuty): void {
    this.#duties.push(d);
    if (this.#role.role === 'leader') this.#running.push(d());
  }

  /** Begins campaigning (the first try is made at once). */
  start(): this {
    void this.#tick();
    return this;
  }

  get role(): LeaderRole {
    return this.#role;
  }

  get isLeader(): boolean {
    return this.#role.role === 'leader';
  }

  /** Where it campaigns, without credentials. */
  get target(): string {
    return pgTarget(this.#opts.connectionString);
  }

  onChange(listener: (r: LeaderRole) => void): Disposable {
    return this.#changes.subscribe(listener);
  }

  #report(err: unknown): string {
    const e = err instanceof Error ? err : new Error(String(err));
    try {
      this.#opts.onError?.(e);
    } catch {
      // a reporter that throws must not stop the election
    }
    return e.message;
  }

  #schedule(): void {
    if (this.#closed) return;
    // A little jitter, so standbys that started together do not try in lockstep.
    const wait = this.#opts.retryMs * (0.9 + 0.2 * this.#opts.random());
    this.#timer = setTimeout(() => void this.#tick(), wait);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (this.#closed) return;
    try {
      const c = this.#client ?? (await this.#connect());
      if (this.#closed) return;
      if (this.#role.role === 'leader') {
        // The session still answers within the timeout: it still holds the lock.
        await c.query('SELECT 1');
      } else {
        const r = await c.query<{ got: boolean }>(TRY_LOCK, [`${this.#opts.schema}.leader`]);
        if (this.#client !== c || this.#closed) return;
        if (r.rows[0]?.got === true) this.#lead();
        else if (this.#role.role === 'standby' && this.#role.lastError !== null)
          this.#setRole({ role: 'standby', since: this.#role.since, lastError: null });
      }
    } catch (err) {
      const c = this.#client;
      if (c) this.#lost(c, err);
      else if (!this.#closed) {
        const lastError = this.#report(err);
        if (this.#role.role === 'standby')
          this.#setRole({ role: 'standby', since: this.#role.since, lastError });
      }
    }
    this.#schedule();
  }

  async #connect(): Promise<pg.Client> {
    const c = await openSession({
      connectionString: this.#opts.connectionString,
      applicationName: this.#opts.applicationName,
      timeoutMs: this.#opts.timeoutMs,
    });
    if (this.#closed) {
      await c.end().catch(() => undefined);
      throw new Error('closed');
    }
    c.on('error', (err) => this.#lost(c, err));
    c.on('end', () => this.#lost(c, new Error('the leader session ended')));
    this.#client = c;
    return c;
  }

  #lead(): void {
    this.#term++;
    this.#setRole({ role: 'leader', since: Date.now(), term: this.#term });
    for (const d of this.#duties) {
      try {
        this.#running.push(d());
      } catch (err) {
        this.#report(err);
      }
    }
  }

  /** Stops every duty now (the leader that loses its session stops acting at once). */
  #stopDuties(): Promise<void> {
    const running = this.#running;
    this.#running = [];
    return Promise.all(
      running.map(async (r) => {
        try {
          await r.close();
        } catch (err) {
          this.#report(err);
        }
      }),
    ).then(() => undefined);
  }

  #lost(c: pg.Client, err: unknown): void {
    if (this.#client !== c) return;
    this.#client = null;
    c.end().catch(() => undefined);
    const lastError = this.#report(err);
    const wasLeader = this.#role.role === 'leader';
    if (wasLeader) void this.#stopDuties();
    if (!this.#closed && (wasLeader || this.#role.role !== 'standby' || this.#role.lastError !== lastError))
      this.#setRole({ role: 'standby', since: Date.now(), lastError });
  }

  #setRole(r: LeaderRole): void {
    this.#role = r;
    this.#changes.emit(r);
  }

  /** Steps down (duties stopped first, then the session ends, releasing the lock). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#stopDuties();
    const c = this.#client;
    this.#client = null;
    this.#setRole({ role: 'closed' });
    await c?.end().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
