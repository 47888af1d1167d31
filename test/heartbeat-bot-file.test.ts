import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WARDEN, warden, workspace } from './helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("processes: heartbeat.json is the bot's own", () => {
  it('a beat of another name never touches the Python bot’s heartbeat.json, and the dead bot reads late', async () => {
    const w = workspace({
      heartbeats: [
        { name: 'bot', periodSec: 1, graceSec: 1, file: 'heartbeat.json', tripOnFailure: false },
        { name: 'nightly', cron: '0 3 * * *', graceSec: 600, tripOnFailure: false },
      ],
    });
    mkdirSync(w.dataDir, { recursive: true });
    const file = join(w.dataDir, 'heartbeat.json');
    const py = spawn('python3', [join(ROOT, 'test/helpers/py-heartbeat-bot.py'), w.dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await once(py.stdout!, 'data');
      const alive = await warden([...w.args, 'watch', '--once', '--only', 'bot']);
      assert.equal(alive.code, 0, alive.stdout + alive.stderr);
      assert.match(alive.stdout, /ok {3}bot/);
    } finally {
      py.kill('SIGKILL');
    }
    await once(py, 'exit');
    const dead = readFileSync(file, 'utf8');
    const deadAt = (JSON.parse(dead) as { at: number }).at * 1000;

    const nightly = await warden([...w.args, 'heartbeat', 'nightly']);
    assert.equal(nightly.code, 0, nightly.stderr);
    assert.equal(readFileSync(file, 'utf8'), dead, 'a beat of nightly leaves heartbeat.json alone');
    assert.equal(
      (JSON.parse(readFileSync(join(w.dataDir, 'heartbeat-nightly.json'), 'utf8')) as { name: string }).name,
      'nightly',
    );
    // Even a beat under the bot's own name: the file is watched, so Warden never writes it.
    assert.equal((await warden([...w.args, 'heartbeat', 'bot'])).code, 0);
    assert.equal(readFileSync(file, 'utf8'), dead, 'a watched file is never written');
    assert.equal(existsSync(join(w.dataDir, 'heartbeat-bot.json')), true);

    while (Date.now() - deadAt < 2500) await sleep(100);
    const late = await warden([...w.args, 'watch', '--once', '--only', 'bot']);
    assert.equal(late.code, 1, late.stdout);
    assert.match(late.stdout, /FAIL bot: heartbeat bot stale/);
  });

  it('a bot beat through the HTTP API never touches the watched file, and the dead bot reads late', async () => {
    const w = workspace({
      heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 0, file: 'heartbeat.json', tripOnFailure: false }],
    });
    mkdirSync(w.dataDir, { recursive: true });
    // What the Python bot left when it died ten minutes ago.
    const stale = JSON.stringify({ at: Date.now() / 1000 - 600, iso: 'x', status: 'ok' });
    writeFileSync(join(w.dataDir, 'heartbeat.json'), stale);
    const serve = spawn(process.execPath, [WARDEN, ...w.args, 'serve', '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_TOKEN: 'tok-hb' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let base = '';
      for await (const line of createInterface({ input: serve.stdout! })) {
        const m = /listening on (http:\/\/[^ ]+)/.exec(line);
        if (m) {
          base = m[1]!;
          break;
        }
      }
      assert.ok(base);
      const r = await fetch(`${base}/api/heartbeat/bot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer tok-hb' },
        body: '{}',
      });
      assert.equal(r.status, 200);
    } finally {
      serve.kill('SIGTERM');
    }
    await once(serve, 'exit');
    // The daemon's writer knows the file is watched: it leaves it alone ...
    assert.equal(readFileSync(join(w.dataDir, 'heartbeat.json'), 'utf8'), stale);
    // ... and the dead bot reads late.
    const v = await warden([...w.args, 'watch', '--once', '--only', 'bot']);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, /FAIL bot: heartbeat bot stale/);
  });
});
