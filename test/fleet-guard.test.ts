// `warden guard -- CMD` as a long-running guard, with real processes: on PostgreSQL it listens to
// the fleet's change feed (a trip stops CMD at once, far inside the poll) and holds the lease (a
// server that goes silent stops CMD within lease + poll); on SQLite a trip from another shell
// stops CMD too. CMD is a shell that records its pid and execs sleep, so the test can prove it is
// gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { ROOT, WARDEN, warden, workspace } from './helpers/cli.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { startFreezeProxy, type FreezeProxy } from './helpers/freeze-proxy.js';

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `warden ARGS guard -- sh -c 'echo $$ > pidfile; exec sleep 120'`, running. */
function startGuard(args: string[], dir: string) {
  const pidFile = join(dir, `cmd-${Math.random().toString(36).slice(2)}.pid`);
  const child = spawn(
    process.execPath,
    [WARDEN, ...args, 'guard', '--', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 120`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.resume();
  let exit: { code: number | null; at: number } | null = null;
  child.on('close', (code) => (exit = { code, at: Date.now() }));
  return {
    get stderr() {
      return stderr;
    },
    get exit(): { code: number | null; at: number } | null {
      return exit;
    },
    async cmdPid(): Promise<number> {
      await until(
        'the guarded command started',
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
      );
      return Number(readFileSync(pidFile, 'utf8').trim());
    },
    kill: () => child.kill('SIGKILL'),
  };
}

const trip = (store: PgStore, reason: string) =>
  store.killSwitch.append({
    action: 'trip',
    at: Date.now(),
    reason,
    by: 'test',
    source: 'test',
    host: hostname(),
    pid: process.pid,
    flatten: false,
  });

describe('warden guard on PostgreSQL (fleet mode)', () => {
  let db: TestSchema;
  let store: PgStore;
  let proxy: FreezeProxy;
  const dirs: string[] = [];
  before(async () => {
    db = await createTestSchema();
    store = await openFleetStore(db.url, db.schema);
    const u = new URL(db.url);
    proxy = await startFreezeProxy(Number(u.port || 5432), u.hostname);
  });
  after(async () => {
    proxy.thaw();
    await proxy.close();
    await store.close();
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function pgWorkspace(url: string, fleet: Record<string, unknown>): { dir: string; args: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'warden-guard-pg-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'data'));
    const cfg = join(dir, 'warden.config.json');
    writeFileSync(cfg, JSON.stringify({ store: { kind: 'postgres', url, schema: db.schema }, fleet }));
    return { dir, args: ['--config', cfg, '--data-dir', join(dir, 'data')] };
  }

  it('stops the command at once on a NOTIFY trip (the poll is 59 s: only the notification can do it), exit 2; then refuses to start it', async () => {
    const w = pgWorkspace(db.url, { pollMs: 59_000, leaseMs: 600_000 });
    const g = startGuard(w.args, w.dir);
    try {
      const pid = await g.cmdPid();
      assert.ok(alive(pid));
      // The guard's feed listens by now (it read the state before starting the command; give LISTEN a moment).
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      await trip(store, 'guard test trip');
      await until('the guard exited', () => g.exit !== null, 30_000);
      const took = g.exit!.at - t0;
      assert.equal(g.exit!.code, 2, g.stderr);
      assert.ok(took < 20_000, `stopped by the notification, not the 59 s poll (${took} ms)`);
      assert.match(g.stderr, /HALTED by kill switch since .*: guard test trip; stopped sh \(SIGTERM\)/);
      await until('the command is gone', () => !alive(pid), 5000);
      const marker = join(w.dir, 'ran');
      const again = await warden([...w.args, 'guard', '--', 'touch', marker]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /HALTED by kill switch .*guard test trip/);
      assert.equal(existsSync(marker), false, 'not run while halted');
    } finally {
      g.kill();
      const latest = await store.killSwitch.latest();
      if (latest?.action === 'trip')
        await store.killSwitch.appendIfLatest(latest.id, {
          action: 'resume',
          at: Date.now(),
          reason: 'test over',
          by: 'test',
          source: 'test',
          host: hostname(),
          pid: process.pid,
          flatten: false,
          clears: latest.id,
        });
    }
  });

  it('stops the command within lease + poll when the server goes silent (frozen TCP proxy), saying the lease expired', async () => {
    const u = new URL(db.url);
    u.port = String(proxy.port);
    const leaseMs = 1500;
    const pollMs = 300;
    const w = pgWorkspace(u.toString(), { pollMs, leaseMs, leaseLost: 'wait' });
    const g = startGuard(w.args, w.dir);
    try {
      const pid = await g.cmdPid();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(g.exit, null, `still running: ${g.stderr}`);
      proxy.freeze();
      const frozenAt = Date.now();
      await until('the guard exited', () => g.exit !== null, 30_000);
      const took = g.exit!.at - frozenAt;
      assert.equal(g.exit!.code, 2, g.stderr);
      assert.match(
        g.stderr,
        /lease expired: the kill switch state was not confirmed for \d+ ms \(lease 1500 ms/,
      );
      assert.match(g.stderr, /stopped sh \(SIGTERM\)/);
      // Not before the lease allows (the last confirmed read began at most one poll before the freeze).
      assert.ok(took >= leaseMs - pollMs - 100, `not before the lease (${took} ms)`);
      await until('the command is gone', () => !alive(pid), 5000);
    } finally {
      proxy.thaw();
      g.kill();
    }
  });
});

describe('warden guard on SQLite', () => {
  it('stops the command when another shell trips (the data dir watch), exit 2', async () => {
    const w = workspace();
    try {
      const g = startGuard(w.args, w.dir);
      try {
        const pid = await g.cmdPid();
        const r = await warden([...w.args, 'trip', '--reason', 'sqlite guard trip']);
        assert.equal(r.code, 0, r.stderr);
        await until('the guard exited', () => g.exit !== null, 30_000);
        assert.equal(g.exit!.code, 2, g.stderr);
        assert.match(g.stderr, /HALTED by kill switch .*sqlite guard trip; stopped sh \(SIGTERM\)/);
        await until('the command is gone', () => !alive(pid), 5000);
      } finally {
        g.kill();
      }
    } finally {
      rmSync(w.dir, { recursive: true, force: true });
    }
  });

  it("passes the command's own exit code through when nothing halts", async () => {
    const w = workspace();
    try {
      const r = await warden([...w.args, 'guard', '--', 'sh', '-c', 'exit 7']);
      assert.equal(r.code, 7, r.stderr);
    } finally {
      rmSync(w.dir, { recursive: true, force: true });
    }
  });
});
