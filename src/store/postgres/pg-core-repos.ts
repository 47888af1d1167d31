// The PostgreSQL store's core repos (kill switch, heartbeats, incidents, alert outbox, kv, decision
// heads, fleet, modes): one function per repo over the store's `q` (one statement) and `tx` (one
// transaction), both of which refuse a closed store; `PgStore`'s constructor calls them in turn.
// Every change other repos' readers wait on is announced by `conn.notify` inside its transaction.
import type pg from 'pg';
import type {
  AlertOutboxRepo,
  DecisionHeadRepo,
  FleetRepo,
  HeartbeatRepo,
  IncidentRepo,
  KillSwitchRepo,
  KvRepo,
  ModeRepo,
} from '../store.js';
import type {
  StoredDecisionHead,
  KillSwitchCasResult,
  KillSwitchEvent,
  ModeWrite,
  NewKillSwitchEvent,
} from '../types.js';
import { checkSwaps } from '../kv-swaps.js';
import {
  coreRowMappers,
  toAlert,
  toIncident,
  toModeRecord,
  type AlertRow,
  type FleetRow as SharedFleetRow,
  type IncidentRow,
  type KillRow as SharedKillRow,
  type ModeRow,
} from '../shared-rows.js';
import { encodeChange } from './change-payload.js';
import { PgBeatBatcher, type BeatRow } from './pg-beat-batcher.js';
import type { PgConnection, PgQuery, PgTx } from './pg-connection.js';
import * as Q from './pg-queries.js';

/** What a repo needs of the connection: its announcements. */
export type PgAnnouncer = Pick<PgConnection, 'notify' | 'channel' | 'schema'>;

/** PostgreSQL's column types: booleans, and jsonb the driver decodes. */
type Columns = { flag: boolean; json: Record<string, unknown> };
type KillRow = SharedKillRow<Columns>;
type FleetRow = SharedFleetRow<Columns>;
const { killParams, toKill, toBeat, toMember } = coreRowMappers<Columns>({
  flag: (v) => v,
  json: (v) => v,
  storeFlag: (b) => b,
});

/**
 * The kill switch's append-only history. Both appends take the kill switch's row lock, so ids
 * follow commit order and a compare-and-set never passes over an append it did not see.
 */
export function pgKillSwitchRepo(q: PgQuery, tx: PgTx, conn: PgAnnouncer): KillSwitchRepo {
  const insertKill = async (c: pg.PoolClient, e: NewKillSwitchEvent): Promise<KillSwitchEvent> => {
    const r = await c.query<KillRow>(Q.KILL_INSERT, killParams(e));
    const event = toKill(r.rows[0]!);
    await conn.notify(c, 'killswitch', event.id, event);
    return event;
  };
  return {
    append: (e) =>
      tx(async (c) => {
        await c.query(Q.LOCK, ['kill_switch']);
        return insertKill(c, e);
      }),
    appendIfLatest: (expected, e) =>
      tx(async (c): Promise<KillSwitchCasResult> => {
        await c.query(Q.LOCK, ['kill_switch']);
        const latest = (await c.query<KillRow>(Q.KILL_LATEST)).rows[0];
        if ((latest?.id ?? null) !== expected) {
          const since = (await c.query<KillRow>(Q.KILL_SINCE, [expected ?? 0])).rows.map(toKill);
          return { ok: false, latest: latest ? toKill(latest) : null, since };
        }
        return { ok: true, event: await insertKill(c, e) };
      }),
    probeWrite: async (at) => {
      await q(Q.KILL_PROBE, [at]);
    },
    latest: async () => {
      const r = (await q<KillRow>(Q.KILL_LATEST)).rows[0];
      return r ? toKill(r) : null;
    },
    history: async (limit = 100) => (await q<KillRow>(Q.KILL_HISTORY, [limit])).rows.map(toKill),
  };
}

/** Heartbeats: beats that come faster than the server answers share a statement (group commit). */
export function pgHeartbeatRepo(q: PgQuery): HeartbeatRepo {
  const beats = new PgBeatBatcher(q);
  return {
    record: async (r) => toBeat(await beats.record(r)),
    get: async (name) => {
      const r = (await q<BeatRow>(Q.BEAT_GET, [name])).rows[0];
      return r ? toBeat(r) : null;
    },
    list: async () => (await q<BeatRow>(Q.BEAT_LIST)).rows.map(toBeat),
  };
}

/** Incidents, one open per key; an open or a close is announced (`incidents`, the key). */
export function pgIncidentRepo(q: PgQuery, tx: PgTx, conn: PgAnnouncer): IncidentRepo {
  return {
    open: (i) =>
      tx(async (c) => {
        const r = await c.query(Q.INCIDENT_OPEN, [i.key, i.openedAt, i.kind, i.detail]);
        if (r.rowCount === 1) await conn.notify(c, 'incidents', i.key);
        return r.rowCount === 1;
      }),
    // One statement (the watchdog closes every healthy heartbeat's incident on every pass).
    close: async (key) => {
      const r = (
        await q<IncidentRow>(Q.INCIDENT_CLOSE, [
          key,
          conn.channel,
          encodeChange(conn.schema, 'incidents', key),
        ])
      ).rows[0];
      return r === undefined ? null : toIncident(r);
    },
    list: async () => (await q<IncidentRow>(Q.INCIDENT_LIST)).rows.map(toIncident),
  };
}

/** The alert outbox: an enqueued alert is announced (`alerts`, its id); claims are leases. */
export function pgAlertOutboxRepo(q: PgQuery, tx: PgTx, conn: PgAnnouncer): AlertOutboxRepo {
  return {
    enqueue: (a) =>
      tx(async (c) => {
        const r = (
          await c.query<AlertRow>(Q.ALERT_INSERT, [
            a.channel,
            a.dedupeKey,
            a.severity,
            a.title,
            a.body,
            a.createdAt,
          ])
        ).rows[0];
        if (r === undefined) return null;
        await conn.notify(c, 'alerts', r.id);
        return toAlert(r);
      }),
    claimDue: async (now, limit, leaseMs) =>
      (await q<AlertRow>(Q.ALERT_CLAIM, [now, limit, leaseMs])).rows
        .map(toAlert)
        .sort((x, y) => x.nextAttemptAt - y.nextAttemptAt || x.id - y.id),
    markSent: async (id, at) => {
      await q(Q.ALERT_SENT, [at, id]);
    },
    markFailed: async (id, error, next) => {
      await q(Q.ALERT_FAILED, [next === null ? 'failed' : 'pending', error, next ?? 0, id]);
    },
    countSentSince: async (channel, since) =>
      (await q<{ n: number }>(Q.ALERT_COUNT_SENT_SINCE, [channel, since])).rows[0]!.n,
    list: async (opts = {}) =>
      (await q<AlertRow>(Q.ALERT_LIST, [opts.status ?? null, opts.limit ?? 100])).rows.map(toAlert),
  };
}

/** The kv area; `compareAndSet` is one statement over every swap. */
export function pgKvRepo(q: PgQuery): KvRepo {
  const getMany: KvRepo['getMany'] = async (keys) => {
    if (keys.length === 0) return new Map();
    const rows = (await q<{ key: string; value: string }>({ ...Q.KV_GET_MANY, values: [keys] })).rows;
    return new Map(rows.map((r) => [r.key, r.value]));
  };
  return {
    get: async (key) => (await q<{ value: string }>(Q.KV_GET, [key])).rows[0]?.value ?? null,
    set: async (key, value) => {
      await q(Q.KV_SET, [key, value]);
    },
    getMany,
    compareAndSet: async (swaps) => {
      checkSwaps(swaps);
      const out = new Map<string, string | null>();
      if (swaps.length === 0) return out;
      const cols = [swaps.map((s) => s.key), swaps.map((s) => s.expected), swaps.map((s) => s.value)];
      type SwapRow = { key: string; written: boolean; held: string | null };
      const rows = new Map((await q<SwapRow>({ ...Q.KV_SWAP, values: cols })).rows.map((r) => [r.key, r]));
      // Refused, and the snapshot shows nothing or the value expected: a racer committed after
      // the snapshot was taken, so what it left is read again (a later snapshot).
      const again: string[] = [];
      for (const s of swaps) {
        const r = rows.get(s.key);
        if (r?.written === true) out.set(s.key, s.value);
        else if (r !== undefined && r.held !== null && r.held !== s.expected) out.set(s.key, r.held);
        else again.push(s.key);
      }
      if (again.length === 0) return out;
      const now = await getMany(again);
      for (const k of again) out.set(k, now.get(k) ?? null);
      return out;
    },
  };
}

/** Each decision log's head per host, only moved forward. */
export function pgDecisionHeadRepo(q: PgQuery): DecisionHeadRepo {
  return {
    record: async (h) => (await q(Q.HEAD_RECORD, [h.log, h.host, h.seq, h.hash, h.at])).rowCount === 1,
    get: async (log, host) => (await q<StoredDecisionHead>(Q.HEAD_GET, [log, host])).rows[0] ?? null,
    list: async (log) => (await q<StoredDecisionHead>(Q.HEAD_LIST, [log ?? null])).rows,
  };
}

/** The fleet's members: host, pid, role, first and last seen. */
export function pgFleetRepo(q: PgQuery): FleetRepo {
  return {
    touch: async (m) =>
      toMember(
        (await q<FleetRow>(Q.FLEET_TOUCH, [m.host, m.pid, m.role, JSON.stringify(m.info ?? {})])).rows[0]!,
      ),
    list: async () => (await q<FleetRow>(Q.FLEET_LIST)).rows.map(toMember),
    remove: async (host, pid, role) => (await q(Q.FLEET_REMOVE, [host, pid, role])).rowCount === 1,
  };
}

/** Each bot's mode; each stored write is announced (`modes`, the bot) in its own transaction: daemons re-read on it. */
export function pgModeRepo(q: PgQuery, tx: PgTx, conn: PgAnnouncer): ModeRepo {
  const modeValues = (w: ModeWrite) => [w.bot, w.mode, w.reason, w.detail, w.since, w.host, w.pid, w.seq];
  return {
    claim: (w) =>
      tx(async (c) => {
        const r = toModeRecord((await c.query<ModeRow>(Q.MODE_CLAIM, modeValues(w))).rows[0]!);
        await conn.notify(c, 'modes', w.bot);
        return r;
      }),
    record: (epoch, w) =>
      tx(async (c) => {
        const r = (await c.query<ModeRow>(Q.MODE_RECORD, [...modeValues(w), epoch])).rows[0];
        if (r === undefined) return null;
        await conn.notify(c, 'modes', w.bot);
        return toModeRecord(r);
      }),
    get: async (bot) => {
      const r = (await q<ModeRow>(Q.MODE_GET, [bot])).rows[0];
      return r ? toModeRecord(r) : null;
    },
    list: async () => (await q<ModeRow>(Q.MODE_LIST)).rows.map(toModeRecord),
  };
}
