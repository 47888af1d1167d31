import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';

describe('warden CLI: a missing or mistyped data dir is halted, never created (issue 8 item 2)', () => {
  it('guard exits 2 on a mistyped --data-dir while the real data dir is halted, and creates nothing', async () => {
    const w = workspace();
    assert.equal((await warden([...w.args, 'trip', '--reason', 'real dir halted'])).code, 0);
    const typo = join(w.dir, 'dta');
    const marker = join(w.dir, 'bot-ran');
    const r = await warden(['--config', w.args[1]!, '--data-dir', typo, 'guard', '--', 'touch', marker]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(existsSync(marker), false, 'the bot did not run');
    assert.equal(existsSync(typo), false, 'the mistyped data dir was not created');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`no data dir at ${typo}`));
    assert.match(lines[0]!, /warden init/);
    assert.match(lines[0]!, /--data-dir/);
    assert.match(lines[0]!, /WARDEN_DATA_DIR/);

    const st = await warden(['--config', w.args[1]!, '--data-dir', typo, 'status']);
    assert.equal(st.code, 1);
    assert.equal(st.stdout.trim().split('\n').length, 1);
    assert.match(st.stdout, /^HALTED: .*no data dir at .*dta.*warden init/);
    assert.equal(existsSync(typo), false);
    const js = await warden(['--config', w.args[1]!, '--data-dir', typo, 'status', '--json']);
    assert.equal(js.code, 1);
    assert.equal((JSON.parse(js.stdout) as { halted: boolean }).halted, true);
  });

  it('guard started by cron in $HOME (no config, default ./data) is halted and creates nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'warden-home-'));
    const marker = join(home, 'bot-ran');
    const r = await warden(['guard', '--', 'touch', marker], {
      cwd: home,
      env: { HOME: home },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(existsSync(marker), false);
    assert.match(r.stderr, new RegExp(`no data dir at ${join(home, 'data')}`));
    assert.deepEqual(readdirSync(home), [], 'nothing was created in $HOME');
    const w = await warden(['watch', '--once'], { cwd: home, env: { HOME: home } });
    assert.notEqual(w.code, 0);
    await warden(['check', 'nba'], { cwd: home, env: { HOME: home } });
    assert.deepEqual(readdirSync(home), [], 'watch --once and check created nothing either');
  });

  it('a data dir without a store, or with a zero-byte store, is halted; the empty file is left as it is', async () => {
    const w = workspace({}, { init: false });
    const dir = join(w.dir, 'data');
    const marker = join(w.dir, 'ran');
    mkdirSync(dir);
    let r = await warden([...w.args, 'guard', '--', 'touch', marker]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no store at .*warden\.db.*warden init/);
    assert.equal(existsSync(join(dir, 'warden.db')), false, 'no store was created');

    writeFileSync(join(dir, 'warden.db'), '');
    r = await warden([...w.args, 'guard', '--', 'touch', marker]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty \(0 bytes\): corrupt, not new/);
    const st = await warden([...w.args, 'status']);
    assert.equal(st.code, 1);
    assert.match(st.stdout, /empty \(0 bytes\)/);
    const hb = await warden([...w.args, 'heartbeat', 'bot']);
    assert.equal(hb.code, 1, 'a writer does not turn the empty file into a new store either');
    assert.equal(statSync(join(dir, 'warden.db')).size, 0);
    assert.equal(existsSync(marker), false);
  });

  it('only init creates the data dir and the store; trip may create what it needs to halt', async () => {
    const w = workspace({}, { init: false });
    assert.equal((await warden([...w.args, 'status'])).code, 1);
    const init = await warden([...w.args, 'init', '--force']);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(existsSync(join(w.dataDir, 'warden.db')));
    assert.ok(existsSync(join(w.dataDir, 'circuit.json')));
    assert.equal((await warden([...w.args, 'status'])).code, 0);

    const t = workspace({}, { init: false });
    const r = await warden([...t.args, 'trip', '--reason', 'halt before init']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`HALTED: halt before init \\(event 1, data dir ${t.dataDir}\\)`));
    assert.equal((await warden([...t.args, 'guard', '--', 'true'])).code, 2);
  });
});
