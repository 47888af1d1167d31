import type { Store } from '../store/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { ReferenceClock } from './reference-clock.js';

/** What one reference said at one check. */
export type ClockCheck =
  | {
      readonly name: string;
      readonly state: 'ok' | 'drift';
      readonly driftMs: number;
      readonly rttMs: number;
    }
  | { readonly name: string; readonly state: 'unreachable'; readonly error: string };

/** Options of the drift check. */
export interface ClockDriftCheckOptions {
  readonly store: Store;
  readonly alerts: AlertSink;
  readonly references: readonly ReferenceClock[];
  /** Alert when |this host − reference| exceeds this. */
  readonly maxDriftMs: number;
  /** A reference slower than this to answer counts as unreachable. */
  readonly timeoutMs: number;
}

/**
 * Compares this host's clock with clocks that are not this host's (an SNTP server, the venue,
 * PostgreSQL). Each reference has its own incidents: `clock:drift:NAME` when it disagrees past
 * the bound, `clock:reference:NAME` when it cannot be read (never counted as "no drift").
 */
export class ClockDriftCheck {
  readonly #o: ClockDriftCheckOptions;
  #legacyClosed = false;

  constructor(opts: ClockDriftCheckOptions) {
    const names = new Set<string>();
    for (const r of opts.references) {
      if (names.has(r.name))
        throw new RangeError(`reference clocks: the name ${JSON.stringify(r.name)} appears twice`);
      names.add(r.name);
    }
    if (!(opts.maxDriftMs > 0))
      throw new RangeError(`maxClockDriftMs: expected a positive number, got ${opts.maxDriftMs}`);
    if (!(opts.timeoutMs > 0))
      throw new RangeError(`referenceTimeoutMs: expected a positive number, got ${opts.timeoutMs}`);
    this.#o = opts;
  }

  /** Reads every reference (in parallel), opens and closes their incidents; `now` is the watchdog's clock. */
  async check(now: number): Promise<ClockCheck[]> {
    if (!this.#legacyClosed) {
      // Before the references, drift was measured against the store (incident `clock:drift`).
      await this.#o.store.incidents.close('clock:drift');
      this.#legacyClosed = true;
    }
    const readings = await Promise.all(this.#o.references.map((r) => this.#read(r)));
    for (const c of readings) await this.#record(c, now);
    return readings;
  }

  async #read(ref: ReferenceClock): Promise<ClockCheck> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // A referenced timer: a reference that hangs must end the check, not let the process exit mid-check.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new Error(`no answer within ${this.#o.timeoutMs} ms`));
      }, this.#o.timeoutMs);
    });
    try {
      const r = await Promise.race([ref.now(ac.signal), timeout]);
      if (!Number.isFinite(r.time) || !Number.isFinite(r.localTime) || !Number.isFinite(r.rttMs))
        return { name: ref.name, state: 'unreachable', error: 'the reading is not a number' };
      const driftMs = Math.round(r.localTime - r.time);
      const rttMs = Math.round(r.rttMs);
      return {
        name: ref.name,
        state: Math.abs(driftMs) > this.#o.maxDriftMs ? 'drift' : 'ok',
        driftMs,
        rttMs,
      };
    } catch (err) {
      return {
        name: ref.name,
        state: 'unreachable',
        error: err instanceof Error ? err.message : String(err),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async #record(c: ClockCheck, now: number): Promise<void> {
    const { store, alerts, maxDriftMs } = this.#o;
    const driftKey = `clock:drift:${c.name}`;
    const refKey = `clock:reference:${c.name}`;
    if (c.state === 'unreachable') {
      const detail = `reference clock ${c.name} cannot be read (${c.error}): this host's clock is not being checked against it`;
      if (
        await store.incidents.open({
          key: refKey,
          openedAt: now,
          kind: 'clock_reference_unreachable',
          detail,
        })
      )
        await alerts.alert({
          key: `${refKey}:${now}`,
          severity: 'warning',
          title: `Clock reference ${c.name} unreachable`,
          body: detail,
        });
      return;
    }
    if (await store.incidents.close(refKey))
      await alerts.alert({
        key: `${refKey}:recovered:${now}`,
        severity: 'info',
        title: `Clock reference ${c.name} answers again`,
        body: `drift now ${c.driftMs} ms (round trip ${c.rttMs} ms)`,
      });
    if (c.state === 'drift') {
      const dir = c.driftMs > 0 ? 'ahead of' : 'behind';
      const detail = `this host's clock is ${Math.abs(c.driftMs)} ms ${dir} ${c.name} (bound ${maxDriftMs} ms, round trip ${c.rttMs} ms): check NTP`;
      if (await store.incidents.open({ key: driftKey, openedAt: now, kind: 'clock_drift', detail }))
        await alerts.alert({
          key: `${driftKey}:${now}`,
          severity: 'warning',
          title: 'Clock drift',
          body: detail,
        });
    } else if (await store.incidents.close(driftKey)) {
      await alerts.alert({
        key: `${driftKey}:recovered:${now}`,
        severity: 'info',
        title: 'Clock back in bounds',
        body: `drift against ${c.name} now ${c.driftMs} ms`,
      });
    }
  }
}
