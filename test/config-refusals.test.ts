import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';
import { userName } from '../src/util/unwritable.js';

describe('refusals a user can act on, for every command', () => {
  it('refuses a bad cron field at load in a reader command, not only in serve', async () => {
    const w = workspace({ strategy: { cron: '0 25 * * *' } });
    const r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^warden: .*warden\.config\.json: field strategy\.cron: not a cron pattern "0 25 \* \* \*" \(Invalid value for hour: 25\)\n$/,
    );
  });

  it('halts the guarded command (fail closed) when a heartbeat cron is bad, naming the field', async () => {
    const w = workspace({ heartbeats: [{ name: 'job', cron: '* * *', graceSec: 5 }] });
    const marker = join(w.dir, 'ran');
    const r = await warden([
      ...w.args,
      'guard',
      '--',
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /field heartbeats\[0\]\.cron: not a cron pattern "\* \* \*"/);
    assert.equal(existsSync(marker), false);
  });

  it('names the alert channel types when the type is unknown', async () => {
    const w = workspace({ alerts: { channels: [{ type: 'pagerduty' }] } });
    const r = await warden([...w.args, 'heartbeat', 'bot']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /field alerts\.channels\[0\]\.type: expected one of "telegram" \| "slack" \| "discord" \| "webhook" \| "stderr" \(got "pagerduty"\)/,
    );
  });

  it('accepts an old key name with a deprecation warning naming the new one', async () => {
    const w = workspace({ killSwitch: { reminderTz: 'Europe/Paris' } });
    const r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { halted: boolean }).halted, false);
    assert.match(
      r.stderr,
      /^warden: warning: .*field killSwitch\.reminderTz is deprecated: rename it to killSwitch\.reminderTimezone\n$/,
    );
  });

  it('accepts the old flag --interval of warden watch with a warning naming --interval-sec', async () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60 }] });
    const r = await warden([...w.args, 'watch', '--once', '--interval', '5']);
    assert.match(r.stderr, /^warden: warning: --interval is deprecated: use --interval-sec\n/);
    const help = await warden(['watch', '--help']);
    assert.match(help.stdout, /--interval-sec <sec>/);
    assert.doesNotMatch(help.stdout, /--interval </);
  });

  it('says which path of a read-only data dir is not writable, and who owns it', async () => {
    const w = workspace({});
    // As root, write as nobody (permissions bind root only on a read-only mount); else make the dir read-only.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      chmodSync(w.dir, 0o755);
      chmodSync(w.args[1]!, 0o644);
      for (const f of readdirSync(w.dataDir)) chmodSync(join(w.dataDir, f), 0o644);
    }
    chmodSync(w.dataDir, asRoot ? 0o755 : 0o555);
    const st = statSync(w.dataDir);
    const ownerName = userName(st.uid) ?? 'uid';
    const r = await warden([...w.args, 'heartbeat', 'bot'], {
      ...(asRoot ? { uid: 65534, gid: 65534, env: { HOME: w.dir } } : {}),
    });
    chmodSync(w.dataDir, 0o755);
    assert.equal(r.code, 1, r.stderr);
    const me = asRoot ? 65534 : process.getuid!();
    const myName = userName(me) ?? 'uid';
    const mode = asRoot ? '0755' : '0555';
    assert.ok(
      r.stderr.includes(
        `${w.dataDir} is not writable by ${myName} (uid ${me}): owned by ${ownerName} (uid ${st.uid}), mode ${mode}`,
      ),
      r.stderr,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
