import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingStream } from '../../util/test-collector.js';
import { ConfigError, parseConfig } from '../../config/index.js';
import { SqliteStore } from '../../store/index.js';
import { KillSwitch } from '../../killswitch/index.js';
import { StrategyBreaker } from '../../strategy/index.js';
import type { AlertInput } from '../../util/alert-sink.js';
import { createLogger } from '../logger.js';
import { telegramCommandsEndpoint } from './from-config.js';
import { telegramCommandsDuty } from './start-telegram-commands.js';

describe('commands.telegram config', () => {
  it('takes the Telegram alert channel token variable and API base unless given its own', () => {
    const withChannel = parseConfig({
      alerts: {
        channels: [{ type: 'telegram', chatId: 1, botTokenEnv: 'MY_BOT', apiBase: 'http://127.0.0.1:9/' }],
      },
      commands: { telegram: { allowChatIds: [1] } },
    });
    assert.deepEqual(telegramCommandsEndpoint(withChannel, { MY_BOT: ' 1:abc ' }), {
      tokenEnv: 'MY_BOT',
      token: '1:abc',
      apiBase: 'http://127.0.0.1:9',
    });
    const own = parseConfig({
      commands: { telegram: { allowChatIds: ['-100200'], botTokenEnv: 'CMD_BOT' } },
    });
    assert.deepEqual(telegramCommandsEndpoint(own, {}), {
      tokenEnv: 'CMD_BOT',
      token: null,
      apiBase: 'https://api.telegram.org',
    });
    assert.equal(telegramCommandsEndpoint(parseConfig({}), {}), null, 'off by default');
  });

  it('refuses an empty allow-list, a non-numeric chat id and an unknown key', () => {
    for (const telegram of [
      { allowChatIds: [] },
      { allowChatIds: ['@mychannel'] },
      { allowChatIds: [1], allowChats: [1] },
    ])
      assert.throws(() => parseConfig({ commands: { telegram } }), ConfigError, JSON.stringify(telegram));
  });

  it('with the token variable unset, does not poll: logs it and raises one critical alert per start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-tgcfg-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0 });
    const alerts: AlertInput[] = [];
    const { stream: out, lines } = collectingStream();
    const config = parseConfig({ commands: { telegram: { allowChatIds: [1] } } });
    const duty = telegramCommandsDuty({
      loaded: { config, path: null, dataDir: dir },
      env: {},
      store,
      killSwitch: ks,
      alerts: { alert: (a) => (alerts.push(a), Promise.resolve()) },
      logger: createLogger({ out, errors: out, pretty: false }),
      strategy: new StrategyBreaker({
        statePath: join(dir, 'strategy_state.json'),
        watch: false,
        reloadIntervalMs: 0,
      }),
    });
    assert.ok(duty);
    const running = duty.start();
    await running.close();
    assert.deepEqual(
      alerts.map((a) => [a.severity, a.title]),
      [['critical', 'Telegram commands off: no bot token']],
    );
    assert.match(
      lines.join(''),
      /telegram commands off: environment variable WARDEN_TELEGRAM_TOKEN is not set/,
    );
    await ks.close();
    await store.close();
  });
});
