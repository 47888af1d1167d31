// Fleet mode (PostgreSQL, own schema on the shared server): a real `warden serve` keeps the host's
// seed-format strategy state file in step with the store, and seed 000's own reader (Python,
// unchanged) answers from it: at start, after a block from another process, and while the store
// cannot be confirmed (a TCP proxy that goes silent): then the file says what the runtime check
// says, fail open, until the store answers again.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { startFreezeProxy, type FreezeProxy } from './helpers/freeze-proxy.js';
import { startServe, type Serving } from './helpers/serve.js';
import { ROOT, warden, workspace } from './helpers/cli.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEED_READER = join(ROOT, 'test', 'helpers', 'seed-strategy-reader.py');

/** What seed 000's CircuitBreaker.check(sport) answers from `path`: [allow, reason]. */
function seedCheck(path: string, sport: string): [boolean, string] {
  const [answer] = JSON.parse(execFileSync('python3', [SEED_READER, path, sport], { encoding: 'utf8' })) as [
    boolean,
    string,
  ][];
  return answer!;
}

/** Waits until seed 000's reader answers `want` from `path` (the file is rewritten in the background). */
async function seedAnswers(path: string, want: [boolean, string], timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let got: [boolean, string] | null = null;
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(path)) {
      got = seedCheck(path, 'nba');
      if (got[0] === want[0] && got[1] === want[1]) return Date.now() - t0;
    }
    await wait(100);
  }
  assert.fail(
    `seed reader answered ${JSON.stringify(got)}, not ${JSON.stringify(want)}; file: ${existsSync(path) ? readFileSync(path, 'utf8') : 'none'}`,
  );
}

describe("fleet mode: the host's strategy state file follows the store (real warden serve, seed 000's reader)", () => {
  const schemas: TestSchema[] = [];
  const dirs: string[] = [];
  let proxy: FreezeProxy | undefined;
  let serving: Serving | undefined;
  let standby: Serving | undefined;
  after(async () => {
    for (const s of [serving, standby]) s?.child.kill('SIGTERM');
    await serving?.exited;
    await standby?.exited;
    proxy?.thaw();
    await proxy?.close();
    for (const s of schemas.splice(0)) await s.drop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is written at start, rewritten on a block, fail-open while the store is unconfirmed, and back after', async (t) => {
    const db = await createTestSchema();
    schemas.push(db);
    const u = new URL(db.url);
    proxy = await startFreezeProxy(Number(u.port || 5432), u.hostname);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const strategy = { stateKey: 'sports' };
    const fleet = { pollMs: 300, leaseMs: 1500, leaderRetryMs: 300 };
    // The daemon reaches PostgreSQL only through the proxy; the other processes directly.
    const host = workspace({
      store: { kind: 'postgres', url: viaProxy.toString(), schema: db.schema },
      fleet,
      strategy,
    });
    const other = workspace({ store: { kind: 'postgres', url: db.url, schema: db.schema }, fleet, strategy });
    // A second host's daemon, started after the first: the standby (it never leads here).
    const second = workspace({
      store: { kind: 'postgres', url: db.url, schema: db.schema },
      fleet,
      strategy,
    });
    dirs.push(host.dir, other.dir, second.dir);
    const file = join(host.dataDir, 'strategy_state.json');
    serving = await startServe(host.args, ['--port', '0']);
    standby = await startServe(second.args, ['--port', '0']);
    const standbyFile = join(second.dataDir, 'strategy_state.json');

    // At start: nothing in the store, so a document every reader fails open on.
    await seedAnswers(file, [true, 'state_stale_fail_open'], 20_000);
    assert.equal(
      (JSON.parse(readFileSync(file, 'utf8')) as { warden_mirror: { status: string } }).warden_mirror.status,
      'missing',
    );

    const b = await warden([...other.args, 'strategy', 'block', 'nba', '--reason', 'news', '--by', 'alice']);
    assert.equal(b.code, 0, b.stderr);
    const blockLag = await seedAnswers(file, [false, 'circuit_breaker_blocked'], 20_000);
    await seedAnswers(standbyFile, [false, 'circuit_breaker_blocked'], 20_000);
    // Two daemons in the fleet, one leading: both hosts' files followed the store.
    const reader = await openFleetStore(db.url, db.schema, { mode: 'existing' });
    const daemons = (await reader.fleet.list().finally(() => reader.close())).filter(
      (m) => m.role === 'daemon',
    );
    assert.deepEqual(daemons.map((m) => m.info['leader']).sort(), [false, true], JSON.stringify(daemons));
    t.diagnostic(`the seed reader saw the block ${blockLag} ms after the CLI returned`);
    const mirrored = JSON.parse(readFileSync(file, 'utf8')) as {
      sports: Record<string, { status: string }>;
      warden_mirror: { status: string; of: string };
    };
    assert.equal(mirrored.sports['nba']?.status, 'blocked');
    assert.match(mirrored.warden_mirror.of, /the store \(version \d+\)/);

    // The store goes silent for the daemon: past the lease the file fails open as the check does.
    proxy.freeze();
    const frozenAt = Date.now();
    await seedAnswers(file, [true, 'state_stale_fail_open'], 20_000);
    const unconfirmed = JSON.parse(readFileSync(file, 'utf8')) as {
      sports: Record<string, unknown>;
      warden_mirror: { status: string; reason: string };
    };
    t.diagnostic(`fail-open mirror ${Date.now() - frozenAt} ms after the freeze (lease 1500 ms)`);
    assert.deepEqual(unconfirmed.sports, {}, 'never the last entries: nba must not read as blocked');
    assert.equal(unconfirmed.warden_mirror.status, 'unconfirmed');
    assert.equal(unconfirmed.warden_mirror.reason, 'store_unconfirmed_fail_open');

    proxy.thaw();
    await seedAnswers(file, [false, 'circuit_breaker_blocked'], 30_000);
  });
});
