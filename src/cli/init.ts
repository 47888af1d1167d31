import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { globalOptions, out } from './context.js';
import { CliError } from './cli-error.js';
import { loadConfig, parseConfig } from '../config/index.js';
import { storePath } from '../store/index.js';
import { initStore } from './runtime.js';
import { STARTER_CONFIG } from './starter-config.js';

export { STARTER_CONFIG };

/** `warden init`: the only command that creates the data dir and the store. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a documented starter config, the data dir and the store')
    .option('--force', 'overwrite an existing config')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const path = resolve(g.config ?? 'warden.config.json');
      parseConfig(STARTER_CONFIG, 'starter config'); // the starter must itself be valid
      const keep = existsSync(path) && !opts.force;
      if (keep) {
        // An existing config is never overwritten; a data dir it names that has no store is created.
        const loaded = loadConfig({ configPath: path, dataDir: g.dataDir });
        const db = storePath(loaded.config, loaded.dataDir);
        if (db !== null && existsSync(db)) throw new CliError(`${path} exists; use --force to overwrite it`);
        await (await initStore(loaded)).close();
        out(`kept ${path}; created the store in ${loaded.dataDir}`, false);
        return;
      }
      const text = JSON.stringify(STARTER_CONFIG, null, 2);
      writeFileSync(path, `${text}\n`);
      const loaded = loadConfig({ configPath: path, dataDir: g.dataDir });
      await (await initStore(loaded)).close();
      out(`wrote ${path} and created ${loaded.dataDir}`, false);
    });
}
