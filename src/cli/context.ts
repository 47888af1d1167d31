import type { Command } from 'commander';
import type { LoadConfigOptions, LoadedConfig } from '../config/load-config.js';

/** Control characters escaped, for every reason, name or path the CLI prints. */
export { printable } from '../killswitch/printable.js';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

/**
 * Reads the global options from any sub-command. They are declared on every command, so they may
 * stand before or after the subcommand; the one nearest the subcommand wins.
 */
export function globalOptions(cmd: Command): GlobalOptions {
  const found: GlobalOptions = {};
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.opts<GlobalOptions>();
    found.config ??= o.config;
    found.dataDir ??= o.dataDir;
  }
  return found;
}

const warned = new Set<string>();

/** Prints each deprecation of a loaded config on stderr, once per process. */
export function printConfigWarnings(loaded: LoadedConfig): void {
  for (const w of loaded.warnings ?? []) {
    if (warned.has(w)) continue;
    warned.add(w);
    process.stderr.write(`warden: warning: ${w}\n`);
  }
}

/** How `configFor` loads a config: `loadConfig` (set by program.ts), or what hot-path.ts loaded. */
export type ConfigLoader = (opts: LoadConfigOptions) => LoadedConfig;

let loader: ConfigLoader | null = null;

/**
 * Sets the loader behind `configFor`. Not imported here, so the hot-path commands, whose config
 * usually comes from the cache (config/config-cache.ts), never load the schema and zod.
 */
export function useConfigLoader(l: ConfigLoader): void {
  loader = l;
}

/**
 * Loads the config named by the global options (a bad config throws ConfigError naming the
 * field) and prints its deprecation warnings on stderr.
 */
export function configFor(cmd: Command): LoadedConfig {
  const g = globalOptions(cmd);
  if (loader === null)
    throw new Error('internal: no config loader (cli/program.ts and cli/hot-path.ts set one)');
  const loaded = loader({ configPath: g.config, dataDir: g.dataDir });
  printConfigWarnings(loaded);
  return loaded;
}

/** Writes one line of output (JSON when `json` is set). */
export function out(value: unknown, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${String(value)}\n`);
}
