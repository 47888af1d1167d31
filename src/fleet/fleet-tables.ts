import type pg from 'pg';
import { checkSchemaName } from './pg-session.js';

/**
 * The fleet's own table until the unified Store's migrations hold it: who is in the fleet, in
 * which role, last seen when (by the server's clock, so hosts' clocks do not matter).
 */
export const FLEET_MEMBERS_DDL = (schema: string): string => `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.fleet_members (
  host text NOT NULL,
  pid integer NOT NULL,
  role text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (host, pid)
)`;

/** Creates the fleet's tables once, whoever races (concurrent CREATE IF NOT EXISTS can collide). */
export async function ensureFleetTables(c: pg.ClientBase, schema: string): Promise<void> {
  checkSchemaName(schema);
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${schema}.fleet-ddl`]);
    await c.query(FLEET_MEMBERS_DDL(schema));
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Records that this process is alive in this role (server time). */
export const UPSERT_MEMBER = (schema: string): string =>
  `INSERT INTO ${schema}.fleet_members (host, pid, role, started_at, last_seen)
   VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), clock_timestamp())
   ON CONFLICT (host, pid) DO UPDATE SET role = EXCLUDED.role, last_seen = EXCLUDED.last_seen`;

/** One row of `fleet_members`, ages by the server's clock. */
export interface FleetMember {
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  readonly startedAt: number;
  readonly lastSeenAt: number;
  /** Milliseconds since it was last seen, by the server's clock. */
  readonly ageMs: number;
}

/** Every member seen within `withinMs`, leader first, then by host and pid. */
export async function listMembers(
  c: pg.ClientBase,
  schema: string,
  withinMs = 3_600_000,
): Promise<FleetMember[]> {
  checkSchemaName(schema);
  const r = await c.query<{ host: string; pid: number; role: string; s: number; l: number; age: number }>(
    `SELECT host, pid, role,
            extract(epoch FROM started_at) * 1000 AS s,
            extract(epoch FROM last_seen) * 1000 AS l,
            extract(epoch FROM clock_timestamp() - last_seen) * 1000 AS age
       FROM ${schema}.fleet_members
      WHERE last_seen > clock_timestamp() - ($1 / 1000.0) * interval '1 second'
      ORDER BY role = 'leader' DESC, host, pid`,
    [withinMs],
  );
  return r.rows.map((x) => ({
    host: x.host,
    pid: x.pid,
    role: x.role,
    startedAt: Number(x.s),
    lastSeenAt: Number(x.l),
    ageMs: Math.max(0, Number(x.age)),
  }));
}
