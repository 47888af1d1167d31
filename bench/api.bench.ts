// `GET /v1/check/:key`, `GET /v1/guard` and `POST /v1/gate` of the daemon's API, asked over
// loopback from another process with keep-alive, each beside a bare Fastify route returning the
// same JSON, in the same run. The servers run in their own process (bench/helpers/api-servers.ts),
// pinned to core 0 with `taskset -c 0`; the load generator is wrk (Debian's `wrk`), pinned to
// core 1, so the two never share a core. Without wrk, the old keep-alive Node client loop
// (bench/helpers/http-client-loop.ts) is the fallback (WARDEN_BENCH_CLIENT=node forces it). The
// gate is composed as `warden serve` composes it, once without and once with the daemon's decision
// log. Prints req/s, p50/p99 latency and the ratio to the bare route: medians of interleaved rounds.
//   npx tsx bench/api.bench.ts [MAX_REQUESTS] [SECONDS] [CONNECTIONS] [ROUNDS]
// (MAX_REQUESTS bounds only the Node client; wrk runs for SECONDS with CONNECTIONS open.)
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

const maxRequests = Number(process.argv[2] ?? 20_000);
const seconds = Number(process.argv[3] ?? 4);
const connections = Number(process.argv[4] ?? 4);
const rounds = Number(process.argv[5] ?? 3);
const client = fileURLToPath(new URL('./helpers/http-client-loop.ts', import.meta.url));
const servers = fileURLToPath(new URL('./helpers/api-servers.ts', import.meta.url));
const wrkScript = fileURLToPath(new URL('./helpers/wrk-report.lua', import.meta.url));

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error === undefined;
const useWrk = process.env['WARDEN_BENCH_CLIENT'] !== 'node' && has('wrk');
const pin = has('taskset');
/** `cmd args` on one core when taskset is there. */
const onCore = (core: number, cmd: string, args: string[]): [string, string[]] =>
  pin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];

// The servers, on core 0.
const [sCmd, sArgs] = onCore(0, process.execPath, ['--import', 'tsx', servers]);
const serverProc = spawn(sCmd, sArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: serverProc.stdout });
const nextLine = (): Promise<string> =>
  new Promise((resolve, reject) => {
    lines.once('line', resolve);
    serverProc.once('exit', (code) => reject(new Error(`servers exited ${code}`)));
  });
const ports = JSON.parse(await nextLine()) as {
  apiPort: number;
  gatePort: number;
  gateLoggedPort: number;
  barePort: number;
  pid: number;
};

/**
 * CPU time the servers' process has used (µs, user + system, from /proc: clock ticks of 10 ms), or
 * NaN off Linux. CPU per request is what a busy machine distorts least: other processes take
 * wall time from the servers, not CPU time per request.
 */
function serverCpuUs(): number {
  try {
    const f = readFileSync(`/proc/${ports.pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

interface LoopResult {
  n: number;
  seconds: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  errors: number;
  /** Server CPU per request (µs). */
  cpuUs?: number;
}

function collect(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`)),
    );
  });
}

async function runWrk(url: string, body?: string): Promise<LoopResult> {
  const [cmd, args] = onCore(1, 'wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    wrkScript,
    url,
  ]);
  const out = await collect(cmd, args, { WRK_BODY: body ?? '', WRK_TOKEN: 'bench-token' });
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
  const w = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    connect: number;
    read: number;
    write: number;
    status: number;
    timeout: number;
  };
  const s = w.durationUs / 1e6;
  return {
    n: w.requests,
    seconds: s,
    rps: w.requests / s,
    p50Us: w.p50Us,
    p99Us: w.p99Us,
    errors: w.connect + w.read + w.write + w.status + w.timeout,
  };
}

async function runNode(url: string, body?: string): Promise<LoopResult> {
  const [cmd, args] = onCore(1, process.execPath, [
    '--import',
    'tsx',
    client,
    url,
    String(maxRequests),
    String(seconds),
    String(connections),
    ...(body ? [body] : []),
  ]);
  return JSON.parse(await collect(cmd, args, { BENCH_TOKEN: 'bench-token' })) as LoopResult;
}
const client1 = useWrk ? runWrk : runNode;
async function run(url: string, body?: string): Promise<LoopResult> {
  const before = serverCpuUs();
  const r = await client1(url, body);
  return { ...r, cpuUs: (serverCpuUs() - before) / r.n };
}

const intent = JSON.stringify({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01, strategy: 'NBA' });
// [name, url, body]: a row with the anchor flag starts a group its ratios are taken against.
const targets: [string, string, string | undefined, boolean][] = [
  ['bare Fastify GET (anchor)', `http://127.0.0.1:${ports.barePort}/check/NBA`, undefined, true],
  ['warden GET /v1/check/NBA', `http://127.0.0.1:${ports.apiPort}/v1/check/NBA`, undefined, false],
  ['warden GET /v1/guard', `http://127.0.0.1:${ports.apiPort}/v1/guard`, undefined, false],
  ['bare Fastify POST (anchor)', `http://127.0.0.1:${ports.barePort}/gate`, intent, true],
  ['warden POST /v1/gate', `http://127.0.0.1:${ports.gatePort}/v1/gate`, intent, false],
  ['warden POST /v1/gate + log', `http://127.0.0.1:${ports.gateLoggedPort}/v1/gate`, intent, false],
];
const only = process.env['WARDEN_BENCH_ONLY'];
const chosen = only === 'gate' ? targets.slice(3) : targets;
console.log(
  `${new Date().toISOString()}  load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(
      ' ',
    )}  client: ${useWrk ? `wrk -t1 -c${connections} -d${seconds}s` : `node loop, ${connections} in flight, ≤ ${maxRequests} requests or ${seconds} s`}  ${pin ? 'servers on core 0, client on core 1 (taskset)' : 'not pinned (no taskset)'}`,
);
// Rounds interleave the routes, so load from other processes hits each alike; medians over rounds,
// and the ratio is the median of each round's ratio to its anchor.
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const byTarget = chosen.map(() => [] as LoopResult[]);
const ratios = chosen.map(() => [] as number[]);
const cpuRatios = chosen.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  let anchor: LoopResult | undefined;
  for (const [i, [, url, body, isAnchor]] of chosen.entries()) {
    const r = await run(url, body);
    if (isAnchor) anchor = r;
    byTarget[i]!.push(r);
    ratios[i]!.push(r.rps / anchor!.rps);
    cpuRatios[i]!.push(anchor!.cpuUs! / r.cpuUs!);
  }
}
console.log(`medians of ${rounds} interleaved rounds (load average now ${loadavg()[0]!.toFixed(2)})`);
for (const [i, [name]] of chosen.entries()) {
  const rs = byTarget[i]!;
  const us = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`);
  const rps = median(rs.map((r) => r.rps)).toFixed(0);
  const p50 = us(median(rs.map((r) => r.p50Us)));
  const p99 = us(median(rs.map((r) => r.p99Us)));
  const errors = rs.reduce((a, r) => a + r.errors, 0);
  const cpu = median(rs.map((r) => r.cpuUs!));
  const perRound = rs.map((r) => r.rps.toFixed(0)).join(' ');
  console.log(
    `${name.padEnd(30)} ${rps.padStart(7)} req/s  p50 ${p50.padStart(8)}  p99 ${p99.padStart(8)}  errors=${errors}` +
      `  this/anchor ${median(ratios[i]!).toFixed(2)}  server CPU ${cpu.toFixed(0)} µs/req` +
      ` (one idle core: ≈${(1e6 / cpu).toFixed(0)} req/s; by CPU anchor/this ${median(cpuRatios[i]!).toFixed(2)})` +
      `  rounds: ${perRound}`,
  );
}

serverProc.stdin.end();
const last = await nextLine().catch(() => '{}');
console.log(
  `decision log: ${(JSON.parse(last) as { logged?: number }).logged ?? '?'} gate decisions recorded`,
);
