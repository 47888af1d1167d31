// Start-up of the hot-path commands a shell or Python bot runs many times a day, from the
// installed command (the checkout packed and `npm install -g`'d into a temp prefix, as
// test/helpers/packed-install.ts does), beside `node -e 0`. Each round spawns every contender once,
// interleaved; medians over ROUNDS (20) rounds, after one warm-up round.
//   npx tsx bench/startup.bench.ts          (WARDEN_BENCH_BIN=/path/to/warden skips the install;
//   WARDEN_BENCH_BASELINE=/path/to/other/warden adds that install's four commands, interleaved,
//   for a before/after in the same run)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installGlobally, mustRun, packCheckout } from '../test/helpers/packed-install.js';
import { WARDEN } from '../test/helpers/cli.js';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-startup-'));

function installed(): string {
  if (process.env.WARDEN_BENCH_BIN) return process.env.WARDEN_BENCH_BIN;
  const t0 = Date.now();
  const { tarball } = packCheckout(scratch);
  const bin = installGlobally(scratch, tarball, join(scratch, 'prefix'));
  console.log(`packed and installed in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${bin}`);
  return bin;
}

const bin = installed();
const work = mkdtempSync(join(scratch, 'work-'));
mustRun(bin, ['init'], { cwd: work }); // its config expects the heartbeat "bot"

// The ES module bundle (WARDEN_CODE_CACHE=0) is the "before" of the V8 code cache, in the same run.
const ESM = { WARDEN_CODE_CACHE: '0' };
const contenders: [string, string, string[], number, Record<string, string>?][] = [
  ['node -e 0', 'node', ['-e', '0'], 0],
  ['warden guard -- true', bin, ['guard', '--', 'true'], 0],
  ['warden check NBA', bin, ['check', 'NBA'], 0],
  ['warden heartbeat bot', bin, ['heartbeat', 'bot'], 0],
  ['warden status --json', bin, ['status', '--json'], 0],
  ['warden guard -- true (ES module bundle)', bin, ['guard', '--', 'true'], 0, ESM],
  ['warden check NBA (ES module bundle)', bin, ['check', 'NBA'], 0, ESM],
  ['warden heartbeat bot (ES module bundle)', bin, ['heartbeat', 'bot'], 0, ESM],
  ['warden status --json (ES module bundle)', bin, ['status', '--json'], 0, ESM],
  ['checkout bin/warden.js status --json', process.execPath, [WARDEN, 'status', '--json'], 0],
];
const baseline = process.env.WARDEN_BENCH_BASELINE;
if (baseline !== undefined)
  for (const args of [
    ['guard', '--', 'true'],
    ['check', 'NBA'],
    ['heartbeat', 'bot'],
    ['status', '--json'],
  ])
    contenders.push([`baseline warden ${args.join(' ')}`, baseline, args, 0]);

function spawnMs(cmd: string, args: string[], code: number, env: Record<string, string> = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: work,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== code) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const times = contenders.map(() => [] as number[]);
for (let round = -1; round < ROUNDS; round++)
  contenders.forEach(([, cmd, args, code, env], i) => {
    const ms = spawnMs(cmd, args, code, env);
    if (round >= 0) times[i]!.push(ms);
  });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = median(times[0]!);
console.log(`\nmedians of ${ROUNDS} spawns (ms); target: within 1.5x of node -e 0\n`);
console.log('| command | median ms | ratio |\n|---|---:|---:|');
contenders.forEach(([label], i) => {
  const m = median(times[i]!);
  console.log(`| ${label} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}x |`);
});
rmSync(scratch, { recursive: true, force: true });
