// The servers of bench/api.bench.ts, in a process of their own (so it can be pinned to one core
// with `taskset -c 0`): the daemon's API (`GET /v1/check/:key`, `GET /v1/guard`), `POST /v1/gate`
// composed as `warden serve` composes it (daemonGateRoutes: the config's gate section over the
// kill switch and strategy breaker, decisions counted in prom-client and offered to /v1/events),
// once without and once with the daemon's decision log, and the anchors: bare Fastify routes
// returning the same JSON. Prints one JSON line of ports; stops on SIGTERM or when stdin closes,
// printing `{"logged": N}` (decisions the log recorded).
//   node --import tsx bench/helpers/api-servers.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { SqliteStore } from '../../src/store/index.js';
import { KillSwitch } from '../../src/killswitch/index.js';
import { StrategyBreaker } from '../../src/strategy/index.js';
import { buildHttpApi, closeHttpApi } from '../../src/daemon/index.js';
import { daemonGateRoutes } from '../../src/daemon/daemon-gate.js';
import { DaemonEvents } from '../../src/daemon/daemon-events.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { createLogger } from '../../src/daemon/logger.js';
import { DecisionLog } from '../../src/decisions/index.js';
import { parseConfig } from '../../src/config/index.js';

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
  strategy: { breaker, stateKey: 'strategies' },
});
await api.listen({ host: '127.0.0.1', port: 0 });

const config = parseConfig({});
const decisionLog = DecisionLog.open({ dir: join(dir, 'decisions') });
const quiet = new Writable({ write: (_c, _e, done) => done() });
const logger = createLogger({ out: quiet, errors: quiet, pretty: false });
const closers: { close(): void }[] = [];
const gateApi = (logged: boolean) => {
  const metrics = new DaemonMetrics({ killSwitch: ks, store, heartbeats: [] });
  const events = new DaemonEvents();
  const parts = daemonGateRoutes(
    {},
    {
      config,
      killSwitch: ks,
      strategy: breaker,
      decisions: logged ? decisionLog : undefined,
      metrics,
      events,
      logger,
      store,
    },
  );
  closers.push(parts);
  return buildHttpApi({
    store,
    killSwitch: ks,
    dataDir: dir,
    token: 'bench-token',
    metrics: metrics.registry,
    events,
    routes: parts.routes,
  });
};
const gatePlain = gateApi(false);
const gateLogged = gateApi(true);
await gatePlain.listen({ host: '127.0.0.1', port: 0 });
await gateLogged.listen({ host: '127.0.0.1', port: 0 });

// The anchors: bare Fastify routes with the same answers, nothing else.
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

const port = (f: { server: { address(): unknown } }) => (f.server.address() as { port: number }).port;
process.stdout.write(
  `${JSON.stringify({
    apiPort: port(api),
    gatePort: port(gatePlain),
    gateLoggedPort: port(gateLogged),
    barePort: port(bare),
    pid: process.pid,
  })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of closers) c.close();
  await closeHttpApi(gatePlain, 500);
  await closeHttpApi(gateLogged, 500);
  await decisionLog.flush();
  process.stdout.write(`${JSON.stringify({ logged: decisionLog.durableHead.seq })}\n`);
  await decisionLog.close();
  await closeHttpApi(api, 500);
  await bare.close();
  breaker.close();
  await ks.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
