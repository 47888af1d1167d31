import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, parseConfigWithWarnings } from './load-config.js';
import { ConfigError } from './config-error.js';
import { RENAMED_KEYS } from './renamed-keys.js';

const refusal = (raw: unknown): string => {
  try {
    parseConfig(raw, 'cfg');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('the config was accepted');
};

describe('config refusals say what was expected', () => {
  it('names the alert channel types that exist when the type is unknown', () => {
    const m = refusal({ alerts: { channels: [{ type: 'sms', to: '+1' }] } });
    assert.match(
      m,
      /field alerts\.channels\[0\]\.type: expected one of "telegram" \| "slack" \| "discord" \| "webhook" \| "stderr" \(got "sms"\)/,
    );
    assert.doesNotMatch(m, /Invalid input/);
  });

  it('names what is missing for the channel type given', () => {
    const m = refusal({ alerts: { channels: [{ type: 'stderr' }, { type: 'telegram' }] } });
    assert.match(
      m,
      /field alerts\.channels\[1\]\.chatId: required, expected string or number \(got nothing\)/,
    );
    assert.doesNotMatch(m, /Invalid input|expected one of/);
    assert.match(
      refusal({ alerts: { channels: [{ type: 'slack' }] } }),
      /field alerts\.channels\[0\]: give url or urlEnv/,
    );
    assert.match(
      refusal({ alerts: { channels: [{ type: 'discord', urlEnv: 'X', chat: 1 }] } }),
      /unknown field alerts\.channels\[0\]\.chat \(check the spelling\)/,
    );
  });

  it('names the store kinds and exchange kinds that exist', () => {
    assert.match(
      refusal({ store: { kind: 'mysql' } }),
      /field store\.kind: expected one of "sqlite" \| "postgres" \(got "mysql"\)/,
    );
    assert.match(
      refusal({ exchange: { kind: 'ftx' } }),
      /field exchange\.kind: expected one of "ccxt" \| "sim-http" \(got "ftx"\)/,
    );
  });
});

describe('every schedule is checked by croner when the config loads', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'heartbeats[0].cron',
      { heartbeats: [{ name: 'n', cron: '61 3 * * *' }] },
      /field heartbeats\[0\]\.cron: not a cron pattern "61 3 \* \* \*" \(Invalid value for minute: 61\)/,
    ],
    [
      'killSwitch.reminderCron',
      { killSwitch: { reminderCron: 'at nine' } },
      /field killSwitch\.reminderCron: not a cron pattern "at nine"/,
    ],
    [
      'strategy.cron',
      { strategy: { cron: '0 25 * * *' } },
      /field strategy\.cron: not a cron pattern "0 25 \* \* \*" \(Invalid value for hour: 25\)/,
    ],
    [
      'lossLimit.cron',
      { lossLimit: { maxLoss: 5, cron: '0 0 * *' } },
      /field lossLimit\.cron: not a cron pattern "0 0 \* \*"/,
    ],
    [
      'a pattern that never fires',
      { strategy: { cron: '0 9 31 2 *' } },
      /field strategy\.cron: the cron pattern "0 9 31 2 \*" never fires/,
    ],
    [
      'heartbeats[0].timezone',
      { heartbeats: [{ name: 'n', cron: '0 3 * * *', timezone: 'Mars/Base' }] },
      /field heartbeats\[0\]\.timezone: unknown time zone "Mars\/Base"/,
    ],
    [
      'killSwitch.reminderTimezone',
      { killSwitch: { reminderTimezone: 'CEST+1' } },
      /field killSwitch\.reminderTimezone: unknown time zone "CEST\+1"/,
    ],
    [
      'lossLimit.timezone with dailyAt',
      { lossLimit: { maxLoss: 5, dailyAt: '09:00', timezone: 'Nowhere/City' } },
      /field lossLimit\.timezone: unknown time zone/,
    ],
  ];
  for (const [name, raw, expected] of cases) {
    it(`refuses a bad ${name}`, () => assert.match(refusal(raw), expected));
  }

  it('accepts good patterns, six-field ones included', () => {
    parseConfig({
      heartbeats: [{ name: 'n', cron: '*/5 9-16 * * 1-5', timezone: 'America/New_York' }],
      killSwitch: { reminderCron: '0 9 * * *' },
      strategy: { cron: '* * * * * *', timezone: 'Europe/Berlin' },
      lossLimit: { maxLoss: 5, cron: '0 0 * * *' },
    });
  });
});

describe('one spelling per concept: old key names are aliases with a warning', () => {
  it('moves every renamed key to its new name and warns with the new one', () => {
    const { config, warnings } = parseConfigWithWarnings(
      {
        heartbeats: [
          { name: 'a', periodSec: 5 },
          { name: 'n', cron: '0 3 * * *', tz: 'Asia/Tokyo' },
        ],
        killSwitch: { reminderTz: 'Europe/Paris' },
        strategy: { schedule: '0 4 * * *' },
      },
      'cfg',
    );
    assert.equal(config.heartbeats[1]!.timezone, 'Asia/Tokyo');
    assert.equal(config.killSwitch.reminderTimezone, 'Europe/Paris');
    assert.equal(config.strategy.cron, '0 4 * * *');
    assert.deepEqual(warnings, [
      'cfg: field heartbeats[1].tz is deprecated: rename it to heartbeats[1].timezone',
      'cfg: field killSwitch.reminderTz is deprecated: rename it to killSwitch.reminderTimezone',
      'cfg: field strategy.schedule is deprecated: rename it to strategy.cron',
    ]);
    assert.equal(RENAMED_KEYS.length, warnings.length, 'one case per renamed key');
  });

  it('refuses the old and the new name together', () => {
    assert.match(
      refusal({ strategy: { schedule: '0 4 * * *', cron: '0 5 * * *' } }),
      /field strategy: give cron only \(schedule is its old name; both are set\)/,
    );
  });

  it('validates an old-named schedule too', () => {
    assert.match(
      refusal({ strategy: { schedule: '0 99 * * *' } }),
      /field strategy\.cron: not a cron pattern/,
    );
  });

  it('reports the warnings of a loaded file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-cfg-'));
    const path = join(dir, 'warden.config.json');
    writeFileSync(path, JSON.stringify({ killSwitch: { reminderTz: 'UTC' } }));
    const loaded = loadConfig({ configPath: path, env: {} });
    assert.deepEqual(loaded.warnings, [
      `${path}: field killSwitch.reminderTz is deprecated: rename it to killSwitch.reminderTimezone`,
    ]);
  });
});
