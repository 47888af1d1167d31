import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/index.js';
import type { AuditManifest } from '../src/ops/index.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'warden.js');

const env = { ...process.env };
delete env['WARDEN_DATA_DIR'];
// launchd has no time zone: its plists are generated only for schedules in the host's zone (UTC here).
env['TZ'] = 'UTC';

function warden(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('warden install and audit export (process level)', () => {
  let root: string;
  let work: string;
  let data: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'warden-ops-cli-'));
    work = join(root, 'work');
    data = join(root, 'data');
    mkdirSync(work);
    mkdirSync(data);
    writeFileSync(
      join(work, 'warden.config.json'),
      JSON.stringify({
        strategy: { cron: '49 3 * * *' },
        killSwitch: { reminderCron: '0 9 * * *' },
        alerts: { channels: [{ type: 'webhook', url: 'https://hooks.example/secret-path' }] },
      }),
    );
    const store = SqliteStore.open(join(data, 'warden.db'));
    const who = { host: 'test', pid: 1, flatten: false };
    await store.killSwitch.append({
      ...who,
      action: 'trip',
      at: 1_000,
      reason: 'heartbeat stale: 1200s',
      by: 'watchdog',
      source: 'watchdog',
    });
    await store.killSwitch.append({
      ...who,
      action: 'resume',
      at: 2_000,
      reason: 'exchange back',
      by: 'alice',
      source: 'cli',
    });
    await store.heartbeats.record({
      name: 'bot',
      at: 1_500,
      kind: 'beat',
      status: 'ok',
      extra: { cycle: 7 },
    });
    await store.close();
    writeFileSync(join(data, 'heartbeat.json'), '{"at": 1.5, "iso": "1970-01-01T00:00:01Z", "status": "ok"}');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes the systemd units with absolute paths and prints how to enable them', () => {
    const out = join(root, 'units');
    const r = warden(
      work,
      '--data-dir',
      data,
      'install',
      'systemd',
      '--out',
      out,
      '--bot-cmd',
      `${process.execPath} bot.js`,
      '--watchdog-sec',
      '20',
      '--timers',
    );
    assert.equal(r.code, 0, r.stderr);
    for (const f of [
      'warden-bot.service',
      'warden-watchdog.service',
      'warden-evaluate.service',
      'warden-evaluate.timer',
      'warden-remind.service',
      'warden-remind.timer',
    ]) {
      assert.ok(existsSync(join(out, f)), f);
      assert.ok(r.stdout.includes(join(out, f)), `stdout names ${f}`);
    }
    assert.match(
      r.stdout,
      /systemctl daemon-reload && sudo systemctl enable --now warden-bot\.service warden-watchdog\.service warden-evaluate\.timer warden-remind\.timer/,
    );
    const wd = readFileSync(join(out, 'warden-watchdog.service'), 'utf8');
    assert.ok(
      wd.includes(`ExecStart=${process.execPath} ${BIN} --config ${join(work, 'warden.config.json')} watch`),
    );
    assert.ok(wd.includes(`Environment="WARDEN_DATA_DIR=${data}"`));
    assert.match(readFileSync(join(out, 'warden-bot.service'), 'utf8'), /^WatchdogSec=20$/m);
  });

  it('refuses a cron no timer can run exactly with one line naming warden serve, and exit 1', () => {
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ strategy: { cron: '0 9 1 * 1' } }));
    const r = warden(
      work,
      '--config',
      join(root, 'bad.json'),
      '--data-dir',
      data,
      'install',
      'launchd',
      '--out',
      join(root, 'pl'),
      '--timers',
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^warden: install: strategy\.cron: "0 9 1 \* 1" cannot be translated exactly: .*; or leave out --timers: `warden serve`, the default, runs any cron in any zone\n$/,
    );
    assert.equal(existsSync(join(root, 'pl')), false, 'no file written');
  });

  it('exports the systemd units when launchd refuses a schedule in another zone, noting why', () => {
    writeFileSync(
      join(root, 'ny.json'),
      JSON.stringify({ strategy: { cron: '49 3 * * *', timezone: 'America/New_York' } }),
    );
    const dir = join(root, 'audit-ny');
    const r = warden(
      work,
      '--config',
      join(root, 'ny.json'),
      '--data-dir',
      data,
      'audit',
      'export',
      dir,
      '--timers',
    );
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as AuditManifest;
    const paths = m.files.map((f) => f.path);
    assert.ok(paths.includes('units/systemd/warden-evaluate.timer'), paths.join(' '));
    assert.ok(!paths.some((p) => p.startsWith('units/launchd/')), paths.join(' '));
    assert.ok(
      m.notes.some((n) =>
        /^units\/launchd: not generated: strategy\.cron: .*launchd has no time zone: the schedule is in America\/New_York, this host in UTC/.test(
          n,
        ),
      ),
      m.notes.join('\n'),
    );
    assert.match(
      readFileSync(join(dir, 'units', 'systemd', 'warden-evaluate.timer'), 'utf8'),
      /^OnCalendar=\*-\*-\* 03:49:00 America\/New_York$/m,
    );
  });

  it('exports what an auditor asks for, with a manifest whose hashes match', () => {
    const dir = join(root, 'audit');
    const r = warden(work, '--data-dir', data, 'audit', 'export', dir, '--timers');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /missing: circuit\.json/);
    const m = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as AuditManifest;
    assert.ok(Math.abs(Date.parse(m.exportedAt) - Date.now()) < 60_000);
    assert.deepEqual(
      m.missing.map((x) => x.path),
      ['circuit.json'],
    );
    const paths = m.files.map((f) => f.path);
    for (const p of [
      'heartbeat.json',
      'killswitch-history.jsonl',
      'heartbeats.json',
      'alerts.jsonl',
      'config.json',
      'config-effective.json',
      'units/systemd/warden-watchdog.service',
      'units/systemd/warden-evaluate.timer',
      'units/launchd/com.warden.remind.plist',
    ]) {
      assert.ok(paths.includes(p), `manifest lists ${p}`);
    }
    for (const f of m.files) {
      const buf = readFileSync(join(dir, ...f.path.split('/')));
      assert.equal(createHash('sha256').update(buf).digest('hex'), f.sha256, f.path);
      assert.equal(buf.length, f.bytes, f.path);
    }
    assert.equal(
      readFileSync(join(dir, 'heartbeat.json'), 'utf8'),
      readFileSync(join(data, 'heartbeat.json'), 'utf8'),
    );
    const history = readFileSync(join(dir, 'killswitch-history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; by: string; reason: string });
    assert.deepEqual(
      history.map((e) => [e.action, e.by, e.reason]),
      [
        ['trip', 'watchdog', 'heartbeat stale: 1200s'],
        ['resume', 'alice', 'exchange back'],
      ],
    );
    const beats = JSON.parse(readFileSync(join(dir, 'heartbeats.json'), 'utf8')) as { name: string }[];
    assert.deepEqual(
      beats.map((b) => b.name),
      ['bot'],
    );
    const config = readFileSync(join(dir, 'config.json'), 'utf8');
    assert.doesNotMatch(config, /secret-path/);
    assert.match(config, /\[redacted\]/);
  });

  it('copies circuit.json and decisions.jsonl when they exist', () => {
    writeFileSync(join(data, 'circuit.json'), '{"paused": true, "reason": "manual", "since": 12.5}');
    writeFileSync(join(data, 'decisions.jsonl'), '{"seq":1}\n');
    writeFileSync(join(data, 'heartbeat-bot.json'), '{"at": 2, "iso": "x", "status": "ok", "name": "bot"}');
    const dir = join(root, 'audit2');
    const r = warden(work, '--data-dir', data, 'audit', 'export', dir, '--json');
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as AuditManifest;
    assert.deepEqual(m.missing, []);
    assert.equal(
      readFileSync(join(dir, 'circuit.json'), 'utf8'),
      '{"paused": true, "reason": "manual", "since": 12.5}',
    );
    for (const p of ['decisions.jsonl', 'heartbeat-bot.json']) {
      assert.ok(
        m.files.some((f) => f.path === p),
        p,
      );
    }
  });

  it('refuses a non-empty target with one line and exit 1, and accepts it with --force', () => {
    const dir = join(root, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const r = warden(work, '--data-dir', data, 'audit', 'export', dir, '--timers');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^warden: audit export: .*busy is not empty .*--force\n$/);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(join(dir, 'MANIFEST.json')), false);
    const f = warden(work, '--data-dir', data, 'audit', 'export', dir, '--force');
    assert.equal(f.code, 0, f.stderr);
    assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'keep me');
    assert.ok(existsSync(join(dir, 'MANIFEST.json')));
  });
});
