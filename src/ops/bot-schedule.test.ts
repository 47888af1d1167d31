import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { parseConfig } from '../config/index.js';
import { unitContext, type UnitOptions } from './unit-context.js';
import { SYSTEMD_UNITS, systemdUnits } from './units.js';
import { LAUNCHD_LABELS, launchdPlists } from './launchd.js';
import { writeUnits } from './write-units.js';
import {
  parseCronCalendar,
  toLaunchdIntervals,
  toOnCalendarExpr,
  type LaunchdInterval,
} from './cron-calendar.js';

const CRONS: [string, string][] = [
  ['*/5 9-16 * * 1-5', 'America/New_York'],
  ['49 3 * * *', 'UTC'],
  ['0 0 1,15 * *', 'Europe/Berlin'],
  ['30 */2 * 1-3 0,6', 'UTC'],
  ['7,8,9,40 22 * * SUN', 'Asia/Tokyo'],
  ['*/10 * * * * *', 'UTC'],
  ['0 9 * * MON-FRI', 'Europe/London'],
];

const ctxFor = (opts: UnitOptions) =>
  unitContext(
    {
      config: parseConfig({ heartbeats: [{ name: 'bot', periodSec: 60 }] }),
      path: '/srv/bot/warden.config.json',
      dataDir: '/srv/bot/data',
    },
    { botCmd: `${process.execPath} bot.js`, ...opts },
  );

const systemdAnalyze =
  spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).status === 0;

/** The next elapses systemd computes for an OnCalendar expression, as ms (host clock in UTC). */
function systemdElapses(expr: string, n: number): number[] {
  const r = spawnSync('systemd-analyze', ['calendar', `--iterations=${n}`, expr], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  assert.equal(r.status, 0, r.stderr);
  return [
    ...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC/g),
  ].map((m) => Date.parse(`${m[1]}T${m[2]}Z`));
}

describe('--bot-schedule: the bot as a periodic job through warden guard', () => {
  it(
    'translates crons to OnCalendar= that fires exactly when croner does (systemd-analyze calendar)',
    {
      skip: !systemdAnalyze && 'systemd-analyze is not installed',
    },
    () => {
      for (const [expr, tz] of CRONS) {
        const on = toOnCalendarExpr(parseCronCalendar(expr, tz, 'test'));
        const sys = systemdElapses(on, 40);
        assert.equal(sys.length, 40, `${expr}: ${on}`);
        // croner from a moment before systemd looked: systemd's runs are a contiguous stretch of croner's.
        const cron = new Cron(expr, { timezone: tz, paused: true })
          .nextRuns(60, new Date(sys[0]! - 1000))
          .map((d) => d.getTime());
        assert.deepEqual(sys, cron.slice(0, 40), `${expr} ${tz} -> ${on}`);
      }
    },
  );

  it(
    'gives the --timers evaluation and reminder the same exact OnCalendar= (systemd-analyze calendar)',
    { skip: !systemdAnalyze && 'systemd-analyze is not installed' },
    () => {
      for (const [expr, tz] of CRONS) {
        const gen = systemdUnits(
          unitContext(
            {
              config: parseConfig({
                strategy: { cron: expr, timezone: tz },
                killSwitch: { reminderCron: expr, reminderTimezone: tz },
              }),
              path: null,
              dataDir: '/srv/bot/data',
            },
            { timers: true },
          ),
        );
        for (const name of [SYSTEMD_UNITS.evaluateTimer, SYSTEMD_UNITS.remindTimer]) {
          const text = gen.files.find((f) => f.name === name)!.content;
          const on = /^OnCalendar=(.*)$/m.exec(text)![1]!;
          assert.match(text, /^AccuracySec=1s$/m, name);
          assert.match(text, /^Persistent=true$/m, name);
          const sys = systemdElapses(on, 40);
          assert.equal(sys.length, 40, `${expr}: ${on}`);
          const cron = new Cron(expr, { timezone: tz, paused: true })
            .nextRuns(60, new Date(sys[0]! - 1000))
            .map((d) => d.getTime());
          assert.deepEqual(sys, cron.slice(0, 40), `${name}: ${expr} ${tz} -> ${on}`);
        }
      }
    },
  );

  it('translates crons to StartCalendarInterval entries that match exactly the minutes croner fires', () => {
    const matches = (ivs: LaunchdInterval[], d: Date): boolean =>
      ivs.some(
        (iv) =>
          iv.Minute === d.getUTCMinutes() &&
          iv.Hour === d.getUTCHours() &&
          (iv.Day === undefined || iv.Day === d.getUTCDate()) &&
          (iv.Month === undefined || iv.Month === d.getUTCMonth() + 1) &&
          (iv.Weekday === undefined || iv.Weekday % 7 === d.getUTCDay()),
      );
    for (const [expr] of CRONS.filter(([e]) => e.split(' ').length === 5)) {
      const ivs = toLaunchdIntervals(parseCronCalendar(expr, 'UTC', 'test'), 'UTC', (a, b) => a === b, {
        source: 'test',
        zoneSetting: 'tz',
        otherwise: 'use systemd',
      });
      const start = Date.UTC(2026, 0, 1);
      const end = start + 15 * 86_400_000;
      const fires = new Set(
        new Cron(expr, { timezone: 'UTC', paused: true })
          .nextRuns(1500, new Date(start - 1))
          .map((d) => d.getTime())
          .filter((t) => t < end),
      );
      for (let t = start; t < end; t += 60_000)
        assert.equal(matches(ivs, new Date(t)), fires.has(t), `${expr} at ${new Date(t).toISOString()}`);
    }
  });

  it(
    'writes a oneshot guard unit with its timer, and the daemon unit instead of the watchdog and timers',
    {
      skip: !systemdAnalyze && 'systemd-analyze is not installed',
    },
    () => {
      const gen = systemdUnits(ctxFor({ botSchedule: '*/5 9-16 * * 1-5', botTimezone: 'America/New_York' }));
      const names = gen.files.map((f) => f.name).sort();
      assert.deepEqual(names, [SYSTEMD_UNITS.bot, SYSTEMD_UNITS.botTimer, SYSTEMD_UNITS.serve].sort());
      const text = (n: string) => gen.files.find((f) => f.name === n)!.content;
      assert.match(
        text(SYSTEMD_UNITS.botTimer),
        /^OnCalendar=Mon\.\.Fri \*-\*-\* 09\.\.16:00\/5:00 America\/New_York$/m,
      );
      assert.match(text(SYSTEMD_UNITS.bot), /^Type=oneshot$/m);
      assert.match(
        text(SYSTEMD_UNITS.bot),
        new RegExp(`^ExecStart=.* guard -- ${process.execPath} bot\\.js$`, 'm'),
      );
      assert.doesNotMatch(text(SYSTEMD_UNITS.bot), /^Restart=/m);
      assert.match(
        text(SYSTEMD_UNITS.serve),
        /^ExecStart=.*warden\.js --config \/srv\/bot\/warden\.config\.json serve$/m,
      );
      assert.match(text(SYSTEMD_UNITS.serve), /^Restart=always$/m);
      assert.ok(
        gen
          .enableCommands('/x')
          .some((c) => c.includes(`enable --now ${SYSTEMD_UNITS.botTimer} ${SYSTEMD_UNITS.serve}`)),
      );
      const dir = mkdtempSync(join(tmpdir(), 'warden-units-'));
      try {
        writeUnits(gen, dir);
        const files = readdirSync(dir).map((f) => join(dir, f));
        const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8', cwd: dir });
        assert.equal(r.status, 0, r.stdout + r.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'writes a launchd job on StartCalendarInterval that plistlib reads, and the daemon kept alive',
    {
      skip: spawnSync('sh', ['-c', 'command -v python3']).status !== 0 && 'python3 is not installed',
    },
    () => {
      const gen = launchdPlists(ctxFor({ botSchedule: '*/15 9-10 * * 1-5' }), 'UTC', Date.UTC(2026, 0, 15));
      const read = (label: string) => {
        const f = gen.files.find((x) => x.name === `${label}.plist`)!;
        const r = spawnSync(
          'python3',
          ['-c', 'import sys, json, plistlib; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
          { input: f.content, encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, unknown>;
      };
      const bot = read(LAUNCHD_LABELS.bot);
      const ivs = bot['StartCalendarInterval'] as LaunchdInterval[];
      assert.equal(ivs.length, 4 * 2 * 5);
      assert.deepEqual(ivs[0], { Minute: 0, Hour: 9, Weekday: 1 });
      assert.equal(bot['KeepAlive'], undefined);
      assert.deepEqual((bot['ProgramArguments'] as string[]).slice(-4), [
        'guard',
        '--',
        process.execPath,
        'bot.js',
      ]);
      const serve = read(LAUNCHD_LABELS.serve);
      assert.equal(serve['KeepAlive'], true);
      assert.equal((serve['ProgramArguments'] as string[]).at(-1), 'serve');
      assert.deepEqual(gen.files.map((f) => f.name).sort(), [
        `${LAUNCHD_LABELS.bot}.plist`,
        `${LAUNCHD_LABELS.serve}.plist`,
      ]);
    },
  );

  it('refuses a cron no timer can express exactly, naming why', () => {
    const refusals: [string, UnitOptions, RegExp][] = [
      [
        'day and weekday',
        { botSchedule: '0 9 1 * 1' },
        /--bot-schedule: "0 9 1 \* 1" cannot be translated exactly: it restricts both the day of month and the weekday/,
      ],
      [
        'L',
        { botSchedule: '0 9 L * *' },
        /day of month "L" is not a number \(L, W and # have no timer equivalent\)/,
      ],
      ['#', { botSchedule: '0 9 * * 5#2' }, /weekday "5#2" is not a number/],
      [
        'a bad zone',
        { botSchedule: '0 9 * * *', botTimezone: 'Mars/Base' },
        /--bot-schedule: unknown time zone "Mars\/Base"/,
      ],
      [
        'no bot',
        { botCmd: undefined, botSchedule: '0 9 * * *' },
        /--bot-schedule schedules the bot: give --bot-cmd too/,
      ],
      [
        'with --watchdog-sec',
        { botSchedule: '0 9 * * *', watchdogSec: 60 },
        /--watchdog-sec watches a long-running bot/,
      ],
    ];
    for (const [name, opts, re] of refusals) assert.throws(() => ctxFor(opts), re, name);
    assert.throws(
      () => launchdPlists(ctxFor({ botSchedule: '*/10 * * * * *' }), 'UTC'),
      /launchd has no seconds field/,
    );
    assert.throws(
      () =>
        launchdPlists(ctxFor({ botSchedule: '0 9 * * *', botTimezone: 'America/New_York' }), 'Europe/Paris'),
      /launchd has no time zone: the schedule is in America\/New_York, this host in Europe\/Paris/,
    );
    assert.throws(
      () => launchdPlists(ctxFor({ botSchedule: '* * * * 1-5' }), 'UTC'),
      /expands to 7200 launchd entries/,
    );
  });
});
