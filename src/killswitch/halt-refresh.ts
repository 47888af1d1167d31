import type { HaltState } from './halt-state.js';
import { readHalt } from './read-halt.js';
import { StateLease, settleLostLease } from './state-lease.js';
import { toNotice, tripNoticeState, type TripNotice } from './trip-notice.js';
import { mirror, raiseAlert, type SwitchContext } from './switch-context.js';

/** One read of the state: what it found, and why the store did not confirm it (if it did not). */
type ReadOutcome = { state: HaltState; unconfirmed?: string };

/**
 * How a kill switch's cached state follows the store: reads coalesced into one at a time, a
 * read's answer applied only when nothing newer was, trip notices applied at once, and fleet
 * mode's lease (running only while a read succeeded lately). Fail closed throughout: a read
 * that might predate a halt this process already knows of never lifts it.
 */
export class HaltRefresh {
  readonly #ctx: SwitchContext;
  readonly #lease: StateLease | null;
  readonly #leaseLost: 'trip' | 'wait';
  #leaseTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<HaltState> | null = null;
  #refreshStartedAt = 0;
  #refreshAgain = false;
  #readSeq = 0;
  #appliedSeq = 0;
  /** When a trip was last applied from a notification: a "running" read begun before it is stale. */
  #noticeAt = -Infinity;

  /** `leaseMs` 0 or undefined: no lease. A bad `leaseLost` throws a RangeError naming it. */
  constructor(ctx: SwitchContext, leaseMs: number | undefined, leaseLost: 'trip' | 'wait' | undefined) {
    this.#ctx = ctx;
    this.#lease = leaseMs ? new StateLease(leaseMs, ctx.clock) : null;
    if (leaseLost !== undefined && leaseLost !== 'trip' && leaseLost !== 'wait')
      throw new RangeError(`leaseLost: expected "trip" or "wait", got ${JSON.stringify(leaseLost)}`);
    this.#leaseLost = leaseLost ?? 'trip';
  }

  /** Reads the state and applies it; joins the read in flight (which then reads once more). */
  refresh(): Promise<HaltState> {
    // A read still waiting after a whole lease (a store that hangs) is not joined: a new one starts.
    const lease = this.#lease;
    const stuck = lease !== null && this.#ctx.clock.now() - this.#refreshStartedAt > lease.leaseMs;
    if (this.#refreshing && !stuck) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const seq = ++this.#readSeq;
    const run = async (): Promise<HaltState> => {
      try {
        let r: ReadOutcome;
        let startedAt: number;
        do {
          this.#refreshAgain = false;
          startedAt = this.#refreshStartedAt = this.#ctx.clock.now();
          r = await this.#read();
        } while (this.#refreshAgain && this.#refreshing === promise);
        return await this.#settle(seq, startedAt, r);
      } finally {
        if (this.#refreshing === promise) this.#refreshing = null;
      }
    };
    const promise = run();
    this.#refreshing = promise;
    return promise;
  }

  /** Applies the answer of read `seq`, begun at `startedAt`, unless it is stale. */
  async #settle(seq: number, startedAt: number, r: ReadOutcome): Promise<HaltState> {
    const ctx = this.#ctx;
    // A read that began before a newer one already applied says nothing new.
    if (seq < this.#appliedSeq) return ctx.state();
    this.#appliedSeq = seq;
    let state = r.state;
    const lease = this.#lease;
    // "Running" from a read begun before a trip's notice arrived predates that trip (NOTIFY is
    // delivered after the commit): it does not lift the halt; the read that follows decides.
    // Likewise while a trip held in memory (made during this read) is still pending.
    // test/killswitch-stale-read.test.ts forces that interleaving on SQLite and PostgreSQL.
    if (!state.halted && (startedAt < this.#noticeAt || ctx.pending !== null) && ctx.state().halted) {
      lease?.record(startedAt, r.unconfirmed);
      return ctx.state();
    }
    if (lease) {
      lease.record(startedAt, r.unconfirmed);
      if (lease.lost !== null && r.unconfirmed === undefined) state = await this.#settleLost(lease, state);
    }
    const s = lease ? lease.apply(state, false) : state;
    ctx.set(s);
    return s;
  }

  #settleLost(lease: StateLease, state: HaltState): Promise<HaltState> {
    const ctx = this.#ctx;
    return settleLostLease(
      {
        store: ctx.store,
        source: ctx.source,
        clock: ctx.clock,
        mode: this.#leaseLost,
        alert: (a) => raiseAlert(ctx, a),
        read: () => this.#read(),
      },
      lease,
      state,
    );
  }

  /**
   * A trip told by a notification: halts at once; only a read begun after it can lift it.
   * Ignored when closed, already halted, or when a newer event was read.
   */
  applyNotice(t: TripNotice): void {
    const ctx = this.#ctx;
    const s = ctx.state();
    if (ctx.closed || s.halted || (s.eventId !== null && s.eventId >= t.eventId)) return;
    this.#noticeAt = ctx.clock.now();
    ctx.set(tripNoticeState(t, this.#noticeAt));
  }

  async #read(): Promise<ReadOutcome> {
    const ctx = this.#ctx;
    const before = ctx.pending;
    const r = await readHalt({
      store: ctx.store,
      dataDir: ctx.dataDir,
      now: ctx.clock.now(),
      source: ctx.source,
      pending: before,
      mirror: (v) => mirror(ctx, v),
      // A trip seen as the newest event halts now, before the rest of the read (history, mirror).
      sawTrip: (e) => {
        if (!ctx.closed && !ctx.state().halted) ctx.set(tripNoticeState(toNotice(e), ctx.clock.now()));
      },
      alert: (a) => raiseAlert(ctx, a),
      shout: ctx.shout,
    });
    // A trip held in memory, or a resume, that came while this read ran is newer than what it read.
    if (ctx.pending === before) ctx.pending = r.pending;
    if (ctx.fillReserve && ctx.pending === null) ctx.reserve?.ensure();
    return r;
  }

  /** The lease's timer: flips a running state to engaged when it has not been confirmed in time. */
  startLease(): void {
    const lease = this.#lease;
    if (lease === null) return;
    const ctx = this.#ctx;
    const every = Math.max(20, Math.min(250, lease.leaseMs / 5));
    this.#leaseTimer = setInterval(() => {
      if (!ctx.closed && !ctx.state().halted) ctx.set(lease.apply(ctx.state(), this.#refreshing !== null));
    }, every);
    this.#leaseTimer.unref();
  }

  /** Stops the lease's timer. */
  stop(): void {
    if (this.#leaseTimer) clearInterval(this.#leaseTimer);
  }
}
