// Two real processes race for one decision log: exactly one gets it, the other is refused with the
// owner's pid, also when both find a stale lock of a dead process and race to take it over. The
// chain never forks: it verifies and holds exactly the decisions of the winners.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { listSegments, verifyDecisionLog } from '../src/decisions/index.js';

const RACER = join(import.meta.dirname, 'helpers', 'decisions-racer.ts');
const N = 500;

interface Racer {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  waitFor: (re: RegExp) => Promise<string>;
  exited: Promise<unknown[]>;
}

function racer(dir: string): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, dir, String(N)]);
  const exited = once(child, 'exit');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(t);
          resolve(m[0]);
        } else if (child.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`racer exited (${child.exitCode}) without ${re}: ${out} ${err}`));
        }
      }, 5);
    });
  return { child, out: () => out, waitFor, exited };
}

function lineCount(dir: string): number {
  return listSegments(dir).reduce((n, s) => n + readFileSync(s.path, 'utf8').split('\n').length - 1, 0);
}

describe('two writers, one decision log', () => {
  it('lets exactly one process append; the other is refused naming the owner', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-dlog-two-'));
    const logDir = join(dir, 'decisions');
    try {
      let expected = 0;
      const rounds = 6;
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 1) {
          // A stale lock of a dead process: both racers try to take it over at once.
          const dead = Number(
            spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
          );
          mkdirSync(logDir, { recursive: true });
          writeFileSync(
            join(logDir, 'decisions.lock'),
            JSON.stringify({ host: hostname(), pid: dead, start: null, nonce: 'dead', since: 'earlier' }),
          );
        }
        const a = racer(logDir);
        const b = racer(logDir);
        await Promise.all([a.waitFor(/ready/), b.waitFor(/ready/)]);
        a.child.stdin.write('go\n');
        b.child.stdin.write('go\n');
        const results = await Promise.all(
          [a, b].map((r) => r.waitFor(/opened|locked [^\n]*/).then((s) => ({ r, s }))),
        );
        const winners = results.filter((x) => x.s === 'opened');
        const losers = results.filter((x) => x.s !== 'opened');
        assert.equal(winners.length, 1, `round ${round}: ${results.map((x) => x.s).join(' / ')}`);
        const winner = winners[0]!.r;
        assert.match(losers[0]!.s, new RegExp(`held by pid ${winner.child.pid} on `));
        const [code] = (await losers[0]!.r.exited) as [number];
        assert.equal(code, 3);
        winner.child.stdin.write('finish\n');
        await winner.waitFor(/done \d+/);
        await winner.exited;
        expected += N;
        const v = verifyDecisionLog(logDir);
        assert.ok(v.ok, `round ${round}: ${JSON.stringify(v)}`);
        assert.equal(v.lines, expected);
        assert.equal(lineCount(logDir), expected, 'no line of the loser was written');
      }
      t.diagnostic(`${rounds} races (3 over a stale lock), ${expected} decisions, one chain`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
