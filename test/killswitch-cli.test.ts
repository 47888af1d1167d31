import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { warden, workspace } from './helpers/cli.js';

describe('warden CLI: kill switch', () => {
  it('trips, shows the halt in status (exit 1), refuses a nameless resume, and resumes on purpose', async () => {
    const w = workspace();
    let r = await warden([...w.args, 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^RUNNING/);

    r = await warden([...w.args, 'trip', '--reason', 'exchange maintenance', '--by', 'ops']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /HALTED: exchange maintenance/);
    assert.match(r.stderr, /warden alert \[critical\] Trading halted/, 'the default stderr channel alerts');

    r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 1);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(s['halted'], true);
    assert.equal(s['source'], 'store');
    assert.equal(s['reason'], 'exchange maintenance');
    assert.equal(s['by'], 'ops');

    const circuit = JSON.parse(readFileSync(join(w.dataDir, 'circuit.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(circuit['paused'], true);
    assert.equal(circuit['reason'], 'exchange maintenance');
    assert.equal(typeof circuit['since'], 'number');

    r = await warden([...w.args, 'resume', '--reason', 'done']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'warden: resume refused: it needs a name: warden resume --reason "what was checked" --by NAME',
    );
    r = await warden([...w.args, 'resume', '--by', 'alice']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs a reason/);
    assert.equal((await warden([...w.args, 'status'])).code, 1, 'still halted after refused resumes');

    r = await warden([...w.args, 'resume', '--reason', 'maintenance over', '--by', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    r = await warden([...w.args, 'status']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /#2 \S+ resume by alice \(cli@[^)]+\) clears #1: maintenance over/);
    assert.match(r.stdout, /#1 \S+ trip by ops \(cli@[^)]+\): exchange maintenance/);
  });

  it('guard runs the command only when trading is allowed, and exits 2 when halted', async () => {
    const w = workspace();
    const marker = join(w.dir, 'ran');
    let r = await warden([...w.args, 'guard', '--', 'sh', '-c', `touch ${marker}; exit 7`]);
    assert.equal(r.code, 7, 'the command ran and its exit code is passed through');
    assert.ok(existsSync(marker));

    mkdirSync(w.dataDir, { recursive: true });
    writeFileSync(join(w.dataDir, 'STOP'), '');
    const marker2 = join(w.dir, 'ran2');
    r = await warden([...w.args, 'guard', '--', 'touch', marker2]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^warden: HALTED by STOP file/m);
    assert.match(
      r.stderr,
      /warden alert \[critical\] Trading halted \(STOP file\)/,
      'the first to notice alerts',
    );
    assert.equal(existsSync(marker2), false, 'the command did not run');

    r = await warden([...w.args, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /HALTED by STOP file/);
  });

  it('a corrupt circuit.json written by someone else halts (fail closed) and says why', async () => {
    const w = workspace();
    mkdirSync(w.dataDir, { recursive: true });
    writeFileSync(join(w.dataDir, 'circuit.json'), '{"paused": fals');
    const r = await warden([...w.args, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /HALTED by state unreadable \(fail closed\).*circuit\.json unreadable: not JSON/);
    const g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 2);
  });

  it('names the field of a bad config, and exits 1 with one line', async () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 'often' }] });
    const r = await warden([...w.args, 'status']);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /field heartbeats\[0\]\.periodSec: Expected number, received string \(got "often"\)/,
    );
    const typo = workspace({ watchdog: { intervalSecs: 5 } });
    const r2 = await warden([...typo.args, 'status']);
    assert.match(r2.stderr, /unknown field watchdog\.intervalSecs/);
    const notJson = workspace();
    writeFileSync(notJson.args[1]!, '{ nope');
    assert.match((await warden([...notJson.args, 'status'])).stderr, /not valid JSON/);
  });

  it('a store file locked by another process gives a clear one-line error and loses nothing', async () => {
    const w = workspace({ store: { kind: 'sqlite', path: 'warden.db', busyTimeoutMs: 200 } });
    assert.equal((await warden([...w.args, 'trip', '--reason', 'first'])).code, 0);
    const db = new Database(join(w.dataDir, 'warden.db'));
    db.exec('BEGIN EXCLUSIVE');
    const r = await warden([...w.args, 'resume', '--reason', 'x', '--by', 'y']);
    db.exec('ROLLBACK');
    db.close();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^warden: store .*warden\.db: locked by another process/);
    const st = await warden([...w.args, 'status', '--json']);
    assert.equal(
      (JSON.parse(st.stdout) as { halted: boolean }).halted,
      true,
      'the failed resume changed nothing',
    );
  });

  it('a read-only data dir is an error for writers and halted for readers', async () => {
    const w = workspace();
    assert.equal((await warden([...w.args, 'status'])).code, 0);
    chmodSync(w.dir, 0o755);
    chmodSync(w.dataDir, 0o555);
    chmodSync(join(w.dataDir, 'warden.db'), 0o444);
    // Root ignores permissions, so run the commands as an unprivileged user when we are root.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { HOME: '/tmp' } } : {};
    const t = await warden([...w.args, 'trip', '--reason', 'x'], asUser);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /^warden: store .*warden\.db: .*the trip is NOT recorded/m);
    assert.match(t.stderr, /KILL SWITCH TRIPPED BUT NOT RECORDED/, 'shouted on stderr');
    const s = await warden([...w.args, 'status'], asUser);
    assert.equal(s.code, 1);
    assert.match(s.stdout, /HALTED: state unreadable \(fail closed\)/);
    chmodSync(w.dataDir, 0o755);
  });

  it('runs the configured flatten command on trip --flatten', async () => {
    const w = workspace();
    const out = join(w.dir, 'flattened');
    const cfg = { killSwitch: { flattenCommand: ['sh', '-c', `echo "$WARDEN_TRIP_REASON" > ${out}`] } };
    writeFileSync(w.args[1]!, JSON.stringify(cfg));
    const r = await warden([...w.args, 'trip', '--reason', 'daily loss limit', '--flatten']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /flatten: ok/);
    assert.equal(readFileSync(out, 'utf8').trim(), 'daily loss limit');
  });

  it('init writes a starter config that loads, and refuses to overwrite it', async () => {
    const w = workspace();
    const cfg = join(w.dir, 'new.config.json');
    let r = await warden(['--config', cfg, '--data-dir', w.dataDir, 'init']);
    assert.equal(r.code, 0, r.stderr);
    r = await warden(['--config', cfg, '--data-dir', w.dataDir, 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'the starter config loads without a warning');
    r = await warden(['--config', cfg, 'init']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists; use --force/);
  });
});
