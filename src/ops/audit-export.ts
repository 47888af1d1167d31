import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { channelRedactor, redactStrings, type Env } from '../alerts/index.js';
import { atomicWriteFileSync } from '../util/atomic-write.js';
import { AuditExportError } from './audit-export-error.js';
import { exportTradingRecords, type DecisionLogAudit } from './audit-trading.js';
import { launchdPlists } from './launchd.js';
import { redactSecrets } from './redact.js';
import { packageRoot, unitContext, type UnitContext, type UnitOptions } from './unit-context.js';
import { systemdUnits } from './units.js';

/** Files copied as they are from the data dir when they exist (the seed's formats). */
export const DATA_DIR_FILES = ['heartbeat.json', 'circuit.json', 'decisions.jsonl', 'STOP'] as const;

/** The heartbeat writer's one file per name, beside the seed's single heartbeat.json. */
const PER_NAME_HEARTBEAT = /^heartbeat-[A-Za-z0-9_.-]+\.json$/;

/** Files every export must hold; a missing one is reported in the manifest. */
const REQUIRED_DATA_FILES: readonly string[] = ['heartbeat.json', 'circuit.json'];

/** As many rows as a store will ever hold, for "all of the history". */
const ALL = 2_147_483_647;

/** One exported file in MANIFEST.json. */
export interface ManifestEntry {
  /** Path relative to the export folder, with `/`. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** MANIFEST.json: what was exported, when, from where, with a sha256 of every file. */
export interface AuditManifest {
  readonly format: 'warden-audit/1';
  readonly exportedAt: string;
  readonly exportedAtMs: number;
  readonly wardenVersion: string;
  readonly host: string;
  readonly dataDir: string;
  readonly configPath: string | null;
  readonly store: string;
  readonly files: readonly ManifestEntry[];
  /** Expected files that were not there (e.g. no heartbeat.json yet), with why. */
  readonly missing: readonly { readonly path: string; readonly why: string }[];
  /** Anything else the auditor should know (redacted config keys, units not generated...). */
  readonly notes: readonly string[];
  /** The decision log's verification (against the store's anchored head when there is one); null without a log. */
  readonly decisionLog: DecisionLogAudit | null;
}

export interface AuditExportOptions {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  /** Target folder; created when missing; refused when not empty unless `force`. */
  readonly dir: string;
  readonly force?: boolean;
  /** Options of the generated units (same as `warden install`). */
  readonly units?: UnitOptions;
  readonly now?: () => number;
  /** Where the alert channels' secrets are read, to mask them in exported rows. Default `process.env`. */
  readonly env?: Env;
}

function wardenVersion(): string {
  try {
    const pj = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pj.version === 'string' ? pj.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function prepareTarget(dir: string, force: boolean): void {
  let entries: string[] | null = null;
  try {
    if (!statSync(dir).isDirectory()) throw new AuditExportError(`${dir} exists and is not a directory`);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof AuditExportError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AuditExportError(`cannot use ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (entries !== null && entries.length > 0 && !force) {
    throw new AuditExportError(
      `${dir} is not empty (${entries.length} entries); choose an empty folder or pass --force`,
    );
  }
  mkdirSync(dir, { recursive: true });
}

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * Gathers the files an auditor asks for (seed 001) into one folder: the data dir's heartbeat
 * files (heartbeat.json and heartbeat-NAME.json) and circuit file as they are, the kill-switch history, the last heartbeats, the alert outbox,
 * the decision log (verified, the result in the manifest), strategy state and overrides, orders,
 * the DLQ and reconciliation reports, freshly generated unit files, the config with secret-looking
 * values redacted, and MANIFEST.json with a sha256 of every file.
 */
export async function auditExport(opts: AuditExportOptions): Promise<AuditManifest> {
  const dir = resolve(opts.dir);
  const now = (opts.now ?? Date.now)();
  const { loaded, store } = opts;
  const dataDir = resolve(loaded.dataDir);
  if (dir === dataDir || dir.startsWith(dataDir + sep)) {
    throw new AuditExportError(`${dir} is inside the data dir ${dataDir}; export somewhere else`);
  }
  prepareTarget(dir, opts.force === true);
  const out = exportFolder(dir);
  copyDataDirFiles(dataDir, out);
  // Rows written before a secret was masked (an endpoint that echoed it) must not carry it out.
  const redactor = channelRedactor(loaded.config.alerts.channels, opts.env ?? process.env);
  await exportStoreRows(store, redactor, out);
  const decisionLog = await exportTradingRecords(loaded, store, {
    put: out.put,
    note: (t) => out.notes.push(t),
    redact: (rows) => redactStrings(rows, redactor),
  });
  exportConfig(loaded, out);
  exportUnits(loaded, opts.units ?? {}, out);
  out.files.sort((a, b) => a.path.localeCompare(b.path));
  const manifest: AuditManifest = {
    format: 'warden-audit/1',
    exportedAt: new Date(now).toISOString(),
    exportedAtMs: now,
    wardenVersion: wardenVersion(),
    host: hostname(),
    dataDir,
    configPath: loaded.path,
    store: store.location,
    files: out.files,
    missing: out.missing,
    notes: out.notes,
    decisionLog,
  };
  atomicWriteFileSync(join(dir, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The export folder being filled: every file written with its hash, and what is missing or worth noting. */
interface ExportFolder {
  put(rel: string, data: string | Buffer): void;
  readonly files: ManifestEntry[];
  readonly missing: { path: string; why: string }[];
  readonly notes: string[];
}

function exportFolder(dir: string): ExportFolder {
  const files: ManifestEntry[] = [];
  return {
    files,
    missing: [],
    notes: [],
    put(rel, data) {
      const p = join(dir, ...rel.split('/'));
      mkdirSync(dirname(p), { recursive: true });
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      atomicWriteFileSync(p, buf);
      files.push({ path: rel, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
    },
  };
}

/** The data dir's heartbeat and circuit files as they are; a required one that is absent is listed missing. */
function copyDataDirFiles(dataDir: string, out: ExportFolder): void {
  let perName: string[] = [];
  try {
    perName = readdirSync(dataDir)
      .filter((n) => PER_NAME_HEARTBEAT.test(n))
      .sort();
  } catch (err) {
    out.missing.push({
      path: 'heartbeat-NAME.json',
      why: `cannot list ${dataDir}: ${(err as Error).message}`,
    });
  }
  for (const name of [...DATA_DIR_FILES, ...perName]) {
    try {
      out.put(name, readFileSync(join(dataDir, name)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        if (REQUIRED_DATA_FILES.includes(name)) out.missing.push({ path: name, why: `not in ${dataDir}` });
      } else {
        out.missing.push({ path: name, why: `cannot read: ${(err as Error).message}` });
      }
    }
  }
}

/** The kill-switch history, the heartbeats and the alert outbox, oldest first, secrets masked. */
async function exportStoreRows(
  store: Store,
  redactor: ReturnType<typeof channelRedactor>,
  out: ExportFolder,
): Promise<void> {
  const history = await store.killSwitch.history(ALL);
  out.put('killswitch-history.jsonl', jsonl(redactStrings([...history].reverse(), redactor)));
  out.put(
    'heartbeats.json',
    `${JSON.stringify(redactStrings(await store.heartbeats.list(), redactor), null, 2)}\n`,
  );
  const alerts = await store.alerts.list({ limit: ALL });
  out.put('alerts.jsonl', jsonl(redactStrings([...alerts].reverse(), redactor)));
}

/** The effective config and the config file, secret-looking values redacted and noted. */
function exportConfig(loaded: LoadedConfig, out: ExportFolder): void {
  const effective = redactSecrets(loaded.config);
  out.put('config-effective.json', `${JSON.stringify(effective.value, null, 2)}\n`);
  if (loaded.path !== null) {
    try {
      const original = redactSecrets(JSON.parse(readFileSync(loaded.path, 'utf8')) as unknown);
      out.put('config.json', `${JSON.stringify(original.value, null, 2)}\n`);
      if (original.redacted.length > 0) {
        out.notes.push(`config.json: values redacted at ${original.redacted.join(', ')}`);
      }
    } catch (err) {
      out.missing.push({ path: 'config.json', why: `cannot read ${loaded.path}: ${(err as Error).message}` });
    }
  } else {
    out.notes.push('no config file: the defaults in config-effective.json are in use');
  }
  if (effective.redacted.length > 0) {
    out.notes.push(`config-effective.json: values redacted at ${effective.redacted.join(', ')}`);
  }
}

/**
 * The unit files and plists `warden install` would write now. A refusal is a note, not a failure,
 * and one generator's refusal (launchd's, for a schedule in another zone than this host's) leaves
 * the other's files in.
 */
function exportUnits(loaded: LoadedConfig, units: UnitOptions, out: ExportFolder): void {
  let ctx: UnitContext;
  try {
    ctx = unitContext(loaded, units);
  } catch (err) {
    out.notes.push(`units: not generated: ${(err as Error).message}`);
    return;
  }
  const generators = [
    ['systemd', () => systemdUnits(ctx)],
    ['launchd', () => launchdPlists(ctx)],
  ] as const;
  for (const [kind, generate] of generators) {
    try {
      const gen = generate();
      for (const f of gen.files) out.put(`units/${gen.kind}/${f.name}`, f.content);
      for (const w of gen.warnings) out.notes.push(`units/${gen.kind}: ${w}`);
    } catch (err) {
      out.notes.push(`units/${kind}: not generated: ${(err as Error).message}`);
    }
  }
}

/** Paths in a manifest are relative with `/`; this gives the local path of one. */
export const manifestPath = (dir: string, entry: ManifestEntry): string =>
  join(dir, ...entry.path.split('/'));

/** Recomputes every hash of an export; returns the paths whose content no longer matches. */
export function verifyAuditExport(dir: string): string[] {
  const m = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as AuditManifest;
  return m.files
    .filter((f) => {
      try {
        const h = createHash('sha256')
          .update(readFileSync(manifestPath(dir, f)))
          .digest('hex');
        return h !== f.sha256;
      } catch {
        return true;
      }
    })
    .map((f) => relative(dir, manifestPath(dir, f)));
}
