import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { unitContext, type UnitOptions } from './unit-context.js';
import { systemdUnits, SYSTEMD_UNITS } from './units.js';
import { writeUnits } from './write-units.js';
import type { GeneratedUnits } from './unit-file.js';

type Ini = Map<string, Map<string, string[]>>;

/** Parses a unit file into sections of keys, each key with every value it was given. */
function parseIni(text: string): Ini {
  const out: Ini = new Map();
  let section: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      section = new Map();
      out.set(line.slice(1, -1), section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section !== null && eq > 0, `line outside a section or without "=": ${line}`);
    const k = line.slice(0, eq);
    section.set(k, [...(section.get(k) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function value(ini: Ini, section: string, key: string): string | undefined {
  return ini.get(section)?.get(key)?.at(-1);
}

function unit(gen: GeneratedUnits, name: string): Ini {
  const f = gen.files.find((x) => x.name === name);
  assert.ok(f, `${name} generated`);
  return parseIni(f.content);
}

function generate(config: unknown, opts: UnitOptions, path: string | null = '/srv/bot/warden.config.json') {
  // These cases are the timer units (--timers); the daemon's unit and the bot's timer are below.
  const ctx = unitContext(
    { config: parseConfig(config), path, dataDir: '/srv/bot/data dir' },
    { timers: true, ...opts },
  );
  return { ctx, gen: systemdUnits(ctx) };
}

const bot = `${process.execPath} bot.js --name "a b"`;

describe('systemd units', () => {
  it('restarts the bot and the watchdog always, with absolute node, bin and config', () => {
    const { ctx, gen } = generate({}, { botCmd: bot });
    for (const name of [SYSTEMD_UNITS.bot, SYSTEMD_UNITS.watchdog]) {
      const u = unit(gen, name);
      assert.equal(value(u, 'Service', 'Restart'), 'always');
      assert.equal(value(u, 'Service', 'RestartSec'), '5');
      assert.equal(value(u, 'Service', 'WorkingDirectory'), '/srv/bot');
      assert.equal(value(u, 'Service', 'Environment'), '"WARDEN_DATA_DIR=/srv/bot/data dir"');
    }
    assert.equal(
      value(unit(gen, SYSTEMD_UNITS.bot), 'Service', 'ExecStart'),
      `${process.execPath} bot.js --name "a b"`,
    );
    assert.equal(
      value(unit(gen, SYSTEMD_UNITS.watchdog), 'Service', 'ExecStart'),
      `${process.execPath} ${ctx.wardenBin} --config /srv/bot/warden.config.json watch`,
    );
    assert.match(ctx.wardenBin, /\/bin\/warden\.js$/);
    assert.equal(value(unit(gen, SYSTEMD_UNITS.bot), 'Service', 'WatchdogSec'), undefined);
  });

  it('gives the bot WatchdogSec and NotifyAccess=all with --watchdog-sec', () => {
    const { gen } = generate({}, { botCmd: bot, watchdogSec: '30' });
    const u = unit(gen, SYSTEMD_UNITS.bot);
    assert.equal(value(u, 'Service', 'WatchdogSec'), '30');
    assert.equal(value(u, 'Service', 'NotifyAccess'), 'all');
    assert.equal(value(u, 'Service', 'Restart'), 'always');
    assert.equal(value(u, 'Service', 'Type'), 'simple');
    assert.match(gen.files.find((f) => f.name === SYSTEMD_UNITS.bot)!.content, /systemd-notify WATCHDOG=1/);
  });

  it('derives OnCalendar from the crons, with Persistent timers', () => {
    const { gen } = generate(
      {
        strategy: { cron: '49 3 * * *', timezone: 'Europe/Berlin' },
        killSwitch: { reminderCron: '0 9,21 * * *' },
      },
      {},
    );
    const ev = unit(gen, SYSTEMD_UNITS.evaluateTimer);
    assert.equal(value(ev, 'Timer', 'OnCalendar'), '*-*-* 03:49:00 Europe/Berlin');
    assert.equal(value(ev, 'Timer', 'Persistent'), 'true');
    assert.equal(value(ev, 'Timer', 'Unit'), SYSTEMD_UNITS.evaluate);
    const rm = unit(gen, SYSTEMD_UNITS.remindTimer);
    assert.equal(value(rm, 'Timer', 'OnCalendar'), '*-*-* 09,21:00:00 UTC');
    assert.equal(value(rm, 'Timer', 'Persistent'), 'true');
    assert.equal(value(unit(gen, SYSTEMD_UNITS.remind), 'Service', 'Type'), 'oneshot');
    assert.match(value(unit(gen, SYSTEMD_UNITS.remind), 'Service', 'ExecStart') ?? '', / remind$/);
    assert.match(
      value(unit(gen, SYSTEMD_UNITS.evaluate), 'Service', 'ExecStart') ?? '',
      / evaluate --alert$/,
    );
  });

  it('leaves the bot unit out, with a warning, when no bot command is given', () => {
    const { gen } = generate({}, {});
    assert.equal(gen.files.length, 5);
    assert.ok(gen.warnings.some((w) => w.includes('--bot-cmd')));
  });

  it('escapes % and $ and omits --config when there is no config file', () => {
    const { gen } = generate({}, { botCmd: `${process.execPath} -e "console.log('50% of $HOME')"` }, null);
    assert.equal(
      value(unit(gen, SYSTEMD_UNITS.bot), 'Service', 'ExecStart'),
      `${process.execPath} -e "console.log('50%% of $$HOME')"`,
    );
    assert.doesNotMatch(value(unit(gen, SYSTEMD_UNITS.watchdog), 'Service', 'ExecStart') ?? '', /--config/);
  });

  it('writes user units for --user and tells how to enable them', () => {
    const { gen } = generate({}, { botCmd: bot, user: true });
    assert.equal(value(unit(gen, SYSTEMD_UNITS.bot), 'Install', 'WantedBy'), 'default.target');
    assert.equal(value(unit(gen, SYSTEMD_UNITS.bot), 'Service', 'User'), undefined);
    const cmds = gen.enableCommands('/out').join('\n');
    assert.match(cmds, /systemctl --user daemon-reload && systemctl --user enable --now warden-bot\.service/);
    assert.match(cmds, /warden-evaluate\.timer warden-remind\.timer/);
  });

  it('warns when no heartbeat is configured and when WatchdogSec is not longer than the beat period', () => {
    assert.match(generate({}, {}).gen.warnings.join('\n'), /no heartbeats configured/);
    const hb = { heartbeats: [{ name: 'bot', periodSec: 60 }] };
    assert.deepEqual(generate(hb, { botCmd: bot, watchdogSec: 120 }).gen.warnings, []);
    assert.match(
      generate(hb, { botCmd: bot, watchdogSec: 60 }).gen.warnings.join('\n'),
      /--watchdog-sec 60 is not longer than the heartbeat period \(60s\)/,
    );
  });

  it('translates any cron a timer runs exactly, and refuses the rest naming the setting and warden serve', () => {
    const { gen } = generate(
      { strategy: { cron: '*/15 9-16 * * 1-5' }, killSwitch: { reminderCron: '0 0 1,15 * *' } },
      {},
    );
    assert.equal(
      value(unit(gen, SYSTEMD_UNITS.evaluateTimer), 'Timer', 'OnCalendar'),
      'Mon..Fri *-*-* 09..16:00/15:00 UTC',
    );
    assert.equal(
      value(unit(gen, SYSTEMD_UNITS.remindTimer), 'Timer', 'OnCalendar'),
      '*-*-01,15 00:00:00 UTC',
    );
    assert.throws(
      () => generate({ strategy: { cron: '0 9 1 * 1' } }, {}),
      /^RangeError: strategy\.cron: "0 9 1 \* 1" cannot be translated exactly: it restricts both the day of month and the weekday.*; or leave out --timers: `warden serve`, the default, runs any cron in any zone$/,
    );
    assert.throws(
      () => generate({ killSwitch: { reminderCron: '0 9 L * *' } }, {}),
      /^RangeError: killSwitch\.reminderCron: "0 9 L \* \*" cannot be translated exactly: .*; or leave out --timers/,
    );
    assert.throws(() => generate({}, { botCmd: bot, watchdogSec: '1.5' }), /--watchdog-sec/);
    assert.throws(() => generate({}, { watchdogSec: 10 }), /give --bot-cmd/);
    assert.throws(() => generate({}, { botCmd: 'no-such-program-warden-test' }), /not on PATH/);
    assert.throws(() => generate({}, { botCmd: 'python "unterminated' }), /unterminated/);
  });

  const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  it(
    'passes systemd-analyze verify',
    { skip: analyze.status !== 0 ? 'systemd-analyze is not installed' : false },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-units-'));
      try {
        const { gen } = generate({}, { botCmd: `${process.execPath} bot.js`, watchdogSec: 20 });
        const paths = writeUnits(gen, dir);
        const r = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' });
        assert.equal(r.status, 0, `systemd-analyze verify failed:\n${r.stderr}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
