import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/index.js';

/** Control characters escaped, for every reason, name or path the CLI prints. */
export { printable } from '../killswitch/printable.js';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

/** Reads the global options of the root program from any sub-command. */
export function globalOptions(cmd: Command): GlobalOptions {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/** Loads the config named by the global options (a bad config throws ConfigError naming the field). */
export function configFor(cmd: Command): LoadedConfig {
  const g = globalOptions(cmd);
  return loadConfig({ configPath: g.config, dataDir: g.dataDir });
}

/** Writes one line of output (JSON when `json` is set). */
export function out(value: unknown, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${String(value)}\n`);
}
