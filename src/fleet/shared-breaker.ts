import { hostname } from 'node:os';
import type { CircuitBreaker } from '../resilience/breaker/circuit-breaker.js';
import type { StateChangeEvent } from '../resilience/breaker/breaker-types.js';
import type { SharedBreakerRepo } from '../store/store.js';
import type { SharedBreakerRecord } from '../store/shared-state-types.js';
import type { Disposable } from '../util/event.js';
import type { ChangeWake } from './pg-change-feed.js';

/** Options of `SharedBreaker`. */
export interface SharedBreakerOptions {
  /** The breaker to share (its name is the row's key, with `account`). */
  readonly breaker: CircuitBreaker;
  readonly repo: SharedBreakerRepo;
  /** The exchange account every sharing process trades on (`fleet.sharedBreakers.account`). */
  readonly account: string;
  /** This process, as the rows name it. Default `<hostname>:<pid>:<n>` (n counts the SharedBreakers made in this process). */
  readonly owner?: string;
  /** A probe claim lasts this long (ms, by the store's clock); a dead prober is replaced after it. Default 10000. */
  readonly probeLeaseMs?: number;
  /** Re-read the row this often (ms) whatever the feed says. Default 1000; 0: only the feed's wakes. */
  readonly pollMs?: number;
  /** The change feed: a `breakers` notification, a reconnect or the feed's poll re-reads the row. */
  readonly feed?: { onWake(listener: (w: ChangeWake) => void): Disposable };
  /** Told about every failed read or write (never thrown). */
  readonly onError?: (err: unknown) => void;
}

let made = 0;

/** A claim this process holds: the open row's version it probes under, and until when (local clock). */
interface Claim {
  /** The open's version; -1: the open is not shared (not recorded, or the store unreachable), so this process probes alone. */
  readonly version: number;
  readonly until: number;
}

/**
 * Shares one dependency breaker's trips across the processes on an exchange account, off the hot
 * path. A local trip is written to the store (`repo.open`, announced); every other process learns
 * of it by the change feed or the poll and opens its own breaker (`openFromPeer`): nothing is read
 * per call. While half-open, a call is let in as a probe only by the process that holds the
 * probe claim (a conditional update with an expiry: a dead prober is replaced once it lapses); the
 * others refuse as a full half-open does. The prober's successful probe closes the row
 * compare-and-set on the version it probed under (a newer trip is never overwritten) and the
 * others close too (`closeFromPeer`). When the store cannot be reached for a claim, this process
 * probes on its own (the breaker degrades to per-process), and says so through `onError`.
 */
export class SharedBreaker {
  readonly #o: Required<Omit<SharedBreakerOptions, 'feed' | 'onError'>> &
    Pick<SharedBreakerOptions, 'feed' | 'onError'>;
  readonly #subs: Disposable[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The newest row version applied or written here. */
  #seen = 0;
  #claim: Claim | null = null;
  #claiming = false;
  #nextClaimAt = 0;
  #syncing = false;
  #syncAgain = false;
  #closed = false;
  /** Row writes in flight (tests and `close()` wait for them). */
  #pending = new Set<Promise<unknown>>();

  constructor(opts: SharedBreakerOptions) {
    const probeLeaseMs = opts.probeLeaseMs ?? 10_000;
    if (!(probeLeaseMs >= 100) || !Number.isFinite(probeLeaseMs))
      throw new RangeError(`probeLeaseMs: expected a number >= 100, got ${probeLeaseMs}`);
    const pollMs = opts.pollMs ?? 1000;
    if (!(pollMs >= 0) || !Number.isFinite(pollMs))
      throw new RangeError(`pollMs: expected a number >= 0, got ${pollMs}`);
    if (typeof opts.account !== 'string' || opts.account === '')
      throw new RangeError(`account: expected a non-empty string, got ${JSON.stringify(opts.account)}`);
    this.#o = Object.freeze({
      breaker: opts.breaker,
      repo: opts.repo,
      account: opts.account,
      owner: opts.owner ?? `${hostname()}:${process.pid}:${++made}`,
      probeLeaseMs,
      pollMs,
      feed: opts.feed,
      onError: opts.onError,
    });
    const b = opts.breaker;
    this.#subs.push(b.onStateChange((e) => this.#onLocal(e)));
    b.setProbeGate(() => this.#mayProbe());
    if (opts.feed)
      this.#subs.push(
        opts.feed.onWake((w) => {
          if (w.area === null || w.area === 'breakers') this.sync();
        }),
      );
    if (pollMs > 0) {
      this.#timer = setInterval(() => this.sync(), pollMs);
      this.#timer.unref();
    }
    this.sync();
  }

  /** The process named in the rows. */
  get owner(): string {
    return this.#o.owner;
  }

  /** True while this process holds the probe claim. */
  get probing(): boolean {
    return this.#claim !== null && Date.now() < this.#claim.until;
  }

  #report(err: unknown): void {
    try {
      this.#o.onError?.(err);
    } catch {
      // a reporter that throws must not stop the sharing
    }
  }

  #track<T>(p: Promise<T>): void {
    const q = p.catch((err: unknown) => this.#report(err)).finally(() => this.#pending.delete(q));
    this.#pending.add(q);
  }

  /** Re-reads the row now (single flight) and applies a change made elsewhere. */
  sync(): void {
    if (this.#closed) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = true;
    const { repo, account, breaker } = this.#o;
    repo
      .get(account, breaker.name)
      .then(
        (r) => this.#applyRemote(r),
        (err: unknown) => this.#report(err),
      )
      .finally(() => {
        this.#syncing = false;
        if (this.#syncAgain) {
          this.#syncAgain = false;
          this.sync();
        }
      });
  }

  /** A row newer than anything seen here: open or close the local breaker to match. */
  #applyRemote(r: SharedBreakerRecord | null): void {
    if (this.#closed || r === null || r.version <= this.#seen) return;
    this.#seen = r.version;
    if (r.state === 'open') this.#o.breaker.openFromPeer(r.until);
    else this.#o.breaker.closeFromPeer();
  }

  #onLocal(e: StateChangeEvent): void {
    if (this.#closed || e.reason === 'peer-opened' || e.reason === 'peer-closed') return;
    const { repo, account, breaker, owner } = this.#o;
    const to = e.to;
    if (to.state === 'open') {
      this.#claim = null;
      this.#track(
        repo
          .open(account, breaker.name, { until: to.until, by: owner, at: Date.now() })
          .then(({ record }) => {
            if (record.version > this.#seen) this.#seen = record.version;
            // Another process's trip ends later: keep to it.
            if (record.state === 'open' && record.until > to.until) breaker.openFromPeer(record.until);
          }),
      );
    } else if (to.state === 'closed' && e.reason === 'probe-succeeded') {
      const claim = this.#claim;
      this.#claim = null;
      const expected = claim !== null && claim.version > 0 ? claim.version : this.#seen;
      this.#track(
        repo.close(account, breaker.name, expected, { by: owner, at: Date.now() }).then((r) => {
          if (r.ok) {
            if (r.record!.version > this.#seen) this.#seen = r.record!.version;
            return;
          }
          // Refused: someone tripped after the open this probe was for; that trip stands.
          if (r.record !== null) this.#applyRemote(r.record);
        }),
      );
    }
  }

  /** The probe gate the breaker asks while half-open: only the claim's holder probes. */
  #mayProbe(): boolean {
    const now = Date.now();
    if (this.#claim !== null && now < this.#claim.until) return true;
    if (!this.#claiming && now >= this.#nextClaimAt) this.#claimNow();
    return false;
  }

  #claimNow(): void {
    this.#claiming = true;
    const { repo, account, breaker, owner, probeLeaseMs } = this.#o;
    // Held locally for a little less than the store's lease, so two holders never overlap.
    const held = (): number => Date.now() + probeLeaseMs * 0.8;
    repo
      .claimProbe(account, breaker.name, owner, probeLeaseMs)
      .then(
        (r) => {
          if (r.ok) this.#claim = { version: r.record.version, until: held() };
          else if (r.record === null)
            this.#claim = { version: -1, until: held() }; // not shared: probe alone
          else if (r.record.state === 'closed') this.#applyRemote(r.record);
          // else: another process holds a live claim; ask again shortly
        },
        (err: unknown) => {
          this.#report(err);
          this.#claim = { version: -1, until: held() }; // the store is unreachable: probe alone
        },
      )
      .finally(() => {
        this.#claiming = false;
        this.#nextClaimAt = Date.now() + Math.min(250, probeLeaseMs / 4);
      });
  }

  /** Stops sharing: the breaker goes back to probing on its own. Waits for row writes in flight. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const d of this.#subs.splice(0)) d.dispose();
    this.#o.breaker.setProbeGate(null);
    await Promise.all([...this.#pending]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
