// kill -9 a process appending to the decision log, at random moments, many times over the same
// directory: each restart resumes after the last good line (a torn tail is moved aside), the chain
// verifies, and every decision acknowledged as durable before a kill is in the log with its hash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DecisionLog, listSegments, verifyDecisionLog } from '../src/decisions/index.js';

const WRITER = join(import.meta.dirname, 'helpers', 'decisions-writer.ts');

/** Runs the writer for `ms` after it is ready, SIGKILLs it, returns the heads it acknowledged. */
async function runAndKill(dir: string, ms: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL', `writer died on its own (${code}): ${err}`);
  const acks = new Map<number, string>();
  for (const line of out.split('\n')) {
    const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line); // a line cut by the kill does not match
    if (m) acks.set(Number(m[1]), m[2]!);
  }
  return acks;
}

function hashesBySeq(dir: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const s of listSegments(dir))
    for (const l of readFileSync(s.path, 'utf8').split('\n'))
      if (l !== '') {
        const r = JSON.parse(l) as { seq: number; hash: string };
        m.set(r.seq, r.hash);
      }
  return m;
}

describe('decision log under kill -9', () => {
  it('loses at most the unflushed window and never breaks the chain', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-dlog-kill9-'));
    try {
      const acked = new Map<number, string>();
      const rounds = 12;
      let torn = 0;
      let lastSeq = 0;
      for (let round = 0; round < rounds; round++) {
        const ms = round === 0 ? 400 : 50 + Math.floor(Math.random() * 400);
        for (const [seq, hash] of await runAndKill(dir, ms)) acked.set(seq, hash);
        // What a restart does: open (repairing a torn tail), then the chain must verify.
        const log = DecisionLog.open({ dir });
        if (log.recovered) torn++;
        assert.ok(
          log.head.seq >= lastSeq,
          `round ${round}: the log went back from ${lastSeq} to ${log.head.seq}`,
        );
        lastSeq = log.head.seq;
        await log.close();
        const v = verifyDecisionLog(dir);
        assert.ok(v.ok, `round ${round}: ${JSON.stringify(v)}`);
        const present = hashesBySeq(dir);
        for (const [seq, hash] of acked)
          assert.equal(
            present.get(seq),
            hash,
            `round ${round}: durable decision seq ${seq} is missing or changed`,
          );
      }
      const tornFiles = readdirSync(dir).filter((f) => f.includes('.torn-')).length;
      t.diagnostic(
        `${rounds} kills, ${acked.size} durable acks checked, last seq ${lastSeq}, ${torn} torn tails moved aside (${tornFiles} files)`,
      );
      assert.ok(acked.size > rounds, `the writers acknowledged durable appends (${acked.size})`);
      assert.ok(lastSeq > acked.size, 'plain appends went in between the durable ones');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
