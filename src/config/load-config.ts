import type { ZodIssue } from 'zod';
import { configSchema, type WardenConfig } from './schema.js';
import { ConfigError } from './config-error.js';
import { applyRenamedKeys } from './renamed-keys.js';
import { scheduleProblems } from './schedule-fields.js';
import { loadedFrom, readConfigFile, sourceOf, type LoadConfigOptions } from './config-file.js';

export type { LoadConfigOptions } from './config-file.js';

/** A loaded config plus where it came from and the data dir it resolves to. */
export interface LoadedConfig {
  readonly config: WardenConfig;
  /** The config file, or null when none exists and defaults are used. */
  readonly path: string | null;
  /** Absolute data dir: --data-dir, else WARDEN_DATA_DIR, else config.dataDir, else ./data. */
  readonly dataDir: string;
  /** Deprecations the file uses (an old key name), each naming the new one; the CLI prints them. */
  readonly warnings?: readonly string[];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function fieldName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k),
    '',
  );
}

type Path = readonly (string | number)[];
type UnionIssue = Extract<ZodIssue, { code: 'invalid_union' }>;

/** The literal values a union's branches expect, per path, e.g. `type`: "telegram", "slack", … */
function expectedLiterals(issue: UnionIssue): Map<string, { path: Path; values: unknown[] }> {
  const byPath = new Map<string, { path: Path; values: unknown[] }>();
  for (const branch of issue.unionErrors)
    for (const i of branch.issues)
      if (i.code === 'invalid_literal') {
        const key = fieldName(i.path);
        const entry = byPath.get(key) ?? { path: i.path, values: [] };
        if (!entry.values.includes(i.expected)) entry.values.push(i.expected);
        byPath.set(key, entry);
      }
  return byPath;
}

/**
 * A union (an alert channel) failed: when the value names a branch (its `type` matches), that
 * branch's own issues, so the user reads what is missing for the kind they chose; else the kinds
 * that exist.
 */
function explainUnion(issue: UnionIssue, raw: unknown): string[] {
  const chosen = issue.unionErrors.filter((b) => !b.issues.some((i) => i.code === 'invalid_literal'));
  if (chosen.length === 1) return chosen[0]!.issues.flatMap((i) => explain(i, raw));
  const literals = [...expectedLiterals(issue).values()];
  if (literals.length === 0) {
    // A union of plain types (`chatId`: string or number): name them.
    const here = fieldName(issue.path);
    const types = issue.unionErrors.flatMap((b) =>
      b.issues.flatMap((i) => (i.code === 'invalid_type' && fieldName(i.path) === here ? [i.expected] : [])),
    );
    if (types.length !== issue.unionErrors.length) return [plain(issue, raw)];
    const value = valueAt(raw, issue.path);
    return [
      `field ${here || '(top level)'}: ${value === undefined ? 'required, ' : ''}expected ${[...new Set(types)].join(' or ')} (got ${describe(value)})`,
    ];
  }
  return literals.map(
    ({ path, values }) =>
      `field ${fieldName(path) || '(top level)'}: expected one of ${values.map((v) => JSON.stringify(v)).join(' | ')} (got ${describe(valueAt(raw, path))})`,
  );
}

function plain(issue: ZodIssue, raw: unknown): string {
  const field = fieldName(issue.path) || '(top level)';
  return `field ${field}: ${issue.message} (got ${describe(valueAt(raw, issue.path))})`;
}

function explain(issue: ZodIssue, raw: unknown): string[] {
  const field = fieldName(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return [
      `unknown field ${issue.keys.map((k) => (field === '(top level)' ? k : `${field}.${k}`)).join(', ')} (check the spelling)`,
    ];
  }
  if (issue.code === 'invalid_union') return explainUnion(issue, raw);
  if (issue.code === 'invalid_union_discriminator') {
    return [
      `field ${field}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(' | ')} (got ${describe(valueAt(raw, issue.path))})`,
    ];
  }
  return [plain(issue, raw)];
}

/** Drops comment keys ("//" or starting with "//") at any depth: JSON has no comments. */
export function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (v === null || typeof v !== 'object') return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('//')) o[k] = stripComments(x);
  return o;
}

/** A validated config and the deprecations its source used. */
export interface ParsedConfig {
  readonly config: WardenConfig;
  readonly warnings: readonly string[];
}

/**
 * Validates a parsed config object, old key names moved to their new ones (with a warning) and
 * every schedule checked by croner; throws ConfigError naming the field, the value and what was
 * expected.
 */
export function parseConfigWithWarnings(raw: unknown, source = 'config'): ParsedConfig {
  raw = stripComments(raw);
  const warnings = applyRenamedKeys(raw, source);
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.flatMap((i) => explain(i, raw)).slice(0, 5);
    throw new ConfigError(`${source}: ${lines.join('; ')}`);
  }
  const problems = scheduleProblems(r.data);
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.slice(0, 5).join('; ')}`);
  return { config: r.data, warnings };
}

/** Validates a parsed config object; throws ConfigError naming the field, the value and what was expected. */
export function parseConfig(raw: unknown, source = 'config'): WardenConfig {
  return parseConfigWithWarnings(raw, source).config;
}

/** Reads and validates the config file (or defaults when there is none) and resolves the data dir. */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const file = readConfigFile(opts);
  return loadedFrom(opts, file, parseConfigWithWarnings(file.raw, sourceOf(file)));
}
