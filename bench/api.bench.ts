// `GET /v1/check/:key` and `GET /v1/guard` of the daemon's API, asked over loopback from
// another process with keep-alive, beside a bare Fastify route returning the same JSON, in the
// same run. Prints req/s, p50/p99 latency and the ratio to the bare route.
//   npx tsx bench/api.bench.ts [MAX_REQUESTS] [MAX_SECONDS] [CONCURRENCY]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { SqliteStore } from '../src/store/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { StrategyBreaker } from '../src/strategy/index.js';
import { buildHttpApi, closeHttpApi } from '../src/daemon/index.js';

const maxRequests = Number(process.argv[2] ?? 20_000);
const maxSeconds = Number(process.argv[3] ?? 4);
const concurrency = Number(process.argv[4] ?? 4);
const client = fileURLToPath(new URL('./helpers/http-client-loop.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-api-'));
const statePath = join(dir, 'strategy_state.json');
const now = Date.now();
writeFileSync(
  statePath,
  JSON.stringify({
    as_of: new Date(now).toISOString(),
    as_of_unix: now / 1000,
    strategies: { NBA: { status: 'active', roi_30d: 0.1, n_30d: 50, tripped_at: null, note: '' } },
  }),
);
const store = SqliteStore.open(join(dir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 1000 });
const breaker = new StrategyBreaker({ statePath });
const api = buildHttpApi({
  store,
  killSwitch: ks,
  dataDir: dir,
  token: 'bench-token',
  strategy: { breaker, statePath, stateKey: 'strategies' },
});
await api.listen({ host: '127.0.0.1', port: 0 });
const apiPort = (api.server.address() as { port: number }).port;

// The anchor: a bare Fastify route with the same answer and a response schema, nothing else.
const bare = Fastify({ logger: false });
const answer = { allow: true, reason: 'active' };
bare.get(
  '/check/:key',
  {
    schema: {
      response: {
        200: { type: 'object', properties: { allow: { type: 'boolean' }, reason: { type: 'string' } } },
      },
    },
  },
  () => answer,
);
await bare.listen({ host: '127.0.0.1', port: 0 });
const barePort = (bare.server.address() as { port: number }).port;

interface LoopResult {
  n: number;
  seconds: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}
function run(url: string): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', client, url, String(maxRequests), String(maxSeconds), String(concurrency)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoopResult) : reject(new Error(`client exited ${code}`)),
    );
  });
}

const targets: [string, string][] = [
  ['bare Fastify route (anchor)', `http://127.0.0.1:${barePort}/check/NBA`],
  ['warden GET /v1/check/NBA', `http://127.0.0.1:${apiPort}/v1/check/NBA`],
  ['warden GET /v1/guard', `http://127.0.0.1:${apiPort}/v1/guard`],
];
console.log(
  `keep-alive client in another process, ${concurrency} in flight, ≤ ${maxRequests} requests or ${maxSeconds} s each`,
);
const results: LoopResult[] = [];
for (const [name, url] of targets) {
  const r = await run(url);
  results.push(r);
  const ratio = results[0]!.rps / r.rps;
  console.log(
    `${name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Us.toFixed(0).padStart(5)} µs  p99 ${r.p99Us.toFixed(0).padStart(5)} µs  n=${r.n} errors=${r.errors}  anchor/this ${ratio.toFixed(2)}×`,
  );
}

await closeHttpApi(api, 500);
await bare.close();
breaker.close();
await ks.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
