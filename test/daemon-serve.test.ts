import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { ROOT, WARDEN, warden, workspace } from './helpers/cli.js';
import { listeningAddress } from './helpers/serve.js';

describe('warden serve (a real process on a free loopback port)', () => {
  it('binds 127.0.0.1, serves status, refuses an untokened trip, trips with the token', async () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60 }] });
    const child = spawn(process.execPath, [WARDEN, ...w.args, 'serve', '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_TOKEN: 'tok-123' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      const lines = createInterface({ input: child.stdout! });
      let seen = '';
      let base: string | null = null;
      for await (const line of lines) {
        seen += `${line}\n`;
        base = listeningAddress(line);
        if (base) break;
      }
      assert.ok(base, `no listening line in: ${seen} ${stderr}`);
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds the loopback interface by default');
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { ok: true });
      let r = await fetch(`${base}/api/trip`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'x' }),
      });
      assert.equal(r.status, 401);
      r = await fetch(`${base}/api/trip`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer tok-123' },
        body: JSON.stringify({ reason: 'halt from the phone', by: 'me' }),
      });
      assert.equal(r.status, 200);
      const st = await warden([...w.args, 'status', '--json']);
      assert.equal(st.code, 1);
      assert.equal((JSON.parse(st.stdout) as { reason: string }).reason, 'halt from the phone');
      assert.doesNotMatch(stderr, /tok-123/, 'the token is never logged');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
