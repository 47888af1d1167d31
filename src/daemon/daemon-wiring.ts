// The parts the daemon builds around its HTTP API: its logger, the DLQ routes over the store's
// order and DLQ repos, its decision log. Kept apart from daemon.ts so the daemon reads as its loops.
import { Writable } from 'node:stream';
import { resolve } from 'node:path';
import type { WardenConfig } from '../config/index.js';
import { channelSecrets, Redactor, type Alerter } from '../alerts/index.js';
import {
  DecisionLog,
  DecisionLogLockedError,
  anchorHeadInStore,
  type HeadAnchor,
} from '../decisions/index.js';
import type { Exchange } from '../exchange/index.js';
import type { KillSwitch } from '../killswitch/index.js';
import { DeadLetterQueue, Executor, alwaysReady } from '../orders/index.js';
import type { Store } from '../store/index.js';
import { strategyPaths, type StrategyBreaker } from '../strategy/index.js';
import { startStateMirror } from '../strategy/state/state-mirror.js';
import type { AlertSink } from '../util/alert-sink.js';
import { createLogger, type WardenLogger } from './logger.js';
import type { DlqRoutesOptions } from './routes/dlq-routes.js';
import type { DecisionsSource } from './routes/decision-routes.js';
import { telegramCommandsSecrets } from './telegram/from-config.js';
import type { DaemonEvents } from './daemon-events.js';
import type { DaemonMetrics } from './metrics.js';

/**
 * The daemon's logger: pino JSON lines (pretty on a terminal), masking every alert channel
 * secret, the Telegram commands' bot token and the API token. With `plain`, each message goes to it as one line instead (tests).
 */
export function daemonLogger(
  config: WardenConfig,
  env: NodeJS.ProcessEnv,
  token: string | undefined,
  plain?: (line: string) => void,
): WardenLogger {
  const redactor = new Redactor([
    ...channelSecrets(config.alerts.channels, env),
    ...telegramCommandsSecrets(config, env),
    token,
  ]);
  if (!plain) return createLogger({ redactor, name: 'warden-daemon' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const o = JSON.parse(chunk.toString()) as { msg?: string; err?: { message?: string } };
        plain(o.err?.message ? `${o.msg ?? ''}: ${o.err.message}` : (o.msg ?? ''));
      } catch {
        plain(chunk.toString().trimEnd());
      }
      done();
    },
  });
  return createLogger({ redactor, out: sink, errors: sink, pretty: false, name: 'warden-daemon' });
}

/** The DLQ routes' parts: replay goes through an executor on `exchange`, when there is one. */
export function dlqRoutesFor(
  stores: Pick<Store, 'orders' | 'dlq'>,
  exchange: Exchange | undefined,
  killSwitch: KillSwitch,
  alerts: Alerter,
): DlqRoutesOptions {
  return {
    dlq: new DeadLetterQueue(stores.dlq),
    executorFor:
      exchange === undefined
        ? undefined
        : (symbol) =>
            new Executor({
              exchange,
              orders: stores.orders,
              dlq: stores.dlq,
              symbols: [symbol],
              killSwitch,
              readiness: alwaysReady,
              alerts,
            }),
  };
}

/**
 * The daemon's decision log, from the config's `decisions` section. Another process holding its
 * writer lock (a bot appending itself) is not fatal: the decision routes then answer 503 with
 * that reason, and the daemon says so once in its log. With `kv`, the log's durable head is kept
 * in the store as openWarden keeps it (at most once a second, and on close; never moved back), so
 * `warden log verify --anchor store` covers what `POST /v1/decisions` appended.
 */
export function openDaemonDecisions(
  config: WardenConfig,
  dataDir: string,
  logger: WardenLogger,
  kv?: Store['kv'],
): { source: DecisionsSource; log?: DecisionLog; anchor?: HeadAnchor } {
  const d = config.decisions;
  if (!config.daemon.decisionLog)
    return {
      source: { unavailable: 'the daemon does not write the decision log (daemon.decisionLog is false)' },
    };
  try {
    const log = DecisionLog.open({
      dir: resolve(dataDir, d.dir),
      flushIntervalMs: d.flushIntervalMs,
      rotateBytes: d.rotateBytes,
      rotateDaily: d.rotateDaily,
    });
    log.onError((err) => logger.error({ err }, 'decision log failed: appends are refused (503)'));
    const anchor =
      kv === undefined
        ? undefined
        : anchorHeadInStore(log, kv, {
            onError: (err) => logger.error({ err }, 'decision log head not anchored in the store'),
          });
    return { source: { log }, log, ...(anchor ? { anchor } : {}) };
  } catch (err) {
    const why =
      err instanceof DecisionLogLockedError
        ? `the decision log is held by another process (${err.message})`
        : `the decision log could not be opened: ${(err as Error).message}`;
    logger.warn({ err }, `decisions API off: ${why}`);
    return { source: { unavailable: why } };
  }
}

/**
 * Fleet mode: the host's seed-format strategy state file follows the store (every daemon, leader
 * or not), for seed bots that read it (docs/fleet.md, "The strategy state file on a fleet host").
 * A write that fails or is refused (a symlink or FIFO at the path) is logged and alerted once.
 */
export function strategyMirrorFor(
  config: WardenConfig,
  dataDir: string,
  breaker: StrategyBreaker,
  logger: WardenLogger,
  alerts: AlertSink,
): { close(): void } {
  const path = strategyPaths(config.strategy, dataDir).state;
  const mirror = startStateMirror({
    path,
    stateKey: config.strategy.stateKey,
    source: breaker,
    onWritten: (status) => logger.info({ path, status }, `strategy state mirror written (${status})`),
    onError: (err) => {
      logger.error({ err, path }, `strategy state mirror: ${err.message}`);
      alerts
        .alert({
          key: `strategy:mirror:${path}`,
          severity: 'warning',
          title: 'Strategy state file not updated',
          body: `${err.message}. Bots that read ${path} do not see the store's strategy state; Warden's own checks read the store.`,
        })
        .catch((e: unknown) => logger.error({ err: e }, 'alert failed'));
    },
  });
  return mirror;
}

/** Kill switch changes (logged) and each alert sent or failed (counted) as events, until closed. */
export function followIntoEvents(
  ks: KillSwitch,
  alerter: Alerter,
  metrics: DaemonMetrics,
  events: DaemonEvents,
  logger: WardenLogger,
): { close(): void } {
  const subs = [
    ks.onChange((state) => {
      logger.warn({ halted: state.halted }, state.halted ? `halted: ${state.reason}` : 'trading resumed');
      events.emit({ type: 'killswitch', at: Date.now(), data: state });
    }),
    alerter.onSent(({ alert }) => {
      metrics.alertSent(alert.channel);
      events.emit({
        type: 'alert',
        at: Date.now(),
        data: { channel: alert.channel, title: alert.title, outcome: 'sent' },
      });
    }),
    alerter.onFailed(({ alert, final }) => {
      metrics.alertFailed(alert.channel, final);
      events.emit({
        type: 'alert',
        at: Date.now(),
        data: { channel: alert.channel, title: alert.title, outcome: 'failed', final },
      });
    }),
  ];
  return { close: () => subs.forEach((x) => x.dispose()) };
}
