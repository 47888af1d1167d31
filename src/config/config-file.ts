// The config file as read, before validation: its path, its text and its JSON, and the data dir a
// validated config resolves to. No zod here: config-cache.ts uses it before it knows whether the
// schema must be loaded at all; load-config.ts builds `loadConfig` on it.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import type { LoadedConfig, ParsedConfig } from './load-config.js';

export interface LoadConfigOptions {
  /** Path given with --config; when given, the file must exist. */
  configPath?: string;
  /** --data-dir, which wins over everything else. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The file `loadConfig` reads: `text` null when there is none (defaults apply). */
export interface ConfigFile {
  readonly path: string;
  readonly text: string | null;
  readonly raw: unknown;
}

const DEFAULT_CONFIG = 'warden.config.json';

/** Reads the config file named by `opts` (or none); ConfigError when it is unreadable or not JSON. */
export function readConfigFile(opts: LoadConfigOptions): ConfigFile {
  const explicit = opts.configPath !== undefined;
  const path = resolve(opts.cwd ?? process.cwd(), opts.configPath ?? DEFAULT_CONFIG);
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
  return { path, text, raw };
}

/** What the messages of a validation name as the config's source: the file, or "defaults". */
export function sourceOf(file: ConfigFile): string {
  return file.text === null ? 'defaults' : file.path;
}

/** Absolute data dir: --data-dir, else WARDEN_DATA_DIR, else the config's `dataDir`, else ./data. */
export function dataDirFor(
  opts: LoadConfigOptions,
  file: ConfigFile,
  configured: string | undefined,
): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const chosen = opts.dataDir ?? env['WARDEN_DATA_DIR'] ?? configured ?? 'data';
  const base =
    file.text === null || opts.dataDir !== undefined || env['WARDEN_DATA_DIR']
      ? cwd
      : resolve(file.path, '..');
  return isAbsolute(chosen) ? chosen : resolve(base, chosen);
}

/** The LoadedConfig of `file` once validated as `parsed`. */
export function loadedFrom(opts: LoadConfigOptions, file: ConfigFile, parsed: ParsedConfig): LoadedConfig {
  const { config, warnings } = parsed;
  return {
    config,
    path: file.text === null ? null : file.path,
    dataDir: dataDirFor(opts, file, config.dataDir),
    warnings,
  };
}
