import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT, WARDEN, warden, workspace } from './helpers/cli.js';
import { startSntpResponder, type SntpResponder } from '../src/heartbeat/test-sntp-server.js';

describe('processes: clock drift against an SNTP server', () => {
  const responders: SntpResponder[] = [];
  after(async () => {
    for (const r of responders) await r.close();
  });
  const responder = async (opts: Parameters<typeof startSntpResponder>[0]) => {
    const r = await startSntpResponder(opts);
    responders.push(r);
    return r;
  };
  const cfg = (ntpServer: string) => ({
    heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 60 }],
    watchdog: { ntpServer, maxClockDriftMs: 2000, referenceTimeoutMs: 1000 },
    alerts: { channels: [{ type: 'stderr' }] },
  });

  it('warden watch --once alerts and exits 1 when this host is 30 s behind the SNTP server', async () => {
    const ntp = await responder({ offsetMs: 30_000 });
    const w = workspace(cfg(ntp.address));
    assert.equal((await warden([...w.args, 'heartbeat', 'bot'])).code, 0);
    const r = await warden([...w.args, 'watch', '--once']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /ok {3}bot/);
    const m = new RegExp(`FAIL clock vs sntp:127\\.0\\.0\\.1:${ntp.port}: (-?\\d+) ms`).exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Math.abs(Number(m[1]) + 30_000) < 1000, m[1]);
    assert.match(r.stderr, /Clock drift/);
    assert.match(r.stderr, /behind sntp:127\.0\.0\.1/);
    assert.ok(ntp.requests >= 1);
  });

  it('passes when the SNTP server agrees, and reports one that does not answer as unreachable', async () => {
    const good = await responder({ offsetMs: 0 });
    const w = workspace(cfg(good.address));
    assert.equal((await warden([...w.args, 'heartbeat', 'bot'])).code, 0);
    const ok = await warden([...w.args, 'watch', '--once']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /ok {3}clock vs sntp:127\.0\.0\.1/);

    const silent = await responder({ mode: 'silent' });
    const s = workspace(cfg(silent.address));
    assert.equal((await warden([...s.args, 'heartbeat', 'bot'])).code, 0);
    const r = await warden([...s.args, 'watch', '--once']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stdout,
      /FAIL clock reference sntp:127\.0\.0\.1:\d+ unreachable: .*no answer within 1000 ms/,
    );
    assert.match(r.stderr, /Clock reference sntp:127\.0\.0\.1:\d+ unreachable/);
  });

  it('warden serve alerts on drift against the SNTP server too', async () => {
    const ntp = await responder({ offsetMs: -45_000 });
    const w = workspace({
      ...cfg(ntp.address),
      watchdog: { ...cfg(ntp.address).watchdog, intervalSec: 0.2 },
    });
    const child = spawn(process.execPath, [WARDEN, ...w.args, 'serve', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      const until = Date.now() + 20_000;
      while (!/Clock drift/.test(stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      assert.match(stderr, /Clock drift/);
      assert.match(stderr, /ahead of sntp:127\.0\.0\.1/);
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
  });
});
