// `npm run warden -- …` in a checkout works in the directory it was typed in, not the clone's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';

describe('npm run warden', () => {
  it("uses the caller's directory for the config and ./data (npm runs scripts in the package root)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'warden-npm-run-')), 'bot');
    mkdirSync(dir);
    const r = spawnSync('npm', ['--prefix', ROOT, 'run', '--silent', 'warden', '--', 'init'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(dir, 'warden.config.json')), r.stdout);
    assert.ok(existsSync(join(dir, 'data', 'warden.db')), r.stdout);
    assert.match(r.stdout, new RegExp(`wrote ${dir}/warden.config.json`));
  });
});
