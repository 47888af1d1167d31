import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { configFor } from './context.js';
import { openStore } from '../store/index.js';
import type { Exchange } from '../exchange/index.js';

/** The longest a SIGTERM or SIGINT may take to end `warden serve`. */
const SHUTDOWN_DEADLINE_MS = 4_500;

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
      // Loaded here, not at start-up: no other command pays for Fastify, pino and prom-client.
      const { Daemon } = await import('../daemon/index.js');
      // A named venue that cannot be built (ccxt missing, a credential variable unset) is a config error: refuse to start.
      let exchange: Exchange | undefined;
      if (loaded.config.exchange !== undefined) {
        const { createExchangeFromConfig } = await import('../exchange/from-config.js');
        try {
          exchange = await createExchangeFromConfig(loaded.config.exchange);
        } catch (err) {
          throw new CliError(`serve: ${(err as Error).message}`);
        }
      }
      // Pending migrations are applied on start (a PostgreSQL schema is created; never a SQLite file).
      const store = await openStore(loaded.config, loaded.dataDir, 'migrate');
      const daemon = new Daemon({ loaded, store, host: opts.host, port, exchange });
      try {
        await daemon.start();
      } catch (err) {
        await daemon.close().catch(() => undefined);
        await store.close();
        await exchange?.close().catch(() => undefined);
        throw new CliError(`serve: ${(err as Error).message}`);
      }
      const logger = daemon.logger!;
      // Machine-readable: `address` is the URL as bound; the message keeps the old wording.
      logger.info(
        { address: daemon.address, dataDir: loaded.dataDir },
        `listening on ${daemon.address} (data dir ${loaded.dataDir})`,
      );
      if (daemon.exposed) {
        logger.warn(
          { address: daemon.address, tokenSet: daemon.tokenSet },
          `WARNING: ${daemon.address} is reachable from other hosts, not only this one; ` +
            'every route, reads too, now needs the bearer token' +
            (daemon.tokenSet
              ? ''
              : ` and no token is set (env ${loaded.config.daemon.tokenEnv}): every request will get 401`),
        );
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // A shutdown never waits on a client: the daemon cuts slow connections after its grace
      // period, and this backstop ends the process if anything else still holds it.
      setTimeout(() => {
        daemon.logger?.fatal(`shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      logger.info('stopping');
      await daemon.close();
      await store.close();
      await exchange?.close().catch(() => undefined);
      logger.info('stopped');
    });
}
