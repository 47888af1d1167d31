import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARDEN, warden } from './helpers/cli.js';

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
let dir: string;
let trades: string;

/** A log big enough that the evaluation is caught mid-scan: S1 healthy, S2 bleeding. */
function writeLog(path: string, lines: number): void {
  const now = Date.parse(NOW);
  const fd = openSync(path, 'w');
  let buf: string[] = [];
  for (let i = 0; i < lines; i++) {
    const s1 = i % 2 === 0;
    buf.push(
      JSON.stringify({
        ts: new Date(now - DAY - (i % 1000) * 60_000).toISOString(),
        sport: s1 ? 'S1' : 'S2',
        resolved: 'YES',
        pnl_c: s1 ? 5 : -10,
        size: 2,
        entry_price_c: 50,
      }),
    );
    if (buf.length === 10_000) {
      writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length > 0) writeSync(fd, `${buf.join('\n')}\n`);
  closeSync(fd);
}

/** Whether process `pid` has `file` open (read from /proc: the real process, no hook in Warden). */
function hasOpen(pid: number, file: string): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    /* exited */
  }
  return false;
}

interface Attempt {
  /** The evaluation was stopped mid-scan (trade log open, state not yet written) while the block ran. */
  caught: boolean;
  evaluate: { code: number | null; stderr: string };
  block: { code: number | null; stderr: string };
}

/**
 * Starts `warden evaluate`, waits until it has read its inputs and is scanning the log, stops
 * it there with SIGSTOP, runs `warden strategy block S1` to completion in another process,
 * then lets the evaluation finish and write its state.
 */
async function raceOnce(dataDir: string): Promise<Attempt> {
  const child = spawn(
    process.execPath,
    [WARDEN, '--data-dir', dataDir, 'evaluate', '--trades', trades, '--now', NOW, '--full'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  let done = false;
  void exited.then(() => (done = true));
  const pid = child.pid as number;
  const deadline = Date.now() + 60_000;
  while (!done && !hasOpen(pid, trades) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  let caught = false;
  let block = { code: null as number | null, stderr: '' };
  if (!done) {
    process.kill(pid, 'SIGSTOP');
    caught = hasOpen(pid, trades); // frozen: if the log is still open, the state is not written yet
    const b = await warden([
      '--data-dir',
      dataDir,
      'strategy',
      'block',
      'S1',
      '--reason',
      'feed broken',
      '--by',
      'alice',
    ]);
    block = { code: b.code, stderr: b.stderr };
    caught &&= hasOpen(pid, trades); // still frozen mid-scan after the block finished
    process.kill(pid, 'SIGCONT');
  }
  const code = await exited;
  return { caught, evaluate: { code, stderr }, block };
}

describe('a manual block during an evaluation (two real processes)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-race-'));
    trades = join(dir, 'trades.jsonl');
    writeLog(trades, 300_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps S1 blocked when the block lands between the evaluation reading its inputs and writing', async () => {
    let attempt: Attempt | undefined;
    let dataDir = '';
    for (let i = 0; i < 4 && !attempt?.caught; i++) {
      dataDir = join(dir, `data-${i}`);
      // A prior state in which S1 is active, as last night's evaluation left it.
      const first = await warden(['--data-dir', dataDir, 'evaluate', '--trades', trades, '--now', NOW]);
      assert.equal(first.code, 0, first.stderr);
      attempt = await raceOnce(dataDir);
    }
    assert.ok(attempt?.caught, 'the evaluation was never caught mid-scan');
    assert.equal(attempt.block.code, 0, attempt.block.stderr);
    assert.equal(attempt.evaluate.code, 0, attempt.evaluate.stderr);
    const state = JSON.parse(readFileSync(join(dataDir, 'strategy_state.json'), 'utf8')) as {
      strategies: Record<string, { status: string; reason: string; override?: { by: string } }>;
    };
    assert.equal(state.strategies['S1']?.status, 'blocked');
    assert.equal(state.strategies['S1']?.reason, 'manual_block');
    assert.equal(state.strategies['S1']?.override?.by, 'alice');
    assert.equal(state.strategies['S2']?.status, 'blocked'); // the evaluation's own decision stands
    const check = await warden(['--data-dir', dataDir, 'check', 'S1']);
    assert.equal(check.code, 3, check.stdout);
    assert.deepEqual(JSON.parse(check.stdout), { allow: false, reason: 'circuit_breaker_blocked' });
  });

  it('keeps S1 blocked when the block was made before the evaluation and after it', async () => {
    const dataDir = join(dir, 'data-order');
    const block = await warden([
      '--data-dir',
      dataDir,
      'strategy',
      'block',
      'S1',
      '--reason',
      'r',
      '--by',
      'bob',
    ]);
    assert.equal(block.code, 0, block.stderr);
    const ev = await warden(['--data-dir', dataDir, 'evaluate', '--trades', trades, '--now', NOW, '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const out = JSON.parse(ev.stdout) as { strategies: Record<string, { status: string }> };
    assert.equal(out.strategies['S1']?.status, 'blocked');
    const unblock = await warden([
      '--data-dir',
      dataDir,
      'strategy',
      'unblock',
      'S1',
      '--reason',
      'r',
      '--by',
      'bob',
    ]);
    assert.equal(unblock.code, 0, unblock.stderr);
    assert.equal((await warden(['--data-dir', dataDir, 'check', 'S1'])).code, 0);
  });
});
