import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { configFor } from './context.js';
import { openStore } from '../store/index.js';
import { Daemon } from '../daemon/index.js';

/** `warden serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the daemon: watchdog, alert outbox, reminders and the HTTP API (binds 127.0.0.1)')
    .option('--host <host>', 'address to bind (default daemon.host, 127.0.0.1)')
    .option('--port <port>', 'port (default daemon.port, 8787; 0 = any free port)')
    .action(async (opts: { host?: string; port?: string }, cmd: Command) => {
      const loaded = configFor(cmd);
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        throw new CliError(`--port: expected 0-65535, got ${opts.port}`);
      }
      const store = await openStore(loaded.config, loaded.dataDir);
      const daemon = new Daemon({ loaded, store, host: opts.host, port });
      try {
        await daemon.start();
      } catch (err) {
        await daemon.close().catch(() => undefined);
        await store.close();
        throw new CliError(`serve: ${(err as Error).message}`);
      }
      process.stdout.write(`warden serve: listening on ${daemon.address} (data dir ${loaded.dataDir})\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await daemon.close();
      await store.close();
    });
}
