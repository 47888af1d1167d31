// `warden serve --host 0.0.0.0` as a real process: it prints the address it really bound and
// a warning, and every route, reads too, needs the token (reached here through 127.0.0.1).
// Bodies arrive as real clients send them: `curl -d` (form-urlencoded) with a JSON body, and
// JSON nested too deep.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { warden, workspace } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';

const local = (printed: string): string => `http://127.0.0.1:${new URL(printed).port}`;

describe('warden serve beyond loopback (real process)', () => {
  it('--host 0.0.0.0 prints the real address and a warning, and reads need the token', async () => {
    const w = workspace();
    const serve = await startServe(w.args, ['--host', '0.0.0.0', '--port', '0'], { WARDEN_TOKEN: 'tok-abc' });
    try {
      assert.match(serve.printed, /^http:\/\/0\.0\.0\.0:\d+$/, 'the address it bound, not 127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
      const { stderr } = serve.output();
      assert.match(stderr, /WARNING: http:\/\/0\.0\.0\.0:\d+ is reachable from other hosts/);
      assert.match(stderr, /every route, reads too, now needs the bearer token/);
      assert.doesNotMatch(stderr, /tok-abc/);
      const base = local(serve.printed);
      for (const path of ['/healthz', '/api/status']) {
        const open = await fetch(`${base}${path}`);
        assert.equal(open.status, 401, `${path} without the token`);
        assert.doesNotMatch(await open.text(), /heartbeats|halted/);
        const wrong = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer nope' } });
        assert.equal(wrong.status, 401, `${path} with a wrong token`);
        const ok = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer tok-abc' } });
        assert.equal(ok.status, 200, `${path} with the token`);
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('--host 0.0.0.0 without a token warns that every request will get 401', async () => {
    const w = workspace();
    const serve = await startServe(w.args, ['--host', '0.0.0.0', '--port', '0'], { WARDEN_TOKEN: '' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      assert.match(serve.output().stderr, /no token is set \(env WARDEN_TOKEN\): every request will get 401/);
      assert.equal((await fetch(`${local(serve.printed)}/api/status`)).status, 401);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('takes curl -d with a JSON body as JSON, and answers 400 to JSON nested too deep', async () => {
    const w = workspace();
    const serve = await startServe(w.args, ['--port', '0'], { WARDEN_TOKEN: 'tok-abc' });
    try {
      assert.match(serve.printed, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(serve.output().stderr.includes('WARNING'), false, 'no warning on loopback');
      const deep = `{"reason":"x","by":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const r = await fetch(`${serve.printed}/api/trip`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer tok-abc' },
        body: deep,
      });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /nested deeper than 32 levels/);
      assert.equal((await warden([...w.args, 'status', '--json'])).code, 0, 'not tripped');

      // curl -d sends application/x-www-form-urlencoded.
      const curl = spawnSync(
        'curl',
        [
          '-sS',
          '-w',
          '\\n%{http_code}',
          '-H',
          'Authorization: Bearer tok-abc',
          '-d',
          '{"reason":"halt via curl","by":"ops"}',
          `${serve.printed}/api/trip`,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      assert.equal(curl.status, 0, curl.stderr);
      const [body, code] = curl.stdout.trim().split('\n');
      assert.equal(code, '200', body);
      const st = await warden([...w.args, 'status', '--json']);
      assert.equal(st.code, 1);
      assert.equal((JSON.parse(st.stdout) as { reason: string }).reason, 'halt via curl');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
