import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { unitContext } from './unit-context.js';
import { launchdPlists, LAUNCHD_LABELS } from './launchd.js';

type Plist = string | number | boolean | Plist[] | { [k: string]: Plist };

/** A small XML plist reader (elements, text, entities), strict about nesting: enough to check what launchd would read. */
function readPlist(xml: string): Plist {
  let i = 0;
  const skipMisc = (): void => {
    for (;;) {
      while (i < xml.length && ' \n\r\t'.includes(xml[i]!)) i++;
      if (xml.startsWith('<?', i)) i = xml.indexOf('?>', i) + 2;
      else if (xml.startsWith('<!--', i)) i = xml.indexOf('-->', i) + 3;
      else if (xml.startsWith('<!DOCTYPE', i)) i = xml.indexOf('>', i) + 1;
      else return;
    }
  };
  const tag = (): { name: string; selfClosing: boolean; closing: boolean } => {
    skipMisc();
    assert.equal(xml[i], '<', `expected a tag at ${i}`);
    const end = xml.indexOf('>', i);
    let body = xml.slice(i + 1, end);
    i = end + 1;
    const closing = body.startsWith('/');
    const selfClosing = body.endsWith('/');
    if (closing) body = body.slice(1);
    if (selfClosing) body = body.slice(0, -1);
    return { name: body.split(' ')[0]!, selfClosing, closing };
  };
  const text = (name: string): string => {
    const end = xml.indexOf(`</${name}>`, i);
    const t = xml.slice(i, end);
    assert.ok(!t.includes('<'), `unexpected markup inside <${name}>`);
    i = end + name.length + 3;
    return t
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&');
  };
  const value = (t = tag()): Plist => {
    assert.ok(!t.closing, `unexpected </${t.name}>`);
    switch (t.name) {
      case 'true':
      case 'false':
        assert.ok(t.selfClosing);
        return t.name === 'true';
      case 'string':
        return text('string');
      case 'integer': {
        const s = text('integer');
        assert.match(s, /^-?\d+$/);
        return Number(s);
      }
      case 'array': {
        const out: Plist[] = [];
        for (let n = tag(); !n.closing; n = tag()) out.push(value(n));
        return out;
      }
      case 'dict': {
        const out: { [k: string]: Plist } = {};
        for (let n = tag(); !n.closing; n = tag()) {
          assert.equal(n.name, 'key');
          const k = text('key');
          out[k] = value();
        }
        return out;
      }
      default:
        throw new Error(`unexpected <${t.name}>`);
    }
  };
  const root = tag();
  assert.equal(root.name, 'plist');
  const v = value();
  assert.equal(tag().name, 'plist');
  skipMisc();
  assert.equal(i, xml.length, 'trailing content after </plist>');
  return v;
}

function plists(config: unknown, hostTz: string) {
  const ctx = unitContext(
    {
      config: parseConfig({ heartbeats: [{ name: 'bot', periodSec: 60 }], ...(config as object) }),
      path: '/srv/bot/warden.config.json',
      dataDir: '/srv/bot/data',
    },
    { botCmd: `${process.execPath} bot.js --tag "a&b<c>"`, timers: true },
  );
  const gen = launchdPlists(ctx, hostTz, Date.UTC(2026, 0, 15));
  const byLabel = new Map<string, { [k: string]: Plist }>();
  for (const f of gen.files)
    byLabel.set(f.name.replace(/\.plist$/, ''), readPlist(f.content) as { [k: string]: Plist });
  return { gen, byLabel, ctx };
}

describe('launchd plists', () => {
  it('keeps the bot and the watchdog alive and runs them at load', () => {
    const { byLabel, ctx } = plists({}, 'UTC');
    const timerLabels = Object.values(LAUNCHD_LABELS).filter((l) => l !== LAUNCHD_LABELS.serve);
    assert.deepEqual([...byLabel.keys()].sort(), timerLabels.sort());
    for (const label of [LAUNCHD_LABELS.bot, LAUNCHD_LABELS.watchdog]) {
      const p = byLabel.get(label)!;
      assert.equal(p['Label'], label);
      assert.equal(p['KeepAlive'], true);
      assert.equal(p['RunAtLoad'], true);
      assert.deepEqual(p['EnvironmentVariables'], { WARDEN_DATA_DIR: '/srv/bot/data' });
    }
    assert.deepEqual(byLabel.get(LAUNCHD_LABELS.bot)!['ProgramArguments'], [
      process.execPath,
      'bot.js',
      '--tag',
      'a&b<c>',
    ]);
    assert.deepEqual(byLabel.get(LAUNCHD_LABELS.watchdog)!['ProgramArguments'], [
      process.execPath,
      ctx.wardenBin,
      '--config',
      '/srv/bot/warden.config.json',
      'watch',
    ]);
  });

  it('runs the evaluation and the reminder on StartCalendarInterval', () => {
    const { byLabel, gen } = plists({ killSwitch: { reminderCron: '30 9,21 * * *' } }, 'UTC');
    const ev = byLabel.get(LAUNCHD_LABELS.evaluate)!;
    assert.deepEqual(ev['StartCalendarInterval'], { Hour: 3, Minute: 49 });
    assert.equal(ev['KeepAlive'], undefined);
    assert.deepEqual(byLabel.get(LAUNCHD_LABELS.remind)!['StartCalendarInterval'], [
      { Hour: 9, Minute: 30 },
      { Hour: 21, Minute: 30 },
    ]);
    assert.deepEqual(gen.warnings, []);
  });

  it('refuses a schedule in another zone than the host, naming the setting and warden serve', () => {
    assert.throws(
      () => plists({}, 'America/New_York'),
      /^RangeError: strategy\.cron: "49 3 \* \* \*" cannot be translated exactly: launchd has no time zone: the schedule is in UTC, this host in America\/New_York; give the host's zone \(strategy\.timezone America\/New_York\), or leave out --timers: `warden serve`, the default, runs any cron in any zone$/,
    );
    assert.throws(
      () => plists({ strategy: { timezone: 'America/New_York' } }, 'America/New_York'),
      /^RangeError: killSwitch\.reminderCron: .* \(killSwitch\.reminderTimezone America\/New_York\)/,
    );
    const { byLabel, gen } = plists(
      {
        strategy: { cron: '30 22 * * 1-5', timezone: 'America/New_York' },
        killSwitch: { reminderTimezone: 'US/Eastern' },
      },
      'America/New_York',
    );
    assert.deepEqual(
      byLabel.get(LAUNCHD_LABELS.evaluate)!['StartCalendarInterval'],
      [1, 2, 3, 4, 5].map((Weekday) => ({ Minute: 30, Hour: 22, Weekday })),
    );
    assert.deepEqual(byLabel.get(LAUNCHD_LABELS.remind)!['StartCalendarInterval'], { Minute: 0, Hour: 9 });
    assert.deepEqual(gen.warnings, []);
  });

  it('refuses seconds and schedules too long for one plist, naming warden serve', () => {
    assert.throws(
      () => plists({ strategy: { cron: '30 49 3 * * *' } }, 'UTC'),
      /strategy\.cron: .*launchd has no seconds field; leave out --timers/,
    );
    assert.throws(
      () => plists({ killSwitch: { reminderCron: '* * * * 1-5' } }, 'UTC'),
      /killSwitch\.reminderCron: .*expands to 7200 launchd entries \(at most 5000\); leave out --timers/,
    );
  });

  const python = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' });
  it(
    "reads back identically with Python's plistlib",
    { skip: python.status !== 0 ? 'python3 is not installed' : false },
    () => {
      const { gen, byLabel } = plists({ killSwitch: { reminderCron: '30 9,21 * * *' } }, 'UTC');
      for (const f of gen.files) {
        const r = spawnSync(
          'python3',
          ['-c', 'import sys, json, plistlib; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
          { input: f.content, encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), byLabel.get(f.name.replace(/\.plist$/, '')));
      }
    },
  );

  const plutil = spawnSync('sh', ['-c', 'command -v plutil'], { encoding: 'utf8' });
  it('passes plutil -lint', { skip: plutil.status !== 0 ? 'plutil is not installed' : false }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-plist-'));
    try {
      for (const f of plists({}, 'UTC').gen.files) {
        writeFileSync(join(dir, f.name), f.content);
        const r = spawnSync('plutil', ['-lint', join(dir, f.name)], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
