import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { KillSwitch } from './kill-switch.js';
import { ResumeRefusedError } from './errors.js';
import { ResumeConflictError } from './resume-conflict-error.js';
import { commandFlattenHook } from './flatten.js';

describe('KillSwitch', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let alerts: CollectingAlerts;
  const open = (extra: Partial<Parameters<typeof KillSwitch.open>[0]> = {}) =>
    KillSwitch.open({ store, dataDir: dir, clock, alerts, pollMs: 0, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-ks-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    clock = new ManualClock(1_700_000_000_000);
    alerts = new CollectingAlerts();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs when never tripped, and halts on trip with a durable record and an alert', async () => {
    const ks = await open();
    assert.equal(ks.isHalted(), false);
    const r = await ks.trip({ reason: 'heartbeat stale', by: 'watchdog' });
    assert.equal(ks.isHalted(), true);
    assert.ok(r.recorded);
    assert.equal(r.event.reason, 'heartbeat stale');
    assert.deepEqual(alerts.titles(), ['Trading halted']);
    const again = await open();
    assert.equal(again.isHalted(), true, 'a new process sees the trip');
    const s = again.state();
    assert.ok(s.halted && s.source === 'store' && s.by === 'watchdog');
    await ks.close();
    await again.close();
  });

  it('halts and tells every listener even when one listener throws (the shared EventSource)', async () => {
    const ks = await open();
    const seen: boolean[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    ks.onChange(() => {
      throw new Error('listener bug');
    });
    const second = ks.onChange((s) => seen.push(s.halted));
    const r = await ks.trip({ reason: 'listener test', by: 'test' });
    assert.ok(r.recorded, 'the trip is recorded whatever a listener does');
    assert.equal(ks.isHalted(), true);
    assert.deepEqual(seen, [true]);
    second.dispose();
    await ks.resume({ reason: 'checked', by: 'test' });
    assert.deepEqual(seen, [true], 'a disposed listener hears nothing more');
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.ok(
      warnings.some((w) => w.includes('listener bug')),
      warnings.join('; '),
    );
    await ks.close();
  });

  it('never resumes by itself, and refuses a resume without a reason or a name', async () => {
    const ks = await open();
    await ks.trip({ reason: 'x' });
    clock.advance(86_400_000 * 30);
    await ks.refresh();
    assert.equal(ks.isHalted(), true);
    await assert.rejects(ks.resume({ reason: '', by: 'alice' }), ResumeRefusedError);
    await assert.rejects(ks.resume({ reason: 'checked', by: '  ' }), /needs a name/);
    await assert.rejects(
      ks.resume({ reason: undefined as unknown as string, by: undefined as unknown as string }),
      /a reason and a name/,
    );
    assert.equal(ks.isHalted(), true);
    const e = await ks.resume({ reason: 'feed fixed', by: 'alice' });
    assert.equal(ks.isHalted(), false);
    assert.equal(e.by, 'alice');
    const h = await ks.history();
    assert.deepEqual(
      h.map((x) => x.action),
      ['resume', 'trip'],
    );
    await ks.close();
  });

  it('denies new risk while halted but allows reduce-only orders and cancels', async () => {
    const ks = await open();
    assert.equal(ks.allows('new_risk').allow, true);
    await ks.trip({ reason: 'x' });
    assert.deepEqual(
      [ks.allows('new_risk').allow, ks.allows('reduce_only').allow, ks.allows('cancel').allow],
      [false, true, true],
    );
    assert.equal(ks.allows('new_risk').reason, 'halted_deny_new_risk');
    await ks.close();
  });

  it('mirrors every change to circuit.json in the seed format', async () => {
    const ks = await open();
    await ks.trip({ reason: 'daily loss limit' });
    let c = JSON.parse(readFileSync(join(dir, 'circuit.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(c['paused'], true);
    assert.equal(c['reason'], 'daily loss limit');
    assert.equal(c['since'], clock.now() / 1000);
    clock.advance(5000);
    await ks.resume({ reason: 'ok', by: 'bob' });
    c = JSON.parse(readFileSync(join(dir, 'circuit.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(c['paused'], false);
    await ks.close();
  });

  it('keeps the time of the first trip as since when tripped again while halted', async () => {
    const ks = await open();
    await ks.trip({ reason: 'first' });
    const t0 = clock.now();
    clock.advance(60_000);
    await ks.trip({ reason: 'second' });
    const s = ks.state();
    assert.ok(s.halted);
    assert.equal(s.since, t0);
    assert.equal(s.reason, 'second');
    await ks.close();
  });

  it('halts on a STOP file whatever the store says, and resume removes it', async () => {
    const ks = await open();
    writeFileSync(join(dir, 'STOP'), '');
    await ks.refresh();
    const s = ks.state();
    assert.ok(s.halted && s.source === 'stop_file');
    await ks.resume({ reason: 'checked', by: 'carol' });
    assert.equal(existsSync(join(dir, 'STOP')), false);
    assert.equal(ks.isHalted(), false);
    await ks.close();
  });

  it('notices a STOP file by itself through the directory watch', async () => {
    const ks = await open({ pollMs: 0 });
    // The watch does not keep the process alive (a bot's own work does); this ref'd timer does, and fails the test.
    let guard: NodeJS.Timeout | undefined;
    const changed = new Promise<void>((resolve, reject) => {
      guard = setTimeout(() => reject(new Error('STOP file not noticed within 5 s')), 5000);
      ks.onChange((s) => s.halted && resolve());
    });
    writeFileSync(join(dir, 'STOP'), '');
    await changed;
    clearTimeout(guard);
    assert.equal(ks.isHalted(), true);
    await ks.close();
  });

  it('honours a pause written to circuit.json by another program (seed 001)', async () => {
    const ks = await open();
    writeFileSync(
      join(dir, 'circuit.json'),
      JSON.stringify({ paused: true, reason: 'legal review', since: 1 }),
    );
    await ks.refresh();
    const s = ks.state();
    assert.ok(s.halted && s.source === 'circuit_file' && s.reason === 'legal review');
    await ks.resume({ reason: 'review done', by: 'dave' });
    assert.equal(ks.isHalted(), false);
    await ks.close();
  });

  it('fails closed on a corrupt circuit.json, and on a store that cannot be read', async () => {
    const ks = await open();
    writeFileSync(join(dir, 'circuit.json'), '{"paused": tru');
    await ks.refresh();
    let s = ks.state();
    assert.ok(s.halted && s.source === 'unreadable' && /circuit\.json unreadable/.test(s.reason));
    rmSync(join(dir, 'circuit.json'));
    await ks.refresh();
    assert.equal(ks.isHalted(), false);
    await store.close();
    await ks.refresh();
    s = ks.state();
    assert.ok(s.halted && s.source === 'unreadable' && /store unreadable/.test(s.reason));
    store = SqliteStore.open(join(dir, 'warden.db'));
    await ks.close();
  });

  it('repairs a circuit.json left stale by a crash between the store write and the mirror', async () => {
    const ks = await open();
    const ev = await store.killSwitch.append({
      action: 'trip',
      at: 1,
      reason: 'crash test',
      by: 'x',
      source: 'test',
      host: 'h',
      pid: 1,
      flatten: false,
    });
    assert.equal(existsSync(join(dir, 'circuit.json')), false);
    await ks.refresh();
    const c = JSON.parse(readFileSync(join(dir, 'circuit.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(c['paused'], true);
    assert.equal(c['warden_event_id'], ev.id);
    await ks.close();
  });

  it('runs the flatten command on trip --flatten and alerts when it fails', async () => {
    const script = join(dir, 'flat.sh');
    writeFileSync(
      script,
      `#!/bin/sh\necho "closed 3 positions because $WARDEN_TRIP_REASON" > ${join(dir, 'flat.out')}\n`,
      { mode: 0o755 },
    );
    const ks = await open({ flatten: commandFlattenHook([script], 5000) });
    const r = await ks.trip({ reason: 'loss limit', flatten: true });
    assert.equal(r.flatten?.ok, true);
    assert.match(readFileSync(join(dir, 'flat.out'), 'utf8'), /because loss limit/);
    const bad = await open({
      flatten: commandFlattenHook(['sh', '-c', 'echo exchange down >&2; exit 4'], 5000),
    });
    const r2 = await bad.trip({ reason: 'again', flatten: true });
    assert.equal(r2.flatten?.ok, false);
    assert.match(r2.flatten!.detail, /exited 4: exchange down/);
    assert.ok(alerts.titles().includes('FLATTEN FAILED: positions may still be open'));
    assert.equal(bad.isHalted(), true, 'a failed flatten still leaves trading halted');
    await ks.close();
    await bad.close();
  });

  it('kills a flatten command that hangs past its timeout', async () => {
    const hook = commandFlattenHook(['sleep', '30'], 200);
    const r = await hook({ reason: 'x', signal: new AbortController().signal });
    assert.equal(r.ok, false);
    assert.match(r.detail, /killed by SIGKILL/);
  });

  it('refuses a resume of a halt older than the newest trip, and says what came since', async () => {
    const ks = await open();
    const other = await open({ source: 'watchdog' });
    await ks.trip({ reason: 'first' });
    const seen = ks.state();
    await other.trip({ reason: 'newer' }); // ks has not refreshed: its cached state is the first trip
    await assert.rejects(ks.resume({ reason: 'checked', by: 'alice' }), (err: Error) => {
      assert.ok(err instanceof ResumeConflictError);
      assert.equal(err.expected, seen.eventId);
      assert.deepEqual(
        err.since.map((e) => e.reason),
        ['newer'],
      );
      return true;
    });
    assert.equal((await ks.refresh()).halted, true, 'the newer trip still holds');
    const e = await ks.resume({ reason: 'checked both', by: 'alice' });
    const [, newer] = await store.killSwitch.history(2);
    assert.equal(newer!.reason, 'newer');
    assert.equal(e.clears, newer!.id, 'the resume names the halt it cleared');
    assert.equal(ks.isHalted(), false);
    await ks.close();
    await other.close();
  });

  it('halts from memory, the STOP file and circuit.json when the store refuses the trip, and records it later', async () => {
    let refuse = true;
    const full = Object.assign(new Error('store x: cannot write (SQLITE_FULL): the disk is full'), {
      code: 'E_STORE',
      cause: Object.assign(new Error('full'), { code: 'SQLITE_FULL' }),
    });
    const flaky: Store = {
      ...store,
      kind: store.kind,
      location: store.location,
      heartbeats: store.heartbeats,
      incidents: store.incidents,
      alerts: store.alerts,
      kv: store.kv,
      now: () => store.now(),
      close: () => store.close(),
      killSwitch: {
        ...store.killSwitch,
        append: (e) => (refuse ? Promise.reject(full) : store.killSwitch.append(e)),
        appendIfLatest: (id, e) => (refuse ? Promise.reject(full) : store.killSwitch.appendIfLatest(id, e)),
      },
    };
    const shouts: string[] = [];
    const ks = await KillSwitch.open({
      store: flaky,
      dataDir: dir,
      clock,
      alerts,
      pollMs: 0,
      shout: (l) => shouts.push(l),
    });
    const r = await ks.trip({ reason: 'bot frozen', by: 'watchdog' });
    assert.equal(r.recorded, false);
    assert.ok(!r.recorded && r.haltedBy.includes('STOP file') && r.haltedBy.includes('memory'));
    const s = ks.state();
    assert.ok(s.halted && s.source === 'memory' && /bot frozen/.test(s.reason));
    assert.ok(existsSync(join(dir, 'STOP')));
    const c = JSON.parse(readFileSync(join(dir, 'circuit.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([c['paused'], c['reason'], c['source']], [true, 'bot frozen', 'memory']);
    assert.ok(shouts.some((l) => /KILL SWITCH TRIPPED BUT NOT RECORDED/.test(l)));
    assert.ok(alerts.titles().some((t) => /trip NOT recorded/.test(t)));
    const held = await ks.refresh();
    assert.ok(held.halted && held.source === 'memory', 'still held while the store refuses');
    refuse = false;
    await ks.refresh();
    const h = await store.killSwitch.history();
    assert.deepEqual(
      h.map((e) => [e.action, e.reason, e.by]),
      [['trip', 'bot frozen', 'watchdog']],
    );
    assert.equal(ks.isHalted(), true);
    await ks.close();
  });
});
