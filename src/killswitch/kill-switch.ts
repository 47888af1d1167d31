import { unlinkSync, watch, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import type { Store, KillSwitchEvent, SpaceReserve } from '../store/index.js';
import { isNoSpaceError } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { EventSource, type Disposable } from '../util/event.js';
import { nullAlertSink, type AlertInput, type AlertSink } from '../util/alert-sink.js';
import {
  ALLOW_CANCEL,
  ALLOW_REDUCE,
  ALLOW_RUNNING,
  DENY_HALTED,
  type HaltDecision,
  type HaltState,
  type OrderEffect,
} from './halt-state.js';
import { ResumeRefusedError } from './errors.js';
import { ResumeConflictError } from './resume-conflict-error.js';
import { CIRCUIT_FILE, STOP_FILE, readStopFile, stopFilePath, type CircuitFile } from './files.js';
import type { FlattenHook, FlattenResult } from './flatten.js';
import type { KillSwitchOptions, ResumeRequest, TripRequest, TripResult } from './kill-switch-types.js';

export type { KillSwitchOptions, ResumeRequest, TripRequest, TripResult } from './kill-switch-types.js';
import { readHalt, type PendingTrip } from './read-halt.js';
import { haltByFiles, mirrorCircuit } from './halt-by-files.js';
import { StateLease, settleLostLease } from './state-lease.js';
import { toNotice, tripNoticeState, type TripNotice } from './trip-notice.js';

type Listener = (state: HaltState) => void;

/**
 * The kill switch: automatic pause, manual resume. The hot path (`isHalted()`, `allows()`) reads
 * a cached state and makes no system call; the cache is refreshed on a watch of the data dir
 * and on an unref'd poll. Any failure to read the state counts as halted (fail closed), and a
 * trip the store cannot take still halts (STOP file, circuit.json, memory).
 */
export class KillSwitch {
  readonly #store: Store;
  readonly #dataDir: string;
  readonly #source: string;
  readonly #flatten: FlattenHook | undefined;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;
  readonly #reserve: SpaceReserve | undefined;
  readonly #fillReserve: boolean;
  readonly #shout: (line: string) => void;
  #state: HaltState;
  #pending: PendingTrip | null = null;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  readonly #changes = new EventSource<HaltState>();
  #refreshing: Promise<HaltState> | null = null;
  #refreshStartedAt = 0;
  #refreshAgain = false;
  #readSeq = 0;
  #appliedSeq = 0;
  #closed = false;
  readonly #lease: StateLease | null;
  readonly #leaseLost: 'trip' | 'wait';
  #leaseTimer: NodeJS.Timeout | undefined;
  /** When a trip was last applied from a notification: a "running" read begun before it is stale. */
  #noticeAt = -Infinity;

  /** Creates a kill switch and reads its state once before returning (halted until read). */
  static async open(opts: KillSwitchOptions): Promise<KillSwitch> {
    const ks = new KillSwitch(opts);
    if (ks.#fillReserve) ks.#reserve?.ensure();
    await ks.refresh();
    ks.#startWatching(opts.pollMs ?? 1000);
    ks.#startLease();
    return ks;
  }

  private constructor(opts: KillSwitchOptions) {
    if (opts.pollMs !== undefined && !(opts.pollMs >= 0))
      throw new RangeError(`pollMs: expected a number >= 0, got ${opts.pollMs}`);
    if (opts.leaseMs !== undefined && !(opts.leaseMs >= 0))
      throw new RangeError(`leaseMs: expected a number >= 0, got ${opts.leaseMs}`);
    this.#clock = opts.clock ?? systemClock;
    this.#lease = opts.leaseMs ? new StateLease(opts.leaseMs, this.#clock) : null;
    if (opts.leaseLost !== undefined && opts.leaseLost !== 'trip' && opts.leaseLost !== 'wait')
      throw new RangeError(`leaseLost: expected "trip" or "wait", got ${JSON.stringify(opts.leaseLost)}`);
    this.#leaseLost = opts.leaseLost ?? 'trip';
    this.#store = opts.store;
    this.#dataDir = opts.dataDir;
    this.#source = opts.source ?? 'library';
    this.#flatten = opts.flatten;
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#reserve = opts.reserve;
    this.#fillReserve = opts.fillReserve === true && opts.reserve !== undefined;
    this.#shout = opts.shout ?? ((l) => void process.stderr.write(`${l}\n`));
    const now = this.#clock.now();
    this.#state = {
      halted: true,
      eventId: null,
      source: 'unreadable',
      reason: 'not read yet',
      since: now,
      by: null,
      checkedAt: now,
    };
  }

  /** True when trading is halted. Synchronous, no system call: safe before every order. */
  isHalted(): boolean {
    return this.#state.halted;
  }

  /** The cached state. */
  state(): HaltState {
    return this.#state;
  }

  /** Whether an order with this effect may go out now: new risk is denied while halted. */
  allows(effect: OrderEffect): HaltDecision {
    if (!this.#state.halted) return ALLOW_RUNNING;
    if (effect === 'new_risk') return DENY_HALTED;
    return effect === 'cancel' ? ALLOW_CANCEL : ALLOW_REDUCE;
  }

  /** Called whenever the state changes (halted ↔ running, or the halt's source). */
  onChange(listener: Listener): Disposable {
    return this.#changes.subscribe(listener);
  }

  /**
   * Re-reads the store, the STOP file and circuit.json; records halts made outside Warden and
   * their ending by hand; mirrors the state into circuit.json; records a trip held in memory.
   */
  refresh(): Promise<HaltState> {
    // A read still waiting after a whole lease (a store that hangs) is not joined: a new one starts.
    const stuck = this.#lease !== null && this.#clock.now() - this.#refreshStartedAt > this.#lease.leaseMs;
    if (this.#refreshing && !stuck) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const seq = ++this.#readSeq;
    const run = async (): Promise<HaltState> => {
      try {
        let r: { state: HaltState; unconfirmed?: string };
        let startedAt: number;
        do {
          this.#refreshAgain = false;
          startedAt = this.#refreshStartedAt = this.#clock.now();
          r = await this.#read();
        } while (this.#refreshAgain && this.#refreshing === promise);
        // A read that began before a newer one already applied says nothing new.
        if (seq < this.#appliedSeq) return this.#state;
        this.#appliedSeq = seq;
        let state = r.state;
        const lease = this.#lease;
        // "Running" from a read begun before a trip's notice arrived predates that trip (NOTIFY is
        // delivered after the commit): it does not lift the halt; the read that follows decides.
        // Likewise while a trip held in memory (made during this read) is still pending.
        if (!state.halted && (startedAt < this.#noticeAt || this.#pending !== null) && this.#state.halted) {
          lease?.record(startedAt, r.unconfirmed);
          return this.#state;
        }
        if (lease) {
          lease.record(startedAt, r.unconfirmed);
          if (lease.lost !== null && r.unconfirmed === undefined)
            state = await settleLostLease(
              {
                store: this.#store,
                source: this.#source,
                clock: this.#clock,
                mode: this.#leaseLost,
                alert: (a) => this.#alert(a),
                read: () => this.#read(),
              },
              lease,
              state,
            );
        }
        const s = lease ? lease.apply(state, false) : state;
        this.#set(s);
        return s;
      } finally {
        if (this.#refreshing === promise) this.#refreshing = null;
      }
    };
    const promise = run();
    this.#refreshing = promise;
    return promise;
  }

  /**
   * A trip told by a notification (fleet mode's change feed): halts at once, the fail-closed
   * direction needing no confirmation. The caller re-reads right after (`refresh()`); only a read
   * that began after this notice can lift it (a forged or garbled notice is undone by that read,
   * and no notice can ever resume). Ignored when already halted, or when a newer event was read.
   */
  applyTripNotice(t: TripNotice): void {
    const s = this.#state;
    if (this.#closed || s.halted || (s.eventId !== null && s.eventId >= t.eventId)) return;
    this.#noticeAt = this.#clock.now();
    this.#set(tripNoticeState(t, this.#noticeAt));
  }

  /** The lease's timer: flips a running state to engaged when it has not been confirmed in time. */
  #startLease(): void {
    const lease = this.#lease;
    if (lease === null) return;
    const every = Math.max(20, Math.min(250, lease.leaseMs / 5));
    this.#leaseTimer = setInterval(() => {
      if (!this.#closed && !this.#state.halted)
        this.#set(lease.apply(this.#state, this.#refreshing !== null));
    }, every);
    this.#leaseTimer.unref();
  }

  async #read(): Promise<{ state: HaltState; unconfirmed?: string }> {
    const before = this.#pending;
    const r = await readHalt({
      store: this.#store,
      dataDir: this.#dataDir,
      now: this.#clock.now(),
      source: this.#source,
      pending: before,
      mirror: (v) => this.#mirror(v),
      // A trip seen as the newest event halts now, before the rest of the read (history, mirror).
      sawTrip: (e) => {
        if (!this.#closed && !this.#state.halted) this.#set(tripNoticeState(toNotice(e), this.#clock.now()));
      },
      alert: (a) => this.#alert(a),
      shout: this.#shout,
    });
    // A trip held in memory, or a resume, that came while this read ran is newer than what it read.
    if (this.#pending === before) this.#pending = r.pending;
    if (this.#fillReserve && this.#pending === null) this.#reserve?.ensure();
    return r;
  }

  #mirror(value: CircuitFile): void {
    mirrorCircuit(this.#dataDir, value, this.#reserve, this.#shout);
  }

  /** Raises an alert; an alert sink that fails is shouted on stderr, never thrown. */
  async #alert(a: AlertInput): Promise<void> {
    try {
      await this.#alerts.alert(a);
    } catch (err) {
      this.#shout(
        `warden: ALERT NOT DELIVERED (${(err as Error).message}): [${a.severity}] ${a.title}: ${a.body}`,
      );
    }
  }

  #set(s: HaltState): void {
    const prev = this.#state;
    this.#state = s;
    const changed =
      prev.halted !== s.halted ||
      (prev.halted && s.halted && (prev.source !== s.source || prev.reason !== s.reason));
    if (changed && this.#changes.size > 0) this.#changes.emit(s);
  }

  /**
   * Halts trading now, durably, mirrors circuit.json, alerts, and flattens when asked. When the
   * store cannot take the trip (full disk: after releasing the reserve), the halt is held in
   * memory, written as the STOP file and circuit.json, alerted and shouted; it is recorded later.
   */
  async trip(req: TripRequest): Promise<TripResult> {
    const reason = req.reason?.trim();
    if (!reason) throw new RangeError('reason: a trip needs a reason (--reason "...")');
    const ev = {
      action: 'trip' as const,
      at: this.#clock.now(),
      reason,
      by: req.by?.trim() || this.#source,
      source: this.#source,
      host: hostname(),
      pid: process.pid,
      flatten: req.flatten === true,
    };
    let event: KillSwitchEvent | null = null;
    let failure: unknown;
    try {
      event = await this.#store.killSwitch.append(ev);
    } catch (err) {
      failure = err;
    }
    if (event === null && isNoSpaceError(failure) && this.#reserve?.release()) {
      this.#shout(`warden: disk full: released the reserve ${this.#reserve.path} to record the trip`);
      try {
        event = await this.#store.killSwitch.append(ev);
      } catch (err) {
        failure = err;
      }
    }
    if (event === null) {
      const error = failure instanceof Error ? failure.message : String(failure);
      this.#pending = { ...ev, baseId: this.#state.eventId };
      const haltedBy = haltByFiles(this.#dataDir, {
        reason,
        by: ev.by,
        at: ev.at,
        baseId: this.#state.eventId,
        error,
        reserve: this.#reserve,
        inMemory: true,
        shout: this.#shout,
      });
      this.#set({
        halted: true,
        eventId: this.#state.eventId,
        source: 'memory',
        reason: `${reason} (not recorded: the store cannot be written)`,
        since: ev.at,
        by: ev.by,
        checkedAt: ev.at,
      });
      await this.#alert({
        key: `killswitch:trip-unrecorded:${ev.at}`,
        severity: 'critical',
        title: 'Trading halted (trip NOT recorded: store not writable)',
        body: `Kill switch tripped by ${ev.by} (${ev.source}): ${reason}. The store refused the write (${error}); halted by ${haltedBy.join(', ')}. Free space on the data dir's disk; resume only with: warden resume --reason "..." --by NAME`,
      });
      return {
        recorded: false,
        event: null,
        error,
        haltedBy,
        flatten: await this.#runFlatten(req, reason, ev.at),
      };
    }
    await this.refresh();
    await this.#alert({
      key: `killswitch:trip:${event.id}`,
      severity: 'critical',
      title: 'Trading halted',
      body: `Kill switch tripped by ${event.by} (${event.source}): ${reason}. Resume only with: warden resume --reason "..." --by NAME`,
    });
    return { recorded: true, event, flatten: await this.#runFlatten(req, reason, event.id) };
  }

  async #runFlatten(req: TripRequest, reason: string, key: number): Promise<FlattenResult | null> {
    if (!req.flatten) return null;
    let flatten: FlattenResult;
    if (!this.#flatten) {
      flatten = { ok: false, detail: 'no flatten action configured (killSwitch.flattenCommand)' };
    } else {
      try {
        flatten = await this.#flatten({ reason, signal: AbortSignal.timeout(10 * 60_000), haltKey: key });
      } catch (err) {
        flatten = { ok: false, detail: `flatten hook threw: ${(err as Error).message}` };
      }
    }
    await this.#alert({
      key: `killswitch:flatten:${key}`,
      severity: flatten.ok ? 'warning' : 'critical',
      title: flatten.ok ? 'Flatten done' : 'FLATTEN FAILED: positions may still be open',
      body: flatten.detail,
    });
    return flatten;
  }

  /**
   * The only way back: needs a reason and a person's name, and names the halt it clears
   * (compare-and-set: a trip that came after it is never cleared). Removes a STOP file;
   * recorded and alerted.
   */
  async resume(req: ResumeRequest): Promise<KillSwitchEvent> {
    const reason = typeof req.reason === 'string' ? req.reason.trim() : '';
    const by = typeof req.by === 'string' ? req.by.trim() : '';
    if (!reason || !by) {
      throw new ResumeRefusedError(
        `resume refused: it needs ${!reason && !by ? 'a reason and a name' : !reason ? 'a reason' : 'a name'} (--reason "what was checked" --by NAME)`,
      );
    }
    let expected = req.haltId !== undefined ? req.haltId : this.#state.eventId;
    const p = this.#pending;
    if (p && expected === p.baseId) {
      // The person saw the trip held in memory: record it first, so the history has both.
      const t = await this.#store.killSwitch.appendIfLatest(p.baseId, {
        action: 'trip',
        at: p.at,
        reason: p.reason,
        by: p.by,
        source: p.source,
        host: hostname(),
        pid: process.pid,
        flatten: p.flatten,
      });
      if (t.ok) {
        expected = t.event.id;
        this.#pending = null;
      }
    }
    const stop = readStopFile(this.#dataDir) !== null;
    const r = await this.#store.killSwitch.appendIfLatest(expected, {
      action: 'resume',
      at: this.#clock.now(),
      reason: stop ? `${reason} (STOP file removed)` : reason,
      by,
      source: this.#source,
      host: hostname(),
      pid: process.pid,
      flatten: false,
      clears: expected,
    });
    if (!r.ok) throw new ResumeConflictError(expected, r.latest, r.since);
    const event = r.event;
    this.#pending = null;
    let stopError: string | null = null;
    if (stop) {
      try {
        unlinkSync(stopFilePath(this.#dataDir));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          stopError = `cannot remove ${STOP_FILE}: ${(err as Error).message}`;
      }
    }
    this.#mirror({
      paused: false,
      reason: event.reason,
      since: event.at / 1000,
      warden_event_id: event.id,
      by: event.by,
      source: event.source,
    });
    await this.refresh();
    await this.#alert({
      key: `killswitch:resume:${event.id}`,
      severity: 'warning',
      title: 'Trading resumed',
      body: `Resumed by ${by} (${event.source}): ${event.reason}${stopError ? `; but ${stopError}, so trading stays halted` : ''}`,
    });
    return event;
  }

  /** The durable trip/resume history, newest first. */
  history(limit?: number): Promise<KillSwitchEvent[]> {
    return this.#store.killSwitch.history(limit);
  }

  #startWatching(pollMs: number): void {
    const poke = () => {
      if (!this.#closed) this.refresh().catch(() => undefined);
    };
    if (pollMs > 0) {
      this.#timer = setInterval(poke, pollMs);
      this.#timer.unref();
    }
    try {
      this.#watcher = watch(this.#dataDir, { persistent: false }, (_e, name) => {
        if (name === STOP_FILE || name === CIRCUIT_FILE || name === null) poke();
      });
      this.#watcher.on('error', () => undefined);
    } catch {
      // No watch support (some network filesystems): the poll still catches every change.
    }
  }

  /** Stops the watch and the poll. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#leaseTimer) clearInterval(this.#leaseTimer);
    this.#watcher?.close();
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
