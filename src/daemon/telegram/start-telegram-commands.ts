// The daemon's Telegram commands, built from the config: one leader duty.
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '../../config/index.js';
import type { KillSwitch } from '../../killswitch/index.js';
import type { Store } from '../../store/index.js';
import type { AlertSink } from '../../util/alert-sink.js';
import type { DeadLetterQueue } from '../../orders/index.js';
import type { DecisionLog } from '../../decisions/index.js';
import { Redactor, type Env } from '../../alerts/index.js';
import type { StrategyBreaker } from '../../strategy/index.js';
import type { WardenLogger } from '../logger.js';
import type { LeaderDuty } from '../leadership.js';
import { AllowList } from './allow-list.js';
import { BotApi } from './bot-api.js';
import { telegramCommandsEndpoint, telegramCommandsSecrets } from './from-config.js';
import { TelegramCommands } from './telegram-commands.js';
import { telegramCounters } from './telegram-metrics.js';
import { TelegramPoller } from './telegram-poller.js';

/** What the daemon hands the Telegram commands. */
export interface TelegramCommandsDeps {
  readonly loaded: LoadedConfig;
  readonly env: Env;
  readonly store: Store;
  readonly killSwitch: KillSwitch;
  readonly alerts: AlertSink;
  readonly logger: WardenLogger;
  readonly dlq?: DeadLetterQueue;
  readonly decisions?: DecisionLog;
  /** The daemon's strategy breaker: `/strategies` shows the state it answers from (file or store). */
  readonly strategy: Pick<StrategyBreaker, 'document'>;
  /** The daemon's metrics registry: the commands' counters are registered there. */
  readonly registry?: Registry;
}

/**
 * The leader duty that polls Telegram for commands, or null when the config has no
 * `commands.telegram`. A token variable that is not set does not stop the daemon: the duty
 * logs it and raises one critical alert each time it starts.
 */
export function telegramCommandsDuty(d: TelegramCommandsDeps): LeaderDuty | null {
  const { config } = d.loaded;
  const c = config.commands.telegram;
  const endpoint = telegramCommandsEndpoint(config, d.env);
  if (c === undefined || endpoint === null) return null;
  const counters = d.registry ? telegramCounters(d.registry) : undefined;
  const name = 'Telegram commands';
  const token = endpoint.token;
  if (token === null)
    return {
      name,
      start() {
        const why = `environment variable ${endpoint.tokenEnv} is not set`;
        d.logger.error(`telegram commands off: ${why}`);
        d.alerts
          .alert({
            key: `telegram-commands:no-token:${Date.now()}`,
            severity: 'critical',
            title: 'Telegram commands off: no bot token',
            body: `commands.telegram is configured but ${why}: the kill switch from the phone does not work. Set it and restart warden serve.`,
          })
          .catch((err: unknown) => d.logger.error({ err }, 'alert failed'));
        return { close: () => undefined };
      },
    };
  const redactor = new Redactor(telegramCommandsSecrets(config, d.env));
  return {
    name,
    start() {
      const poller = new TelegramPoller({
        api: new BotApi({ apiBase: endpoint.apiBase, token, redactor }),
        store: d.store,
        commands: new TelegramCommands({
          killSwitch: d.killSwitch,
          store: d.store,
          heartbeats: config.heartbeats,
          strategy: { breaker: d.strategy, stateKey: config.strategy.stateKey },
          dlq: d.dlq,
          decisions: d.decisions,
          resumeMaxAgeMs: c.resumeMaxAgeSec * 1000,
          onDecisionError: (err) => d.logger.error({ err }, 'telegram commands: decision not logged'),
        }),
        allow: new AllowList({
          chatIds: c.allowChatIds,
          userIds: c.allowUserIds,
          replyEveryMs: c.refusedReplyEverySec * 1000,
        }),
        alerts: d.alerts,
        logger: d.logger,
        pollTimeoutSec: c.pollTimeoutSec,
        outageAlertAfterMs: c.outageAlertAfterSec * 1000,
        counters,
      });
      poller.start();
      return { close: () => poller.close() };
    },
  };
}
