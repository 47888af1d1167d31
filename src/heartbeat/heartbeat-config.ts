import type { WardenConfig } from '../config/index.js';
import type { Exchange } from '../exchange/index.js';
import { resolveHeartbeatFile, type HeartbeatFilePolicy } from './heartbeat-file.js';
import { ExchangeReferenceClock, type ReferenceClock } from './reference-clock.js';
import { PostgresReferenceClock } from './postgres-reference-clock.js';
import { SntpReferenceClock, parseNtpServer } from './sntp-reference-clock.js';
import { postgresUrl } from '../store/postgres-url.js';

/** Which heartbeat files the config lets Warden write: the bot's own beat, never a watched file. */
export function heartbeatFilePolicyFromConfig(config: WardenConfig, dataDir: string): HeartbeatFilePolicy {
  return {
    botHeartbeat: config.watchdog.botHeartbeat,
    watchedFiles: config.heartbeats.flatMap((h) =>
      h.file === undefined ? [] : [resolveHeartbeatFile(dataDir, h.file)],
    ),
  };
}

/**
 * The reference clocks the config implies: `watchdog.ntpServer`, PostgreSQL's clock in fleet mode
 * (`store.kind: "postgres"`), and the venue's server time when an exchange is given. Close them
 * when done (`closeReferenceClocks`).
 */
export function referenceClocksFromConfig(
  config: WardenConfig,
  opts: { readonly exchange?: Exchange } = {},
): ReferenceClock[] {
  const timeoutMs = config.watchdog.referenceTimeoutMs;
  const refs: ReferenceClock[] = [];
  if (config.watchdog.ntpServer !== undefined)
    refs.push(new SntpReferenceClock({ ...parseNtpServer(config.watchdog.ntpServer), timeoutMs }));
  if (config.store.kind === 'postgres')
    refs.push(new PostgresReferenceClock({ connectionString: postgresUrl(config.store), timeoutMs }));
  if (opts.exchange !== undefined) refs.push(new ExchangeReferenceClock(opts.exchange));
  return refs;
}

/** Closes the references that hold sockets or connections. */
export async function closeReferenceClocks(refs: readonly ReferenceClock[]): Promise<void> {
  await Promise.allSettled(refs.map((r) => r.close?.()));
}
