import type { Store } from '../store/index.js';
import type { HeartbeatExpectation } from '../config/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import type { KillSwitch } from '../killswitch/index.js';
import { Expectation, type ProblemKind, type Verdict } from './expectation.js';
import { readHeartbeatFile } from './heartbeat-file.js';
import type { HeartbeatRecord } from '../store/index.js';
import { isAbsolute, join } from 'node:path';

/** Options of the watchdog. */
export interface WatchdogOptions {
  readonly store: Store;
  readonly expectations: readonly HeartbeatExpectation[];
  /** Tripped (with the reason) when a heartbeat configured with tripOnFailure goes wrong. */
  readonly killSwitch?: KillSwitch;
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
  /** Report when the local clock and the store's differ by more than this. */
  readonly maxClockDriftMs?: number;
  /** The clock compared with the store's; the real one unless a test says otherwise. */
  readonly wallClock?: Clock;
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
  readonly clockDriftMs: number | null;
  readonly tripped: boolean;
  /** Heartbeats in the store that no expectation watches. */
  readonly unwatched: readonly string[];
}

const FIRST_SEEN = 'watchdog:expected_since:';

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
  readonly #maxDrift: number;
  readonly #wall: Clock;
  readonly #dataDir: string;
  /** Incidents the store could not record (full disk), so each trips once, not once per check. */
  readonly #unrecorded = new Set<string>();

  constructor(opts: WatchdogOptions) {
    const names = new Set<string>();
    for (const e of opts.expectations) {
      if (names.has(e.name))
        throw new RangeError(`heartbeats: the name ${JSON.stringify(e.name)} appears twice`);
      names.add(e.name);
    }
    if (opts.maxClockDriftMs !== undefined && !(opts.maxClockDriftMs > 0))
      throw new RangeError(`maxClockDriftMs: expected a positive number, got ${opts.maxClockDriftMs}`);
    this.#store = opts.store;
    this.#exps = opts.expectations.map((e) => new Expectation(e));
    this.#ks = opts.killSwitch;
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#clock = opts.clock ?? systemClock;
    this.#maxDrift = opts.maxClockDriftMs ?? 2000;
    this.#wall = opts.wallClock ?? systemClock;
    this.#dataDir = opts.dataDir ?? '.';
  }

  /** The names this watchdog expects. */
  get names(): string[] {
    return this.#exps.map((e) => e.name);
  }

  /** One pass over every heartbeat. */
  async check(): Promise<WatchReport> {
    const now = this.#clock.now();
    const records = new Map((await this.#store.heartbeats.list()).map((r) => [r.name, r]));
    const results: WatchReport['results'][number][] = [];
    let tripped = false;
    for (const exp of this.#exps) {
      const since = await this.#expectedSince(exp.name, now);
      const verdict = exp.config.file
        ? this.#judgeFile(exp, exp.config.file, now, since)
        : exp.judge(records.get(exp.name) ?? null, now, since);
      const key = `heartbeat:${exp.name}`;
      if (verdict.ok) {
        this.#unrecorded.delete(key);
        const closed = await this.#store.incidents.close(key);
        if (closed) {
          await this.#alerts.alert({
            key: `${key}:recovered:${closed.openedAt}`,
            severity: 'info',
            title: `Heartbeat ${exp.name} is back`,
            body: `${exp.name} reports again (incident opened ${new Date(closed.openedAt).toISOString()}: ${closed.detail}).${this.#ks?.isHalted() ? ' Trading stays halted until someone resumes it.' : ''}`,
          });
        }
        results.push({ name: exp.name, ok: true, recovered: closed !== null });
        continue;
      }
      let opened: boolean;
      try {
        opened = await this.#store.incidents.open({
          key,
          openedAt: now,
          kind: verdict.kind,
          detail: verdict.detail,
        });
        // Recorded only now that the store takes writes again: it was alerted and tripped already.
        if (this.#unrecorded.has(key)) opened = false;
      } catch {
        // The store cannot record the incident (full disk): remember it here, so it still trips once.
        opened = !this.#unrecorded.has(key);
        this.#unrecorded.add(key);
      }
      if (opened) {
        const trip = exp.config.tripOnFailure && this.#ks !== undefined;
        try {
          await this.#alerts.alert({
            key: `${key}:${now}`,
            severity: 'critical',
            title: `Heartbeat ${exp.name}: ${verdict.kind}`,
            body: `${verdict.detail}.${trip ? ' Tripping the kill switch.' : ''}`,
          });
        } finally {
          // A failed alert must not stop the trip; KillSwitch.trip halts even when the store is full.
          if (trip) {
            await this.#ks!.trip({ reason: verdict.detail, by: 'watchdog', flatten: exp.config.flatten });
            tripped = true;
          }
        }
      }
      results.push({ name: exp.name, ok: false, kind: verdict.kind, detail: verdict.detail, opened });
    }
    const clockDriftMs = await this.#checkClock(now);
    const watched = new Set(this.names);
    const unwatched = [...records.keys()].filter((n) => !watched.has(n));
    return { at: now, results, clockDriftMs, tripped, unwatched };
  }

  /** A heartbeat written by another program in seed 001's format; a corrupt file is a failure. */
  #judgeFile(exp: Expectation, file: string, now: number, since: number): Verdict {
    const path = isAbsolute(file) ? file : join(this.#dataDir, file);
    const read = readHeartbeatFile(path);
    if (read.kind === 'corrupt') {
      return { ok: false, kind: 'failed', detail: `heartbeat file ${path} is unreadable: ${read.error}` };
    }
    if (read.kind === 'absent') return exp.judge(null, now, since);
    const at = Math.round(read.value.at * 1000);
    const rec: HeartbeatRecord = {
      name: exp.name,
      at,
      kind: 'beat',
      status: read.value.status,
      lastOkAt: read.value.status === 'ok' ? at : null,
      startedAt: null,
      exitCode: null,
      extra: {},
    };
    return exp.judge(rec, now, since);
  }

  async #expectedSince(name: string, now: number): Promise<number> {
    const key = FIRST_SEEN + name;
    const v = await this.#store.kv.get(key);
    if (v !== null && Number.isFinite(Number(v))) return Number(v);
    await this.#store.kv.set(key, String(now));
    return now;
  }

  async #checkClock(now: number): Promise<number | null> {
    let storeNow: number;
    const t0 = this.#wall.now();
    try {
      storeNow = await this.#store.now();
    } catch {
      return null;
    }
    const t1 = this.#wall.now();
    // The store's reading was taken somewhere between t0 and t1.
    const drift = Math.round((t0 + t1) / 2 - storeNow);
    const key = 'clock:drift';
    if (Math.abs(drift) > this.#maxDrift) {
      const detail = `local clock differs from the store's by ${drift} ms (bound ${this.#maxDrift} ms): check NTP`;
      if (await this.#store.incidents.open({ key, openedAt: now, kind: 'clock', detail })) {
        await this.#alerts.alert({
          key: `${key}:${now}`,
          severity: 'warning',
          title: 'Clock drift',
          body: detail,
        });
      }
    } else if (await this.#store.incidents.close(key)) {
      await this.#alerts.alert({
        key: `${key}:recovered:${now}`,
        severity: 'info',
        title: 'Clock back in bounds',
        body: `drift now ${drift} ms`,
      });
    }
    return drift;
  }

  /** Checks every `intervalMs` until the signal aborts; a failed check is reported, never fatal. */
  async run(
    intervalMs: number,
    signal: AbortSignal,
    onReport?: (r: WatchReport | Error) => void,
  ): Promise<void> {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs: expected a positive number, got ${intervalMs}`);
    while (!signal.aborted) {
      try {
        onReport?.(await this.check());
      } catch (err) {
        onReport?.(err instanceof Error ? err : new Error(String(err)));
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, intervalMs);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
