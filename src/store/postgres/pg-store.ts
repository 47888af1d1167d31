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
  SharedBreakerRepo,
  Store,
  StrategyStateRepo,
} from '../store.js';
import type {
  StoredDecisionHead,
  KillSwitchCasResult,
  KillSwitchEvent,
  ModeWrite,
  NewKillSwitchEvent,
} from '../types.js';
import type { DlqStore } from '../../orders/dlq-store.js';
import type { OrderStore } from '../../orders/order-store.js';
import { StoreError } from '../store-error.js';
import { StoreMissingError } from '../store-missing-error.js';
import { appliedPgVersion, latestPgVersion, migratePg } from './migrate.js';
import { PgConnection, type PgConnectionOptions } from './pg-connection.js';
import { PgDlqStore } from './pg-dlq-store.js';
import { PgOrderStore } from './pg-order-store.js';
import * as Q from './pg-queries.js';
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
import { PgBeatBatcher, type BeatRow } from './pg-beat-batcher.js';
import { encodeChange } from './change-payload.js';
import { pgSharedBreakerRepo, pgStrategyStateRepo } from './pg-shared-state.js';
import { checkSwaps } from '../kv-swaps.js';

/** Options of `PgStore.open`. */
export interface PgStoreOptions extends PgConnectionOptions {
  /**
   * `create` applies pending migrations (creating the schema); `existing` (the default) never
   * creates: a schema that is missing or behind is a `StoreMissingError` (readers: halted).
   */
  readonly mode?: 'existing' | 'create';
}

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
 * The fleet store: every table in one PostgreSQL schema, shared by every bot and daemon on every
 * host. Every compare-and-set is one conditional statement or a transaction behind a row lock;
 * every kill-switch change (and DLQ, alert and incident change) is announced with
 * `pg_notify('<schema>_changes', {area, id, s})` in its own transaction (a kill-switch change also
 * says what it was: `change-payload.ts`).
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly killSwitch: KillSwitchRepo;
  readonly heartbeats: HeartbeatRepo;
  readonly incidents: IncidentRepo;
  readonly alerts: AlertOutboxRepo;
  readonly kv: KvRepo;
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  readonly decisionHeads: DecisionHeadRepo;
  readonly fleet: FleetRepo;
  readonly modes: ModeRepo;
  readonly strategyState: StrategyStateRepo;
  readonly sharedBreakers: SharedBreakerRepo;
  readonly #conn: PgConnection;
  #closed: Promise<void> | null = null;

  /** Connects, and migrates (`create`) or checks the schema's version (`existing`). */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const conn = new PgConnection(opts);
    try {
      if (opts.mode === 'create') await migratePg(conn);
      else {
        const have = await appliedPgVersion(conn);
        const want = latestPgVersion();
        if (have === null)
          throw new StoreMissingError(
            `no Warden schema at ${conn.location}: trading is halted; run \`warden migrate\` to create it, or fix store.schema`,
            conn.location,
          );
        if (have < want)
          throw new StoreMissingError(
            `the Warden schema at ${conn.location} is at version ${have}, this Warden needs ${want}: trading is halted; run \`warden migrate\``,
            conn.location,
          );
      }
      return new PgStore(conn);
    } catch (err) {
      await conn.end().catch(() => undefined);
      throw err instanceof StoreMissingError ? err : conn.error(err);
    }
  }

  /** The connection (the fleet listener and tests use its pool, schema and channel). */
  get connection(): PgConnection {
    return this.#conn;
  }

  private constructor(conn: PgConnection) {
    this.#conn = conn;
    this.location = conn.location;
    const q = <R extends pg.QueryResultRow>(text: pg.QueryConfig | string, values?: unknown[]) => {
      if (this.#closed !== null) return Promise.reject(new StoreError(`store ${conn.location}: closed`));
      return conn.query<R>(text, values);
    };
    const tx = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
      if (this.#closed !== null) return Promise.reject(new StoreError(`store ${conn.location}: closed`));
      return conn.tx(fn);
    };

    const insertKill = async (c: pg.PoolClient, e: NewKillSwitchEvent): Promise<KillSwitchEvent> => {
      const r = await c.query<KillRow>(Q.KILL_INSERT, killParams(e));
      const event = toKill(r.rows[0]!);
      await conn.notify(c, 'killswitch', event.id, event);
      return event;
    };
    this.killSwitch = {
      // Both appends take the kill switch's row lock, so ids follow commit order and a
      // compare-and-set never passes over an append it did not see.
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

    // Beats that come faster than the server answers share a statement (group commit).
    const beats = new PgBeatBatcher(q);
    this.heartbeats = {
      record: async (r) => toBeat(await beats.record(r)),
      get: async (name) => {
        const r = (await q<BeatRow>(Q.BEAT_GET, [name])).rows[0];
        return r ? toBeat(r) : null;
      },
      list: async () => (await q<BeatRow>(Q.BEAT_LIST)).rows.map(toBeat),
    };

    this.incidents = {
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

    this.alerts = {
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

    this.kv = {
      get: async (key) => (await q<{ value: string }>(Q.KV_GET, [key])).rows[0]?.value ?? null,
      set: async (key, value) => {
        await q(Q.KV_SET, [key, value]);
      },
      getMany: async (keys) => {
        if (keys.length === 0) return new Map();
        const rows = (await q<{ key: string; value: string }>({ ...Q.KV_GET_MANY, values: [keys] })).rows;
        return new Map(rows.map((r) => [r.key, r.value]));
      },
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
        const now = await this.kv.getMany(again);
        for (const k of again) out.set(k, now.get(k) ?? null);
        return out;
      },
    };

    this.decisionHeads = {
      record: async (h) => (await q(Q.HEAD_RECORD, [h.log, h.host, h.seq, h.hash, h.at])).rowCount === 1,
      get: async (log, host) => (await q<StoredDecisionHead>(Q.HEAD_GET, [log, host])).rows[0] ?? null,
      list: async (log) => (await q<StoredDecisionHead>(Q.HEAD_LIST, [log ?? null])).rows,
    };

    this.fleet = {
      touch: async (m) =>
        toMember(
          (await q<FleetRow>(Q.FLEET_TOUCH, [m.host, m.pid, m.role, JSON.stringify(m.info ?? {})])).rows[0]!,
        ),
      list: async () => (await q<FleetRow>(Q.FLEET_LIST)).rows.map(toMember),
      remove: async (host, pid, role) => (await q(Q.FLEET_REMOVE, [host, pid, role])).rowCount === 1,
    };

    // Each stored write is announced (`modes`, the bot) in its own transaction: daemons re-read on it.
    const modeValues = (w: ModeWrite) => [w.bot, w.mode, w.reason, w.detail, w.since, w.host, w.pid, w.seq];
    this.modes = {
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

    const announce = (c: pg.PoolClient, area: string, id: string) => conn.notify(c, area, id);
    this.strategyState = pgStrategyStateRepo(q, tx, announce);
    this.sharedBreakers = pgSharedBreakerRepo(q, tx, announce);
    this.orders = new PgOrderStore(q);
    this.dlq = new PgDlqStore(q, tx, (c, id) => conn.notify(c, 'dlq', id));
  }

  async now(): Promise<number> {
    if (this.#closed !== null) throw new StoreError(`store ${this.location}: closed`);
    return (await this.#conn.query<{ t: number }>(Q.NOW)).rows[0]!.t;
  }

  migrate(): Promise<number> {
    if (this.#closed !== null) return Promise.reject(new StoreError(`store ${this.location}: closed`));
    return migratePg(this.#conn);
  }

  async schemaVersion(): Promise<number> {
    if (this.#closed !== null) throw new StoreError(`store ${this.location}: closed`);
    return (await appliedPgVersion(this.#conn)) ?? 0;
  }

  /** Ends the pool (idempotent). */
  close(): Promise<void> {
    this.#closed ??= this.#conn.end().catch(() => undefined);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
