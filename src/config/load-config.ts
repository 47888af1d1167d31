import { readFileSync } from 'node:fs';
import { resolve, isAbsolute } from 'node:path';
import type { ZodIssue } from 'zod';
import { configSchema, type WardenConfig } from './schema.js';
import { ConfigError } from './config-error.js';

/** A loaded config plus where it came from and the data dir it resolves to. */
export interface LoadedConfig {
  readonly config: WardenConfig;
  /** The config file, or null when none exists and defaults are used. */
  readonly path: string | null;
  /** Absolute data dir: --data-dir, else WARDEN_DATA_DIR, else config.dataDir, else ./data. */
  readonly dataDir: string;
}

export interface LoadConfigOptions {
  /** Path given with --config; when given, the file must exist. */
  configPath?: string;
  /** --data-dir, which wins over everything else. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULT_CONFIG = 'warden.config.json';

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

function explain(issue: ZodIssue, raw: unknown): string {
  const field = fieldName(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `unknown field ${issue.keys.map((k) => (field === '(top level)' ? k : `${field}.${k}`)).join(', ')} (check the spelling)`;
  }
  return `field ${field}: ${issue.message} (got ${describe(valueAt(raw, issue.path))})`;
}

/** Drops comment keys ("//" or starting with "//") at any depth: JSON has no comments. */
export function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (v === null || typeof v !== 'object') return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('//')) o[k] = stripComments(x);
  return o;
}

/** Validates a parsed config object; throws ConfigError naming the field, the value and what was expected. */
export function parseConfig(raw: unknown, source = 'config'): WardenConfig {
  raw = stripComments(raw);
  const r = configSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 5).map((i) => explain(i, raw));
  throw new ConfigError(`${source}: ${lines.join('; ')}`);
}

/** Reads and validates the config file (or defaults when there is none) and resolves the data dir. */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath !== undefined;
  const path = resolve(cwd, opts.configPath ?? DEFAULT_CONFIG);
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || explicit) {
      throw new ConfigError(
        `${path}: cannot read config (${code ?? String(err)})${code === 'ENOENT' ? '; run `warden init` to write one' : ''}`,
        { cause: err },
      );
    }
  }
  let raw: unknown = {};
  if (text !== null) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const config = parseConfig(raw, text === null ? 'defaults' : path);
  const chosen = opts.dataDir ?? env['WARDEN_DATA_DIR'] ?? config.dataDir ?? 'data';
  const base =
    text === null || opts.dataDir !== undefined || env['WARDEN_DATA_DIR'] ? cwd : resolve(path, '..');
  const dataDir = isAbsolute(chosen) ? chosen : resolve(base, chosen);
  return { config, path: text === null ? null : path, dataDir };
}
