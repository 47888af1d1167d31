import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, warden, workspace } from './helpers/cli.js';
import { SqliteStore } from '../src/store/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { buildHttpApi } from '../src/daemon/http-api.js';

function racer(dataDir: string, ...args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/helpers/killswitch-racer.ts'), dataDir, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  return {
    child,
    lines: async () => {
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, `racer ${args.join(' ')} exited ${code}`);
      return out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, number | boolean | null>);
    },
  };
}

describe('kill switch: a resume never clears a trip it did not see (issue 8 item 7)', () => {
  it('two processes racing trip and resume: every resume clears exactly the halt it named', async () => {
    const w = workspace();
    const tripper = racer(w.dataDir, 'trip', '200');
    const resumer = racer(w.dataDir, 'resume');
    const trips = await tripper.lines();
    writeFileSync(join(w.dir, 'DONE'), '');
    const resumes = await resumer.lines();

    const store = SqliteStore.open(join(w.dataDir, 'warden.db'));
    const events = (await store.killSwitch.history(100_000)).reverse();
    await store.close();
    assert.equal(trips.length, 200);
    const byId = new Map(events.map((e, i) => [e.id, i]));
    // A tripper that reads "running" right after its trip may only do so because a resume named
    // that very trip (its watch picked the resume up); never because a resume cleared it unseen.
    for (const t of trips) {
      if (t['halted'] === true) continue;
      const next = events[byId.get(t['tripped'] as number)! + 1];
      assert.equal(next?.action, 'resume', `trip #${t['tripped']} read as running, yet nothing resumed it`);
      assert.equal(
        next.clears,
        t['tripped'],
        `trip #${t['tripped']} was cleared by a resume of another halt`,
      );
    }
    const ok = resumes.filter((r) => 'resumed' in r);
    const refused = resumes.filter((r) => 'refused' in r);
    assert.ok(ok.length > 0, 'some resumes went through');
    assert.equal(
      events.filter((e) => e.action === 'resume').length,
      ok.length,
      'a refused resume wrote nothing',
    );
    // The invariant: the event just before each resume is the halt that resume named.
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.action !== 'resume') continue;
      const prev = events[i - 1];
      assert.ok(prev, 'a resume with nothing before it');
      assert.equal(
        e.clears,
        prev.id,
        `resume #${e.id} named #${e.clears} but cleared #${prev.id} (${prev.action} ${prev.reason})`,
      );
    }
    assert.ok(refused.length > 0, `the race happened: some resumes were refused (${resumes.length} tries)`);
    // So every trip the tripper was told about was either cleared by a resume that named it, or still holds.
    for (const t of trips) {
      const i = byId.get(t['tripped'] as number)!;
      const next = events[i + 1];
      if (next?.action === 'resume') assert.equal(next.clears, t['tripped']);
    }
  });

  it('warden resume exits 1 with what happened since when a newer trip exists; --halt-id clears it on purpose', async () => {
    const w = workspace();
    assert.equal((await warden([...w.args, 'trip', '--reason', 'first', '--by', 'ops'])).code, 0);
    assert.equal((await warden([...w.args, 'trip', '--reason', 'feed frozen', '--by', 'watchdog'])).code, 0);
    let r = await warden([
      ...w.args,
      'resume',
      '--reason',
      'checked the first',
      '--by',
      'alice',
      '--halt-id',
      '1',
    ]);
    assert.equal(r.code, 1);
    const line = r.stderr.trim().split('\n');
    assert.equal(line.length, 1, r.stderr);
    assert.match(
      line[0]!,
      /^warden: resume refused: the kill switch changed since you looked \(you named event 1; since then: #2 trip by watchdog \(cli\) at \S+: feed frozen\)/,
    );
    assert.match(line[0]!, /resume event 2/);
    assert.equal((await warden([...w.args, 'status'])).code, 1, 'still halted');
    r = await warden([...w.args, 'resume', '--reason', 'checked both', '--by', 'alice', '--halt-id', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RUNNING: resumed by alice \(event 3, clears #2\)/);
  });

  it('POST /api/resume needs the haltId it clears and answers 409 with what happened since', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-409-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'api' });
    const other = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'watchdog' });
    const app = buildHttpApi({ store, killSwitch: ks, dataDir: dir, token: 't' });
    const auth = { authorization: 'Bearer t' };
    try {
      await ks.trip({ reason: 'first' });
      const seen = (await app.inject({ method: 'GET', url: '/api/status' })).json<{ eventId: number }>();
      let r = await app.inject({
        method: 'POST',
        url: '/api/resume',
        headers: auth,
        payload: { reason: 'ok', by: 'eve' },
      });
      assert.equal(r.statusCode, 400);
      assert.match(r.json<{ error: string }>().error, /haltId: required/);
      await other.trip({ reason: 'a newer trip' }); // another process, after eve looked
      r = await app.inject({
        method: 'POST',
        url: '/api/resume',
        headers: auth,
        payload: { reason: 'ok', by: 'eve', haltId: seen.eventId },
      });
      assert.equal(r.statusCode, 409);
      const body = r.json<{ error: string; haltId: number; since: { reason: string }[] }>();
      assert.equal(body.haltId, seen.eventId + 1);
      assert.deepEqual(
        body.since.map((e) => e.reason),
        ['a newer trip'],
      );
      assert.equal((await ks.refresh()).halted, true);
      r = await app.inject({
        method: 'POST',
        url: '/api/resume',
        headers: auth,
        payload: { reason: 'ok', by: 'eve', haltId: body.haltId },
      });
      assert.equal(r.statusCode, 200);
      assert.equal(ks.isHalted(), false);
    } finally {
      await app.close();
      await ks.close();
      await other.close();
      await store.close();
    }
  });
});
