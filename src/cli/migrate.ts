import type { Command } from 'commander';
import { configFor, out } from './context.js';
import { openStore } from '../store/index.js';

/** `warden migrate`: applies the store's pending migrations (also done by `warden serve` on start). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      "apply the store's pending migrations (PostgreSQL: creates the schema; safe while other processes migrate)",
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const loaded = configFor(cmd);
      const store = await openStore(loaded.config, loaded.dataDir, 'migrate');
      try {
        const version = await store.schemaVersion();
        const r = { kind: store.kind, location: store.location, version };
        out(
          opts.json ? r : `store ${r.location} (${r.kind}) is at schema version ${version}`,
          opts.json === true,
        );
      } finally {
        await store.close();
      }
    });
}
