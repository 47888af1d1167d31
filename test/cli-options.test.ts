import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, warden, workspace } from './helpers/cli.js';

describe('warden CLI: options as people type them', () => {
  it('answers --version with the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await warden([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
    }
  });

  it('takes --config and --data-dir after the subcommand as well as before it', async () => {
    const w = workspace();
    // after the subcommand: the trip lands in the workspace's data dir ...
    let r = await warden(['trip', '--reason', 'typed after', ...w.args]);
    assert.equal(r.code, 0, r.stderr);
    // ... which the same options before the subcommand see
    r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { reason: string }).reason, 'typed after');
    // and a subcommand's own option mixed in between
    r = await warden(['status', '--data-dir', w.dataDir, '--json', '--config', w.args[1]!]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { halted: boolean }).halted, true);
  });

  it('lists the global options in every subcommand help', async () => {
    for (const sub of [['status'], ['guard'], ['heartbeat'], ['dlq', 'list'], ['strategy', 'block']]) {
      const r = await warden([...sub, '--help']);
      assert.equal(r.code, 0, `${sub.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /--config <file>/, sub.join(' '));
      assert.match(r.stdout, /--data-dir <dir>/, sub.join(' '));
    }
  });
});
