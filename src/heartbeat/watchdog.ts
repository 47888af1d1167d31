import type { Store } from '../store/index.js';
import type { HeartbeatExpectation } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import type { KillSwitch } from '../killswitch/index.js';
import { Expectation, type ProblemKind, type Verdict } from './expectation.js';
import {
  readHeartbeatFile,
  resolveHeartbeatFile,
  WARDEN_WRITER,
  type HeartbeatFileRead,
} from './heartbeat-file.js';
import type { HeartbeatRecord } from '../store/index.js';
import type { ReferenceClock } from './reference-clock.js';
import { ClockDriftCheck, type ClockCheck } from './clock-drift-check.js';
import { WatchdogMemory } from './watchdog-memory.js';

/** Options of the watchdog. */
export interface WatchdogOptions {
  readonly store: Store;
  readonly expectations: readonly HeartbeatExpectation[];
  /** Tripped (with the reason) when a heartbeat configured with tripOnFailure goes wrong. */
  readonly killSwitch?: KillSwitch;
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
  /** Report when this host's clock and a reference clock differ by more than this (default 2000). */
  readonly maxClockDriftMs?: number;
  /** Clocks that are not this host's (SNTP, the venue, PostgreSQL); none: drift is not checked. */
  readonly references?: readonly ReferenceClock[];
  /** A reference slower than this to answer is unreachable (default 2000). */
  readonly referenceTimeoutMs?: number;
  /** A beat stamped further ahead of this watchdog's clock than this is `clock_skew` (default 5000). */
  readonly clockSkewToleranceMs?: number;
  /** Where `file` heartbeats are read from (relative paths). */
  readonly dataDir?: string;
}

/** What one check found and did, per heartbeat. */
export interface WatchReport {
  readonly at: number;
  readonly results: ReadonlyArray<{
    readonly name: string;
    readonly ok: boolean;
    readonly kind?: ProblemKind;
    readonly detail?: string;
    /** True when this check opened a new incident (alerted, maybe tripped). */
    readonly opened?: boolean;
    /** True when this check closed an incident (recovery message sent). */
    readonly recovered?: boolean;
  }>;
  /** The largest drift (signed, ms) against a reference that answered; null when none did. */
  readonly clockDriftMs: number | null;
  /** What each reference clock said. */
  readonly clocks: readonly ClockCheck[];
  readonly tripped: boolean;
  /** Heartbeats in the store that no expectation watches. */
  readonly unwatched: readonly string[];
  /** The newest received time among the heartbeats this pass read (null: none); its age is the watchdog's lag. */
  readonly newestReceivedAt: number | null;
  /** Set by `run()`: the slot this pass was due at, how late it started, and how many slots it skipped. */
  readonly schedule?: PassSchedule;
}

/** Where a pass of `run()` sat on its cadence. */
export interface PassSchedule {
  /** When this pass was due: the run's start plus a whole number of intervals. */
  readonly dueAt: number;
  /** How much later than `dueAt` it started (ms, >= 0). */
  readonly lateMs: number;
  /** Slots before this one that were skipped because the previous pass overran them. */
  readonly missed: number;
}

/**
 * The next slot of a cadence that does not drift: slots fall at `startedAt + k * intervalMs`.
 * After a pass that ended at `now`, the next pass is the first slot after `prevDue`; when the pass
 * overran one or more slots, the latest slot already due runs at once (late) and those before it
 * are skipped (counted in `missed`), so a slow pass never causes a burst of catch-up passes.
 */
export function nextSlot(
  startedAt: number,
  intervalMs: number,
  prevDue: number,
  now: number,
): { dueAt: number; missed: number } {
  const prevK = Math.round((prevDue - startedAt) / intervalMs);
  const dueK = Math.max(prevK + 1, Math.floor((now - startedAt) / intervalMs));
  return { dueAt: startedAt + dueK * intervalMs, missed: dueK - prevK - 1 };
}

/** A file heartbeat as one pass read it. */
interface FileLook {
  readonly path: string;
  readonly read: HeartbeatFileRead;
}

/** The stamp (ms) of a file beat another program wrote; null when there is none to judge by time. */
function fileStamp(read: HeartbeatFileRead): number | null {
  if (read.kind !== 'ok' || read.value['writer'] === WARDEN_WRITER) return null;
  return Math.round(read.value.at * 1000);
}

/** One heartbeat's line of a pass's report. */
type WatchResult = WatchReport['results'][number];
/** A verdict that is not ok. */
type Failing = Extract<Verdict, { ok: false }>;

/** The newest received time of the stored beats (null when there are none). */
function newestReceivedAt(beats: readonly HeartbeatRecord[]): number | null {
  let newest: number | null = null;
  for (const r of beats) if (newest === null || r.receivedAt > newest) newest = r.receivedAt;
  return newest;
}

/** The drift of largest size among the reference clocks that answered (null when none did). */
function largestDrift(clocks: readonly ClockCheck[]): number | null {
  let drift: number | null = null;
  for (const c of clocks)
    if (c.state !== 'unreachable' && (drift === null || Math.abs(c.driftMs) > Math.abs(drift)))
      drift = c.driftMs;
  return drift;
}

/**
 * The independent watchdog: run it in its own process (`warden watch`). Each check judges every
 * configured heartbeat; a problem opens one incident (one alert, one trip) until it recovers.
 */
export class Watchdog {
  readonly #store: Store;
  readonly #exps: Expectation[];
  readonly #ks: KillSwitch | undefined;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;
  readonly #drift: ClockDriftCheck;
  readonly #dataDir: string;
  /** Incidents the store could not record (full disk), so each trips once, not once per check. */
  readonly #unrecorded = new Set<string>();
  /** First-expected and file first-seen times, shared through kv, kept here after the store's first answer. */
  readonly #memory: WatchdogMemory;

  constructor(opts: WatchdogOptions) {
    const names = new Set<string>();
    for (const e of opts.expectations) {
      if (names.has(e.name))
        throw new RangeError(`heartbeats: the name ${JSON.stringify(e.name)} appears twice`);
      names.add(e.name);
    }
    const tol = opts.clockSkewToleranceMs;
    if (tol !== undefined && !(tol >= 0 && Number.isFinite(tol)))
      throw new RangeError(`clockSkewToleranceMs: expected a non-negative number, got ${tol}`);
    this.#store = opts.store;
    const skew = { clockSkewToleranceMs: opts.clockSkewToleranceMs };
    this.#exps = opts.expectations.map((e) => new Expectation(e, skew));
    this.#ks = opts.killSwitch;
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#clock = opts.clock ?? systemClock;
    this.#drift = new ClockDriftCheck({
      store: opts.store,
      alerts: this.#alerts,
      references: opts.references ?? [],
      maxDriftMs: opts.maxClockDriftMs ?? 2000,
      timeoutMs: opts.referenceTimeoutMs ?? 2000,
    });
    this.#dataDir = opts.dataDir ?? '.';
    this.#memory = new WatchdogMemory(opts.store.kv);
  }

  /** The names this watchdog expects. */
  get names(): string[] {
    return this.#exps.map((e) => e.name);
  }

  /** One pass over every heartbeat. */
  async check(): Promise<WatchReport> {
    const now = this.#clock.now();
    const files = this.#readFiles();
    const stamps = new Map<string, number>();
    for (const [name, f] of files) {
      const at = fileStamp(f.read);
      if (at !== null) stamps.set(name, at);
    }
    // The pass's two reads go together (two connections of a pool: one round trip of wait, not two),
    // and so does the kv memory's update (none on a steady pass; one compare-and-set on a first
    // pass, whatever the number of heartbeats): a healthy heartbeat costs no statement.
    const [beats, incidents] = await Promise.all([
      this.#store.heartbeats.list(),
      this.#store.incidents.list(),
      this.#memory.update(this.names, stamps, now),
    ]);
    const records = new Map(beats.map((r) => [r.name, r]));
    const open = new Set(incidents.map((i) => i.key));
    const results: WatchResult[] = [];
    let tripped = false;
    for (const exp of this.#exps) {
      const since = this.#memory.since(exp.name);
      const file = files.get(exp.name);
      const verdict = file
        ? this.#judgeFile(exp, file, now, since)
        : exp.judge(records.get(exp.name) ?? null, now, since);
      const key = `heartbeat:${exp.name}`;
      if (verdict.ok) {
        results.push(await this.#healthy(exp, key, open.has(key)));
        continue;
      }
      const tripsNow = await this.#tripOnNewFailure(exp, key, open.has(key), verdict);
      if (tripsNow) tripped = true;
      const opened = await this.#openIncident(key, now, verdict);
      if (opened) await this.#alertOpened(exp, key, now, verdict, tripsNow);
      results.push({ name: exp.name, ok: false, kind: verdict.kind, detail: verdict.detail, opened });
    }
    const clocks = await this.#drift.check(now);
    const watched = new Set(this.names);
    const unwatched = [...records.keys()].filter((n) => !watched.has(n));
    return {
      at: now,
      results,
      clockDriftMs: largestDrift(clocks),
      clocks,
      tripped,
      unwatched,
      newestReceivedAt: newestReceivedAt(beats),
    };
  }

  /** A healthy heartbeat: its open incident (if any) is closed, and its recovery alerted once. */
  async #healthy(exp: Expectation, key: string, hasOpen: boolean): Promise<WatchResult> {
    this.#unrecorded.delete(key);
    const closed = hasOpen ? await this.#store.incidents.close(key) : null;
    if (closed) {
      await this.#alerts.alert({
        key: `${key}:recovered:${closed.openedAt}`,
        severity: 'info',
        title: `Heartbeat ${exp.name} is back`,
        body: `${exp.name} reports again (incident opened ${new Date(closed.openedAt).toISOString()}: ${closed.detail}).${this.#ks?.isHalted() ? ' Trading stays halted until someone resumes it.' : ''}`,
      });
    }
    return { name: exp.name, ok: true, recovered: closed !== null };
  }

  /**
   * A new failure (no incident open, none held in memory) of a heartbeat that trips: halts first,
   * before the incident and the alert are written, since the store may be what is failing (a bot
   * frozen while it holds SQLite's write lock makes every write here wait out the busy timeout),
   * and trading must not stay open behind those waits. KillSwitch.trip halts by the STOP file and
   * circuit.json when the store refuses the trip. True when it tripped.
   */
  async #tripOnNewFailure(
    exp: Expectation,
    key: string,
    hasOpen: boolean,
    verdict: Failing,
  ): Promise<boolean> {
    const trip = exp.config.tripOnFailure && this.#ks !== undefined;
    if (!trip || hasOpen || this.#unrecorded.has(key)) return false;
    await this.#ks!.trip({ reason: verdict.detail, by: 'watchdog', flatten: exp.config.flatten });
    return true;
  }

  /**
   * Opens the failing heartbeat's incident; true when this is the problem's first pass (alert now).
   * An incident the store cannot record (full disk, a held lock) is remembered here instead, so it
   * counts as opened once, and not again when the store takes it later.
   */
  async #openIncident(key: string, now: number, verdict: Failing): Promise<boolean> {
    try {
      const opened = await this.#store.incidents.open({
        key,
        openedAt: now,
        kind: verdict.kind,
        detail: verdict.detail,
      });
      // Recorded only now that the store takes writes again: it was alerted and tripped already.
      return opened && !this.#unrecorded.has(key);
    } catch {
      const first = !this.#unrecorded.has(key);
      this.#unrecorded.add(key);
      return first;
    }
  }

  /** The critical alert of a newly opened incident; `tripped`: this heartbeat's failure tripped the kill switch. */
  async #alertOpened(
    exp: Expectation,
    key: string,
    now: number,
    verdict: Failing,
    tripped: boolean,
  ): Promise<void> {
    await this.#alerts.alert({
      key: `${key}:${now}`,
      severity: 'critical',
      title: `Heartbeat ${exp.name}: ${verdict.kind}`,
      body: `${verdict.detail}.${tripped ? ' The kill switch was tripped.' : ''}`,
    });
  }

  /**
   * A heartbeat written by another program in seed 001's format; a corrupt file is a failure, and
   * so is a beat Warden wrote (it would hide a dead program). A file has no received time: it is
   * taken as the earlier of its `at` and the first time this watchdog saw that `at` (fail closed:
   * a stamp in the future counts from when it was first seen, and is `clock_skew` besides).
   */
  #judgeFile(exp: Expectation, { path, read }: FileLook, now: number, since: number): Verdict {
    if (read.kind === 'corrupt') {
      return { ok: false, kind: 'failed', detail: `heartbeat file ${path} is unreadable: ${read.error}` };
    }
    if (read.kind === 'absent') return exp.judge(null, now, since);
    if (read.value['writer'] === WARDEN_WRITER) {
      return {
        ok: false,
        kind: 'failed',
        detail: `heartbeat file ${path} holds a beat Warden wrote (${JSON.stringify(read.value['name'])}), not one from the program it watches`,
      };
    }
    const at = Math.round(read.value.at * 1000);
    const receivedAt = Math.min(at, this.#memory.seen(exp.name, at, now));
    const ok = read.value.status === 'ok';
    const rec: HeartbeatRecord = {
      name: exp.name,
      at,
      kind: 'beat',
      status: read.value.status,
      lastOkAt: ok ? at : null,
      startedAt: null,
      exitCode: null,
      extra: {},
      receivedAt,
      lastOkReceivedAt: ok ? receivedAt : null,
    };
    return exp.judge(rec, now, since);
  }

  /** Every `file` heartbeat, read once at the start of a pass. */
  #readFiles(): Map<string, FileLook> {
    const files = new Map<string, FileLook>();
    for (const e of this.#exps) {
      if (!e.config.file) continue;
      const path = resolveHeartbeatFile(this.#dataDir, e.config.file);
      files.set(e.name, { path, read: readHeartbeatFile(path) });
    }
    return files;
  }

  /**
   * Checks every `intervalMs` until the signal aborts; a failed check is reported, never fatal.
   * Passes keep a cadence from the start (they do not drift by their own duration); a pass that
   * overruns makes the next one start at once, late, and skips the slots it overran (each report's
   * `schedule` says so), never a burst of catch-up passes.
   */
  async run(
    intervalMs: number,
    signal: AbortSignal,
    onReport?: (r: WatchReport | Error) => void,
  ): Promise<void> {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs: expected a positive number, got ${intervalMs}`);
    const startedAt = this.#clock.now();
    let slot = { dueAt: startedAt, missed: 0 };
    while (!signal.aborted) {
      const began = this.#clock.now();
      const schedule: PassSchedule = {
        dueAt: slot.dueAt,
        lateMs: Math.max(0, began - slot.dueAt),
        missed: slot.missed,
      };
      try {
        onReport?.({ ...(await this.check()), schedule });
      } catch (err) {
        onReport?.(err instanceof Error ? err : new Error(String(err)));
      }
      slot = nextSlot(startedAt, intervalMs, slot.dueAt, this.#clock.now());
      // A timer may fire a millisecond before its time by the clock: wait again until the slot is due.
      for (let wait = slot.dueAt - this.#clock.now(); wait > 0 && !signal.aborted;) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, wait);
          function done() {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
        wait = slot.dueAt - this.#clock.now();
      }
    }
  }
}
