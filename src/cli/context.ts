import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/index.js';

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

/**
 * Loads the config named by the global options (a bad config throws ConfigError naming the
 * field) and prints its deprecation warnings on stderr.
 */
export function configFor(cmd: Command): LoadedConfig {
  const g = globalOptions(cmd);
  const loaded = loadConfig({ configPath: g.config, dataDir: g.dataDir });
  printConfigWarnings(loaded);
  return loaded;
}

/** Writes one line of output (JSON when `json` is set). */
export function out(value: unknown, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${String(value)}\n`);
}
