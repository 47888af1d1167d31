// The SQLite store's core repos (kill switch, heartbeats, incidents, alert outbox, kv, decision
// heads, fleet, modes): their rows and one function per repo, which prepares its statements once;
// `SqliteStore`'s constructor calls them in turn. Every call goes through `run`, which refuses a
// closed store and turns a SQLite error into a StoreError.
import type BetterSqlite3 from 'better-sqlite3';
import type {
  AlertOutboxRepo,
  DecisionHeadRepo,
  FleetRepo,
  HeartbeatRepo,
  IncidentRepo,
  KillSwitchRepo,
  KvRepo,
  KvSwap,
  ModeRepo,
} from '../store.js';
import type {
  StoredDecisionHead,
  HeartbeatRecord,
  HeartbeatReport,
  Incident,
  KillSwitchCasResult,
  KillSwitchEvent,
  ModeWrite,
  NewKillSwitchEvent,
  NewOutboxAlert,
  OutboxAlert,
} from '../types.js';
import type { Clock } from '../../util/clock.js';
import * as Q from './queries.js';
import { checkSwaps } from '../kv-swaps.js';
import {
  coreRowMappers,
  toAlert,
  toIncident,
  toModeRecord,
  type AlertRow,
  type BeatRow as SharedBeatRow,
  type FleetRow as SharedFleetRow,
  type IncidentRow,
  type KillRow as SharedKillRow,
  type ModeRow,
} from '../shared-rows.js';
import { lazyPrepare } from './lazy-prepare.js';

/** Runs one repo call: a closed store or a SQLite error becomes a rejected StoreError. */
export type Run = <T>(fn: () => T) => Promise<T>;

/** SQLite's column types: flags as 0/1, JSON as text. */
type Columns = { flag: number; json: string };
type KillRow = SharedKillRow<Columns>;
type BeatRow = SharedBeatRow<Columns>;
type FleetRow = SharedFleetRow<Columns>;
const { killParams, toKill, toBeat, toMember } = coreRowMappers<Columns>({
  flag: (v) => v === 1,
  storeFlag: (b) => (b ? 1 : 0),
  json: (v) => JSON.parse(v) as Record<string, unknown>,
});

/** The kill switch's append-only history, with the compare-and-set a resume uses. */
export function killSwitchRepo(db: BetterSqlite3.Database, run: Run): KillSwitchRepo {
  const prepare = lazyPrepare(db);
  const s = {
    killInsert: prepare(Q.KILL_INSERT),
    killLatest: prepare<[], KillRow>(Q.KILL_LATEST),
    killHistory: prepare<[number], KillRow>(Q.KILL_HISTORY),
    killById: prepare<[number], KillRow>(Q.KILL_BY_ID),
    killSince: prepare<[number], KillRow>(Q.KILL_SINCE),
    killProbe: prepare(Q.KILL_PROBE),
  };
  const insertKill = (e: NewKillSwitchEvent): KillSwitchEvent => {
    const info = s.killInsert.run(...killParams(e));
    return toKill(s.killById.get(Number(info.lastInsertRowid))!);
  };
  const casKill = db.transaction((expected: number | null, e: NewKillSwitchEvent): KillSwitchCasResult => {
    const latest = s.killLatest.get();
    if ((latest?.id ?? null) !== expected) {
      const since = s.killSince.all(expected ?? 0).map(toKill);
      return { ok: false, latest: latest ? toKill(latest) : null, since };
    }
    return { ok: true, event: insertKill(e) };
  });
  return {
    append: (e: NewKillSwitchEvent) => run(() => insertKill(e)),
    appendIfLatest: (expected, e) => run(() => casKill.immediate(expected, e)),
    probeWrite: (at) =>
      run(() => {
        s.killProbe.run(at);
      }),
    latest: () =>
      run(() => {
        const r = s.killLatest.get();
        return r ? toKill(r) : null;
      }),
    history: (limit = 100) => run(() => s.killHistory.all(limit).map(toKill)),
  };
}

/** Heartbeats: each report recorded with the time it was received (the store's clock). */
export function heartbeatRepo(db: BetterSqlite3.Database, run: Run, clock: Clock): HeartbeatRepo {
  const prepare = lazyPrepare(db);
  const s = {
    beatGet: prepare<[string], BeatRow>(Q.BEAT_GET),
    beatUpsert: prepare(Q.BEAT_UPSERT),
    beatList: prepare<[], BeatRow>(Q.BEAT_LIST),
  };
  const recordBeat = db.transaction((r: HeartbeatReport): HeartbeatRecord => {
    const prev = s.beatGet.get(r.name);
    const receivedAt = clock.now();
    const ok = r.kind === 'beat' && r.status === 'ok';
    const lastOkAt = ok ? r.at : (prev?.last_ok_at ?? null);
    const lastOkReceivedAt = ok ? receivedAt : (prev?.last_ok_received_at ?? null);
    const startedAt = r.kind === 'start' ? r.at : null;
    s.beatUpsert.run(
      r.name,
      r.at,
      r.kind,
      r.status,
      lastOkAt,
      startedAt,
      r.exitCode ?? null,
      JSON.stringify(r.extra ?? {}),
      receivedAt,
      lastOkReceivedAt,
    );
    return toBeat(s.beatGet.get(r.name)!);
  });
  return {
    record: (r) => run(() => recordBeat.immediate(r)),
    get: (name) =>
      run(() => {
        const r = s.beatGet.get(name);
        return r ? toBeat(r) : null;
      }),
    list: () => run(() => s.beatList.all().map(toBeat)),
  };
}

/** Open incidents, one per key. */
export function incidentRepo(db: BetterSqlite3.Database, run: Run): IncidentRepo {
  const prepare = lazyPrepare(db);
  const s = {
    incOpen: prepare(Q.INCIDENT_OPEN),
    incGet: prepare<[string], IncidentRow>(Q.INCIDENT_GET),
    incDelete: prepare(Q.INCIDENT_DELETE),
    incList: prepare<[], IncidentRow>(Q.INCIDENT_LIST),
  };
  const closeIncident = db.transaction((key: string): Incident | null => {
    const r = s.incGet.get(key);
    if (!r) return null;
    s.incDelete.run(key);
    return toIncident(r);
  });
  return {
    open: (i) => run(() => s.incOpen.run(i.key, i.openedAt, i.kind, i.detail).changes === 1),
    close: (key) => run(() => closeIncident.immediate(key)),
    list: () => run(() => s.incList.all().map(toIncident)),
  };
}

/** The alert outbox: rows claimed under a lease, then marked sent or failed. */
export function alertOutboxRepo(db: BetterSqlite3.Database, run: Run): AlertOutboxRepo {
  const prepare = lazyPrepare(db);
  const s = {
    alertInsert: prepare(Q.ALERT_INSERT),
    alertById: prepare<[number], AlertRow>(Q.ALERT_BY_ID),
    alertDue: prepare<[number, number], AlertRow>(Q.ALERT_DUE),
    alertLease: prepare(Q.ALERT_LEASE),
    alertSent: prepare(Q.ALERT_SENT),
    alertFailed: prepare(Q.ALERT_FAILED),
    alertCount: prepare<[string, number], { n: number }>(Q.ALERT_COUNT_SENT_SINCE),
    alertList: prepare<[string | null, string | null, number], AlertRow>(Q.ALERT_LIST),
  };
  const claim = db.transaction((now: number, limit: number, leaseMs: number): OutboxAlert[] => {
    const rows = s.alertDue.all(now, limit);
    for (const r of rows) s.alertLease.run(now + leaseMs, r.id);
    return rows.map(toAlert);
  });
  return {
    enqueue: (a: NewOutboxAlert) =>
      run(() => {
        const info = s.alertInsert.run(
          a.channel,
          a.dedupeKey,
          a.severity,
          a.title,
          a.body,
          a.createdAt,
          a.createdAt,
        );
        return info.changes === 0 ? null : toAlert(s.alertById.get(Number(info.lastInsertRowid))!);
      }),
    claimDue: (now, limit, leaseMs) => run(() => claim.immediate(now, limit, leaseMs)),
    markSent: (id, at) =>
      run(() => {
        s.alertSent.run(at, id);
      }),
    markFailed: (id, error, next) =>
      run(() => {
        s.alertFailed.run(next === null ? 'failed' : 'pending', error, next ?? 0, id);
      }),
    countSentSince: (channel, since) => run(() => s.alertCount.get(channel, since)!.n),
    list: (opts = {}) =>
      run(() => s.alertList.all(opts.status ?? null, opts.status ?? null, opts.limit ?? 100).map(toAlert)),
  };
}

/** Small keyed values (offsets, anchors). */
export function kvRepo(db: BetterSqlite3.Database, run: Run): KvRepo {
  const prepare = lazyPrepare(db);
  const s = {
    kvGet: prepare<[string], { value: string }>(Q.KV_GET),
    kvSet: prepare(Q.KV_SET),
    kvGetMany: prepare<[string], { key: string; value: string }>(Q.KV_GET_MANY),
    kvInsert: prepare(Q.KV_INSERT_IF_ABSENT),
    kvUpdateIf: prepare(Q.KV_UPDATE_IF),
  };
  // One IMMEDIATE transaction: no other connection writes between a key's test and its write.
  const swap = db.transaction((swaps: readonly KvSwap[]): Map<string, string | null> => {
    const out = new Map<string, string | null>();
    for (const w of swaps) {
      const done =
        w.expected === null
          ? s.kvInsert.run(w.key, w.value).changes === 1
          : s.kvUpdateIf.run(w.value, w.key, w.expected).changes === 1;
      out.set(w.key, done ? w.value : (s.kvGet.get(w.key)?.value ?? null));
    }
    return out;
  });
  return {
    get: (key) => run(() => s.kvGet.get(key)?.value ?? null),
    set: (key, value) =>
      run(() => {
        s.kvSet.run(key, value);
      }),
    getMany: (keys) => run(() => new Map(s.kvGetMany.all(JSON.stringify(keys)).map((r) => [r.key, r.value]))),
    compareAndSet: async (swaps) => {
      checkSwaps(swaps);
      return run(() => swap.immediate(swaps));
    },
  };
}

/** The decision log's head per log and host, only moved forward. */
export function decisionHeadRepo(db: BetterSqlite3.Database, run: Run): DecisionHeadRepo {
  const prepare = lazyPrepare(db);
  const s = {
    headRecord: prepare(Q.HEAD_RECORD),
    headGet: prepare<[string, string], StoredDecisionHead>(Q.HEAD_GET),
    headList: prepare<[string | null, string | null], StoredDecisionHead>(Q.HEAD_LIST),
  };
  return {
    record: (h) => run(() => s.headRecord.run(h.log, h.host, h.seq, h.hash, h.at).changes === 1),
    get: (log, host) => run(() => s.headGet.get(log, host) ?? null),
    list: (log) => run(() => s.headList.all(log ?? null, log ?? null)),
  };
}

/** The processes the store knows of (host, pid, role, first and last seen). */
export function fleetRepo(db: BetterSqlite3.Database, run: Run, clock: Clock): FleetRepo {
  const prepare = lazyPrepare(db);
  const s = {
    fleetTouch: prepare<unknown[], FleetRow>(Q.FLEET_TOUCH),
    fleetList: prepare<[], FleetRow>(Q.FLEET_LIST),
    fleetRemove: prepare(Q.FLEET_REMOVE),
  };
  return {
    touch: (m) =>
      run(() => {
        const t = clock.now();
        return toMember(s.fleetTouch.get(m.host, m.pid, m.role, JSON.stringify(m.info ?? {}), t, t)!);
      }),
    list: () => run(() => s.fleetList.all().map(toMember)),
    remove: (host, pid, role) => run(() => s.fleetRemove.run(host, pid, role).changes === 1),
  };
}

/** Each bot's degradation mode: last writer wins by (epoch, seq), the epoch given by the store. */
export function modeRepo(db: BetterSqlite3.Database, run: Run, clock: Clock): ModeRepo {
  const prepare = lazyPrepare(db);
  const s = {
    modeClaim: prepare<[Record<string, unknown>], ModeRow>(Q.MODE_CLAIM),
    modeRecord: prepare<[Record<string, unknown>], ModeRow>(Q.MODE_RECORD),
    modeGet: prepare<[string], ModeRow>(Q.MODE_GET),
    modeList: prepare<[], ModeRow>(Q.MODE_LIST),
  };
  const modeParams = (w: ModeWrite) => ({
    bot: w.bot,
    mode: w.mode,
    reason: w.reason,
    detail: w.detail,
    since: w.since,
    host: w.host,
    pid: w.pid,
    seq: w.seq,
    recordedAt: clock.now(),
  });
  return {
    claim: (w) => run(() => toModeRecord(s.modeClaim.get(modeParams(w))!)),
    record: (epoch, w) =>
      run(() => {
        const r = s.modeRecord.get({ ...modeParams(w), epoch });
        return r ? toModeRecord(r) : null;
      }),
    get: (bot) =>
      run(() => {
        const r = s.modeGet.get(bot);
        return r ? toModeRecord(r) : null;
      }),
    list: () => run(() => s.modeList.all().map(toModeRecord)),
  };
}
