import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { globalOptions, out } from './context.js';
import { CliError } from './cli-error.js';
import { loadConfig, parseConfig } from '../config/index.js';
import { storePath } from '../store/index.js';
import { initStore } from './runtime.js';

/** The starter config. JSON has no comments, so notes live under "//" keys, which the loader ignores. */
export const STARTER_CONFIG = {
  '//': 'Warden config. Every field is optional; the values shown are the defaults. Docs: README.md.',
  dataDir: 'data',
  store: {
    '//': 'sqlite: one file in the data dir (one host). Fleet: {"kind":"postgres","urlEnv":"WARDEN_PG_URL","schema":"warden"} (docs/fleet.md).',
    kind: 'sqlite',
    path: 'warden.db',
  },
  killSwitch: {
    '//': 'flattenCommand: ["cmd","arg"] run by `warden trip --flatten` to cancel orders and close positions. A reminder goes out on reminderCron while halted.',
    reminderCron: '0 9 * * *',
    reminderTz: 'UTC',
    flattenTimeoutSec: 60,
    '//reserve':
      'reserveBytes: zeros kept in the data dir (.warden-reserve), released on a full disk so a trip can still be recorded; 0 = none.',
    reserveBytes: 262144,
  },
  heartbeats: [
    {
      '//': 'periodSec + graceSec, or cron + tz + graceSec for a scheduled job. tripOnFailure halts trading when the beat is missing, late, failed or not ok.',
      name: 'bot',
      periodSec: 60,
      graceSec: 60,
      tripOnFailure: true,
      flatten: false,
    },
  ],
  watchdog: { intervalSec: 15, maxClockDriftMs: 2000 },
  alerts: {
    '//': 'channels: {"type":"telegram","chatId":123,"botTokenEnv":"WARDEN_TELEGRAM_TOKEN"}, {"type":"slack","urlEnv":"WARDEN_SLACK_URL"}, {"type":"discord","urlEnv":"WARDEN_DISCORD_URL"}, {"type":"webhook","url":"http://127.0.0.1:9000/hook"}, {"type":"stderr"}. Secrets come from environment variables, never from this file.',
    channels: [{ type: 'stderr' }],
    ratePerMinute: 20,
    maxAttempts: 10,
  },
  strategy: {
    '//': 'The strategy breaker: `warden evaluate` reads `trades`, writes `state`; stateKey "sports" keeps seed readers working.',
    trades: 'trades.jsonl',
    stateKey: 'strategies',
    groupBy: 'sport',
    trip: -0.05,
    recover: 0,
    minN: 30,
    windowDays: 30,
  },
  daemon: {
    '//': 'warden serve binds 127.0.0.1; mutating endpoints need the token in $WARDEN_TOKEN.',
    host: '127.0.0.1',
    port: 8787,
    tokenEnv: 'WARDEN_TOKEN',
  },
};

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
