import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, warden, workspace } from './helpers/cli.js';

const DAY_S = 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the skewed-beater helper: one beat through the library with the process clock moved by offsetMs. */
async function beatWithClockOffset(
  dataDir: string,
  offsetMs: number,
): Promise<{ at: number; receivedAt: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/helpers/skewed-beater.ts'), dataDir, String(offsetMs)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  return JSON.parse(out) as { at: number; receivedAt: number };
}

describe('processes: a heartbeat stamped in the future', () => {
  it('a seed-format heartbeat.json stamped a day ahead: watch --once exits 1 with clock_skew and trips', async () => {
    const w = workspace({
      heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 30, file: 'heartbeat.json', tripOnFailure: true }],
      alerts: { channels: [{ type: 'stderr' }] },
    });
    mkdirSync(w.dataDir, { recursive: true });
    const at = Date.now() / 1000 + DAY_S;
    writeFileSync(join(w.dataDir, 'heartbeat.json'), `${JSON.stringify({ at, iso: 'x', status: 'ok' })}\n`);
    const r = await warden([...w.args, 'watch', '--once']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const ahead = /FAIL bot: heartbeat bot is stamped (\d+)s ahead of the watchdog's clock/.exec(r.stdout);
    assert.ok(ahead && Number(ahead[1]) > DAY_S - 300 && Number(ahead[1]) <= DAY_S, r.stdout);
    assert.match(r.stderr, /Heartbeat bot: clock_skew/);
    const s = await warden([...w.args, 'status', '--json']);
    assert.equal(s.code, 1);
    const st = JSON.parse(s.stdout) as { halted: boolean; by: string; reason: string };
    assert.equal(st.halted, true);
    assert.equal(st.by, 'watchdog');
    assert.match(st.reason, /stamped .* ahead/);
  });

  it('a beat from a process whose clock is an hour fast is clock_skew at once, and late by its received time', async () => {
    // Period + grace of 10 s: long enough that a loaded machine's first check still finds the beat
    // on time (late is reported before clock_skew), short enough to then see it go late.
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 5, graceSec: 5, tripOnFailure: false }] });
    mkdirSync(w.dataDir, { recursive: true });
    const rec = await beatWithClockOffset(w.dataDir, 3_600_000);
    const first = await warden([...w.args, 'watch', '--once']);
    assert.equal(first.code, 1);
    const ahead = /FAIL bot: heartbeat bot is stamped (\d+)s ahead/.exec(first.stdout);
    assert.ok(ahead && Number(ahead[1]) > 3300 && Number(ahead[1]) <= 3600, first.stdout);
    assert.ok(rec.at - rec.receivedAt > 3_590_000, 'the store kept the time it received the beat');
    const status = await warden([...w.args, 'status']);
    assert.match(
      status.stdout,
      /heartbeat bot: ok received \d+s ago, stamped 3\d{3}s ahead of that \(clock_skew\)/,
    );
    // The writer stopped; by its own stamp it would look fresh for an hour.
    while (Date.now() - rec.receivedAt < 10_500) await sleep(100);
    const later = await warden([...w.args, 'watch', '--once']);
    assert.equal(later.code, 1);
    assert.match(
      later.stdout,
      /FAIL bot: heartbeat bot stale: \d+(?:\.\d)?s > 10(?:\.0)?s \(by the time it was received\)/,
    );
  });

  it('a beat within the tolerance is fine, and the tolerance is configurable', async () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 30 }] });
    mkdirSync(w.dataDir, { recursive: true });
    await beatWithClockOffset(w.dataDir, 3000);
    const ok = await warden([...w.args, 'watch', '--once']);
    assert.match(ok.stdout, /ok {3}bot/);
    assert.equal(ok.code, 0);
    const strict = workspace({
      heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 30, tripOnFailure: false }],
      watchdog: { clockSkewToleranceMs: 1000 },
    });
    const r = await warden([...strict.args, '--data-dir', w.dataDir, 'watch', '--once']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL bot: .*tolerance 1\.0s/);
  });
});
