import type { Clock } from '../util/clock.js';
import { hostname } from 'node:os';
import type { Store } from '../store/index.js';
import type { AlertInput } from '../util/alert-sink.js';
import type { HaltState } from './halt-state.js';

/**
 * Fleet mode's lease on the kill switch state: "running" holds only while a read of the store
 * succeeded within the last `leaseMs`. Past that (a store that hangs, a poll that stopped) the
 * state is engaged, with a reason that says so, until a read succeeds again. Fail closed.
 */
export class StateLease {
  readonly leaseMs: number;
  readonly #clock: Clock;
  /** When the newest read the store answered began (ms). */
  #confirmedAt = -Infinity;
  #lastError: string | null = null;
  /** A stretch longer than the lease without a confirmed read, not yet settled by a recorded halt. */
  #lost: { readonly from: number; readonly to: number } | null = null;

  constructor(leaseMs: number, clock: Clock) {
    if (!(leaseMs > 0 && Number.isFinite(leaseMs)))
      throw new RangeError(`leaseMs: expected a number > 0, got ${leaseMs}`);
    this.leaseMs = leaseMs;
    this.#clock = clock;
  }

  /** Records the outcome of a read that began at `startedAt`: confirmed, or why not. */
  record(startedAt: number, unconfirmed: string | undefined): void {
    this.#lastError = unconfirmed ?? null;
    if (unconfirmed !== undefined) return;
    const prev = this.#confirmedAt;
    if (Number.isFinite(prev) && startedAt - prev > this.leaseMs && this.#lost === null)
      this.#lost = { from: prev, to: startedAt };
    this.#confirmedAt = Math.max(prev, startedAt);
  }

  /** The lease was lost since the last settled read (from, to: the unconfirmed stretch), or null. */
  get lost(): { readonly from: number; readonly to: number } | null {
    return this.#lost;
  }

  /** The lost lease is settled: a halt is recorded in the store (or the caller chose to wait it out). */
  settle(): void {
    this.#lost = null;
  }

  /** The state as the lease allows it; `reading` says a read is in flight now. */
  apply(s: HaltState, reading: boolean): HaltState {
    if (s.halted) return s;
    const now = this.#clock.now();
    const age = now - this.#confirmedAt;
    if (age <= this.leaseMs) return s;
    const why =
      this.#lastError ?? (reading ? 'a read of the store has not answered' : 'the store has not been read');
    return {
      halted: true,
      eventId: s.eventId,
      source: 'unreadable',
      reason: `lease expired: the kill switch state was not confirmed for ${Number.isFinite(age) ? `${Math.round(age)} ms` : 'ever'} (lease ${this.leaseMs} ms; ${why}); trading resumes once a read of the store succeeds`,
      since: Number.isFinite(this.#confirmedAt) ? this.#confirmedAt + this.leaseMs : now,
      by: null,
      checkedAt: now,
    };
  }
}

/** What settling a lost lease needs from the kill switch. */
export interface LostLeaseContext {
  readonly store: Store;
  readonly source: string;
  readonly clock: Clock;
  readonly mode: 'trip' | 'wait';
  /** Raises an alert; never throws. */
  alert(a: AlertInput): Promise<void>;
  /** A full re-read of the state. */
  read(): Promise<{ state: HaltState; unconfirmed?: string }>;
}

/**
 * The store answers again after a lost lease. Halted already (a trip recorded meanwhile): that
 * halt stands. Running: with mode `trip`, a trip is recorded on the state read (compare-and-set:
 * whoever comes first records it, the others see it); until it is, the state stays halted.
 */
export async function settleLostLease(
  ctx: LostLeaseContext,
  lease: StateLease,
  s: HaltState,
): Promise<HaltState> {
  const lost = lease.lost!;
  if (s.halted || ctx.mode === 'wait') {
    lease.settle();
    return s;
  }
  const secs = Math.round((lost.to - lost.from) / 1000);
  const reason = `lease lost: ${hostname()} pid ${process.pid} could not confirm the kill switch for ${secs} s (${new Date(lost.from).toISOString()} to ${new Date(lost.to).toISOString()}); a trip made elsewhere meanwhile may not have been recorded. Resume once every host is checked`;
  const held = (why: string): HaltState => {
    const now = ctx.clock.now();
    return {
      halted: true,
      eventId: s.eventId,
      source: 'unreadable',
      reason: why,
      since: now,
      by: 'lease',
      checkedAt: now,
    };
  };
  try {
    const r = await ctx.store.killSwitch.appendIfLatest(s.eventId, {
      action: 'trip',
      at: ctx.clock.now(),
      reason,
      by: 'lease',
      source: ctx.source,
      host: hostname(),
      pid: process.pid,
      flatten: false,
    });
    if (r.ok)
      await ctx.alert({
        key: `killswitch:trip:${r.event.id}`,
        severity: 'critical',
        title: 'Trading halted (lease lost)',
        body: `${reason}: warden resume --reason "..." --by NAME`,
      });
    // Recorded, or something newer was: read it; halted until that read shows a recorded halt.
    const again = await ctx.read();
    if (again.unconfirmed !== undefined) return again.state;
    if (!again.state.halted) return held(reason);
    lease.settle();
    return again.state;
  } catch (err) {
    return held(`${reason} (not recorded yet: ${(err as Error).message})`);
  }
}
