// `GET /v1/check/:key`, `GET /v1/guard` and `POST /v1/gate` of the daemon's API, asked over
// loopback from another process with keep-alive, each beside a bare Fastify route returning the
// same JSON, in the same run. The gate is composed as `warden serve` composes it (the config's
// gate section over the kill switch and the strategy breaker), once without and once with the
// daemon's decision log. Prints req/s, p50/p99 latency and the ratio to the bare route.
//   npx tsx bench/api.bench.ts [MAX_REQUESTS] [MAX_SECONDS] [CONCURRENCY] [ROUNDS]
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
import { gateRoutes } from '../src/daemon/routes/gate-routes.js';
import { registerGateMetrics } from '../src/daemon/gate-metrics.js';
import { KillSwitchLayer, StrategyLayer, gateFromConfig } from '../src/gate/index.js';
import { DecisionLog } from '../src/decisions/index.js';
import { parseConfig } from '../src/config/index.js';
import { Registry } from 'prom-client';

const maxRequests = Number(process.argv[2] ?? 20_000);
const maxSeconds = Number(process.argv[3] ?? 4);
const concurrency = Number(process.argv[4] ?? 4);
const rounds = Number(process.argv[5] ?? 3);
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

// POST /v1/gate as `warden serve` serves it: the gate over the same kill switch and breaker,
// decisions counted in prom-client; `logged` also appends each decision to a decision log.
const gateSection = parseConfig({}).gate;
const decisionLog = DecisionLog.open({ dir: join(dir, 'decisions') });
const gateApi = (logged: boolean) => {
  const { gate } = gateFromConfig(gateSection, {
    killSwitch: new KillSwitchLayer(ks),
    strategy: new StrategyLayer(breaker),
    decisions: logged ? decisionLog : undefined,
    by: 'daemon',
  });
  const registry = new Registry();
  return buildHttpApi({
    store,
    killSwitch: ks,
    dataDir: dir,
    token: 'bench-token',
    metrics: registry,
    routes: [gateRoutes(gate, registerGateMetrics(registry, {}))],
  });
};
const gatePlain = gateApi(false);
const gateLogged = gateApi(true);
await gatePlain.listen({ host: '127.0.0.1', port: 0 });
await gateLogged.listen({ host: '127.0.0.1', port: 0 });
const gatePort = (gatePlain.server.address() as { port: number }).port;
const gateLoggedPort = (gateLogged.server.address() as { port: number }).port;
const intent = JSON.stringify({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01, strategy: 'NBA' });

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
// The gate's anchor: a bare Fastify POST route (JSON body parsed) returning the gate's allow answer.
const gateAnswer = { allow: true, reason: 'allowed', layer: 'gate' };
bare.post('/gate', () => gateAnswer);
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
function run(url: string, body?: string): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    const args = [client, url, String(maxRequests), String(maxSeconds), String(concurrency)];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args, ...(body ? [body] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_TOKEN: 'bench-token' },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoopResult) : reject(new Error(`client exited ${code}`)),
    );
  });
}

// [name, url, body]: a row with the anchor flag starts a group its ratios are taken against.
const targets: [string, string, string | undefined, boolean][] = [
  ['bare Fastify GET (anchor)', `http://127.0.0.1:${barePort}/check/NBA`, undefined, true],
  ['warden GET /v1/check/NBA', `http://127.0.0.1:${apiPort}/v1/check/NBA`, undefined, false],
  ['warden GET /v1/guard', `http://127.0.0.1:${apiPort}/v1/guard`, undefined, false],
  ['bare Fastify POST (anchor)', `http://127.0.0.1:${barePort}/gate`, intent, true],
  ['warden POST /v1/gate', `http://127.0.0.1:${gatePort}/v1/gate`, intent, false],
  ['warden POST /v1/gate + log', `http://127.0.0.1:${gateLoggedPort}/v1/gate`, intent, false],
];
console.log(
  `keep-alive client in another process, ${concurrency} in flight, ≤ ${maxRequests} requests or ${maxSeconds} s each`,
);
// Rounds interleave the routes, so load from other processes hits each alike; medians over rounds,
// and the ratio is the median of each round's ratio to its anchor.
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const byTarget = targets.map(() => [] as LoopResult[]);
const ratios = targets.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  let anchor: LoopResult | undefined;
  for (const [i, [, url, body, isAnchor]] of targets.entries()) {
    const r = await run(url, body);
    if (isAnchor) anchor = r;
    byTarget[i]!.push(r);
    ratios[i]!.push(r.rps / anchor!.rps);
  }
}
console.log(`medians of ${rounds} interleaved rounds`);
for (const [i, [name]] of targets.entries()) {
  const rs = byTarget[i]!;
  console.log(
    `${name.padEnd(30)} ${median(rs.map((r) => r.rps))
      .toFixed(0)
      .padStart(7)} req/s  p50 ${median(rs.map((r) => r.p50Us))
      .toFixed(0)
      .padStart(5)} µs  p99 ${median(rs.map((r) => r.p99Us))
      .toFixed(0)
      .padStart(
        5,
      )} µs  errors=${rs.reduce((a, r) => a + r.errors, 0)}  this/anchor ${median(ratios[i]!).toFixed(2)}`,
  );
}

await closeHttpApi(gatePlain, 500);
await closeHttpApi(gateLogged, 500);
console.log(`decision log: ${decisionLog.durableHead.seq} gate decisions recorded`);
await decisionLog.close();
await closeHttpApi(api, 500);
await bare.close();
breaker.close();
await ks.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
