// One leader among the daemons on one store: only the leader runs the duties that must not run
// twice (the watchdog, the strategy evaluation schedule, the halt reminders, the Telegram
// poller); every daemon serves HTTP. The lock is an interface: a pid lock in the data dir for
// SQLite (data-dir-leader-lock.ts), a PostgreSQL advisory lock in fleet mode.

/** The outcome of one attempt to lead. */
export type LeadAttempt =
  | {
      readonly held: true;
      /** Set when the lock leads without really holding the lock (it could not be written): logged as a warning. */
      readonly degraded?: string;
    }
  | { readonly held: false; readonly holder: string };

/**
 * What elects the leader. `tryAcquire` never waits for the lock; `check` tells whether it is
 * still held (null) or why not; `onLost`, when the lock can tell at once (a database session
 * that died), stops the duties without waiting for the next check.
 */
export interface LeaderLock {
  /** What the lock is, for logs: `pid lock /data/daemon.lock`. */
  readonly describe: string;
  tryAcquire(): Promise<LeadAttempt>;
  check(): Promise<string | null>;
  onLost?(listener: (why: string) => void): { dispose(): void };
  release(): Promise<void>;
}

/** A duty only the leader runs: started on gaining the lead, closed on losing it. */
export interface LeaderDuty {
  readonly name: string;
  start(): { close(): void | Promise<void> };
}

/** Options of a Leadership. */
export interface LeadershipOptions {
  readonly lock: LeaderLock;
  readonly duties: readonly LeaderDuty[];
  /** How often a standby tries to take the lead and a leader checks it still holds it (ms). */
  readonly retryMs?: number;
  readonly log: {
    info(msg: string): void;
    warn(msg: string): void;
    error(obj: { err: unknown }, msg: string): void;
  };
  /** Told on every change of role. */
  readonly onRole?: (leading: boolean) => void;
}

/** Default interval of the standby's attempts and the leader's checks. */
export const LEADER_RETRY_MS = 2_000;

/**
 * Runs the duties while this process holds the lock. A standby retries every `retryMs`; a
 * leader checks its lock as often and stops every duty as soon as it is lost (a lock whose file
 * vanished is taken again at once when no one else took it).
 */
export class Leadership {
  readonly #o: LeadershipOptions;
  readonly #retryMs: number;
  #running: { close(): void | Promise<void> }[] = [];
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  #lastHolder = '';
  #closed = false;
  #lostSub: { dispose(): void } | undefined;

  constructor(o: LeadershipOptions) {
    const retryMs = o.retryMs ?? LEADER_RETRY_MS;
    if (!(Number.isFinite(retryMs) && retryMs > 0))
      throw new RangeError(`retryMs: expected a number > 0, got ${retryMs}`);
    this.#o = o;
    this.#retryMs = retryMs;
  }

  /** True while this process holds the lock and runs the duties. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Makes the first attempt (awaited), then keeps trying or checking on an unref'd timer. */
  async start(): Promise<void> {
    this.#lostSub = this.#o.lock.onLost?.((why) => {
      this.#tick = this.#tick.then(() => this.#lose(why));
    });
    await this.#step();
    this.#timer = setInterval(() => {
      this.#tick = this.#tick.then(() => this.#step());
    }, this.#retryMs);
    this.#timer.unref();
  }

  async #step(): Promise<void> {
    if (this.#closed) return;
    const lock = this.#o.lock;
    try {
      if (this.#leading) {
        const why = await lock.check();
        if (why === null) return;
        // The file vanished, say: take it again if no one else did, else stop at once.
        const again = await lock.tryAcquire();
        if (again.held) {
          this.#o.log.warn(`leader lock: ${why}; taken again (${lock.describe})`);
          return;
        }
        await this.#lose(`${why}; now held by ${again.holder}`);
        return;
      }
      const a = await lock.tryAcquire();
      if (!a.held) {
        if (a.holder !== this.#lastHolder)
          this.#o.log.info(
            `standby: ${lock.describe} is held by ${a.holder}; the watchdog, schedules and Telegram commands run there`,
          );
        this.#lastHolder = a.holder;
        return;
      }
      if (this.#closed) return void (await lock.release());
      this.#leading = true;
      this.#lastHolder = '';
      if (a.degraded !== undefined) this.#o.log.warn(`leader lock: ${a.degraded}`);
      this.#o.log.info(
        `leading (${lock.describe}): ${this.#o.duties.map((d) => d.name).join(', ') || 'no duties'}`,
      );
      this.#o.onRole?.(true);
      for (const d of this.#o.duties) {
        try {
          this.#running.push(d.start());
        } catch (err) {
          this.#o.log.error({ err }, `${d.name} did not start`);
        }
      }
    } catch (err) {
      this.#o.log.error({ err }, `leader lock ${lock.describe} failed`);
      if (this.#leading) await this.#lose(`the lock cannot be checked: ${(err as Error).message}`);
    }
  }

  async #stopDuties(): Promise<void> {
    const running = this.#running.splice(0).reverse();
    for (const r of running) {
      try {
        await r.close();
      } catch (err) {
        this.#o.log.error({ err }, 'a duty did not stop cleanly');
      }
    }
  }

  async #lose(why: string): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#o.log.warn(`no longer leading: ${why}; duties stopped, standing by`);
    this.#o.onRole?.(false);
    await this.#stopDuties();
  }

  /** Stops the duties and lets the lock go (a standby takes over). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#lostSub?.dispose();
    await this.#tick;
    const was = this.#leading;
    this.#leading = false;
    await this.#stopDuties();
    if (was) await this.#o.lock.release();
  }
}
