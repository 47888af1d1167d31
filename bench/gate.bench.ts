// The pre-trade gate with every layer enabled, beside what a user would write instead: the same
// checks as a hand-written chain of plain `if`s over the same pushed state, and the seed's
// stat-per-call kill-switch reader (seed 000's style: stat circuit.json on every check). Then
// check() with the decision log (every decision chained, hashed and group-committed, the loop
// yielding so the commit runs), explain() and append() apart, and the
// heap over 10 million checks.
//   node --expose-gc --import tsx bench/gate.bench.ts      (without --expose-gc the heap line is skipped)
// Every layer is the real thing: a KillSwitch over SQLite, the DegradationManager, Freshness, a
// StrategyBreaker over a state file, the SessionLossLimit, RiskLimitsLayer, BreakerLayer over a
// CircuitBreaker, RateLimitLayer; every slot filled (the run checks it and says so).
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSink, nsPerOp, seedStatReader } from './helpers/seed-reader.js';

let loggedSink = 0;
const benchSinkAdd = (): void => void loggedSink++;
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { DecisionLog } from '../src/decisions/index.js';
import {
  BreakerLayer,
  KillSwitchLayer,
  RateLimitLayer,
  RiskLimitsLayer,
  StrategyLayer,
  createGate,
  type GateIntent,
  type GateOptions,
} from '../src/gate/index.js';
import { Freshness } from '../src/market/index.js';
import { DegradationManager } from '../src/modes/index.js';
import { SessionLossLimit } from '../src/risk/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { CircuitBreaker, ConsecutiveRule } from '../src/resilience/index.js';
import { SqliteStore } from '../src/store/index.js';
import { StrategyBreaker } from '../src/strategy/runtime/strategy-breaker.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const N = Number(process.env.N ?? 1_000_000);
const LOG_N = Number(process.env.LOG_N ?? 5_000);
const HEAP_N = 10_000_000;
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-gate-'));

// The gate reads the wall clock (Date.now()) once per check, as in production. A second gate on
// a clock that stands still isolates the gate's own allocation from V8's: Date.now() returns a
// freshly allocated HeapNumber (an epoch-ms time is no small integer), 16 bytes per call.
const clock = { now: () => Date.now() };
const frozen = { now: () => 1_764_590_400_000 };
const t = Date.now();

const store = SqliteStore.open(join(dir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0 });
const statePath = join(dir, 'strategy_state.json');
writeFileSync(
  statePath,
  JSON.stringify({ as_of_unix: Date.now() / 1000, strategies: { momo: { status: 'active' } } }),
);
const sb = new StrategyBreaker({ statePath, watch: false, reloadIntervalMs: 0 });
const cb = new CircuitBreaker({ name: 'venue', rule: new ConsecutiveRule(5) });

// The modes, freshness and loss-limit layers are the real ones, with their state pushed as a bot
// (or openWarden) pushes it: account figures and a tick, then the checks.
const DAY = 86_400_000;
function healthLayers(c: { now(): number }) {
  const mode = new DegradationManager({
    killSwitch: ks,
    clock: c,
    intervalMs: 0,
    feedMaxAgeMs: 365 * DAY,
    accountMaxAgeMs: 0,
  });
  mode.report({ balance: 10_000, equity: 10_000 });
  mode.feedTick(c.now());
  const freshness = new Freshness({ clock: c, maxAgeMs: 365 * DAY });
  freshness.tick('BTC/USDT', 61_000, c.now());
  const lossLimit = new SessionLossLimit({ killSwitch: ks, maxLoss: 5_000, clock: c, intervalMs: 0 });
  lossLimit.report({ realised: 0, unrealised: -120, equity: 10_000 });
  return { mode, freshness, lossLimit };
}

function layers(c: { now(): number } = clock, rateSlots = 100_000): GateOptions {
  const risk = new RiskLimitsLayer({ maxOrderNotional: 1e6, maxPosition: 1e9, maxOpenOrders: 50 });
  risk.update({ positions: { 'BTC/USDT': 0.5 }, prices: { 'BTC/USDT': 61_000 }, openOrders: 3 });
  const health = healthLayers(c);
  return {
    killSwitch: new KillSwitchLayer(ks),
    mode: health.mode,
    freshness: health.freshness,
    strategy: new StrategyLayer(sb),
    lossLimit: health.lossLimit,
    riskLimits: risk,
    breaker: new BreakerLayer(cb),
    // sized so that every check of the tight loop is allowed: the allow path is what is measured
    rateLimit: new RateLimitLayer({
      overall: { limit: rateSlots, windowMs: 1 },
      perStrategy: { limit: rateSlots, windowMs: 1 },
    }),
    clock: c,
  };
}

// the hand-written chain's own pushed state (what the three health layers hold)
const pushed = { mode: 'FULL' as string, lastTick: t, pnl: -120 };

const intent: GateIntent = { symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 61_000, strategy: 'momo' };
const gate = createGate(layers());
const empty = gate.layers.filter((l) => l.layer === null).map((l) => l.slot);
if (empty.length > 0)
  throw new Error(`bench: every layer must be enabled, these slots are empty: ${empty.join(', ')}`);
if (!gate.check(intent).allow)
  throw new Error(`bench: the allow path is measured, got ${gate.check(intent).reason}`);
console.log(`gate slots: ${gate.layers.map((l) => `${l.slot}=${l.layer}`).join(' ')}`);

// The hand-written chain: the same checks over the same pushed state, as plain ifs.
const hand = (() => {
  const ring = new Float64Array(100_000);
  const sring = new Float64Array(100_000);
  let head = 0;
  let count = 0;
  let shead = 0;
  let scount = 0;
  const position = new Map([['BTC/USDT', 0.5]]);
  const openOrders = 3;
  return (i: GateIntent): boolean => {
    const now = clock.now();
    if (ks.isHalted() && i.reduceOnly !== true) return false;
    if (pushed.mode !== 'FULL' && i.reduceOnly !== true) return false;
    if (!(now - pushed.lastTick <= 1e12)) return false;
    if (i.strategy !== undefined && !sb.check(i.strategy).allow) return false;
    if (!(pushed.pnl > -5000)) return false;
    const price = i.price ?? 61_000;
    if (!(i.amount * price <= 1e6)) return false;
    const p = (position.get(i.symbol) ?? 0) + (i.side === 'buy' ? i.amount : -i.amount);
    if (!(Math.abs(p) <= 1e9)) return false;
    if (!(openOrders + 1 <= 50)) return false;
    if (!cb.allows()) return false;
    if (count === 100_000 && !(ring[head]! <= now - 1)) return false;
    if (scount === 100_000 && !(sring[shead]! <= now - 1)) return false;
    if (count < 100_000) ring[(head + count++) % 100_000] = now;
    else {
      ring[head] = now;
      head = (head + 1) % 100_000;
    }
    if (scount < 100_000) sring[(shead + scount++) % 100_000] = now;
    else {
      sring[shead] = now;
      shead = (shead + 1) % 100_000;
    }
    return true;
  };
})();

// seed 000's style of kill-switch reader: stat per call, re-read when the mtime moved
const circuit = join(dir, 'seed-circuit.json');
writeFileSync(circuit, JSON.stringify({ paused: false }));
const seedStat = seedStatReader(circuit);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases: [string, () => boolean, number][] = [
  ['warden gate.check(), 8 layers, no log', () => gate.check(intent).allow, N],
  ['hand-written if-chain, same checks', () => hand(intent), N],
  ['seed 000 style: stat circuit.json per call (kill switch only)', seedStat, Math.max(1, N / 20)],
];
const results = new Map<string, number[]>();
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, fn, n] of cases) {
    const ns = nsPerOp(fn, n);
    if (round > 0) results.set(name, [...(results.get(name) ?? []), ns]); // round 0 warms up
  }
}

// Heap over 10M checks on the allow path (needs --expose-gc), and the GCs that ran during them.
const gc = (globalThis as { gc?: () => void }).gc;
async function heapOver(name: string, check: () => boolean): Promise<void> {
  if (gc === undefined) return;
  const gcAt: number[] = [];
  const obs = new PerformanceObserver((list) => gcAt.push(...list.getEntries().map((e) => e.startTime)));
  obs.observe({ entryTypes: ['gc'] });
  gc();
  gc();
  await tick();
  const before = process.memoryUsage().heapUsed;
  const from = performance.now();
  let allowed = 0;
  for (let i = 0; i < HEAP_N; i++) if (check()) allowed++;
  const to = performance.now();
  await tick();
  await tick();
  obs.disconnect();
  const gcsDuring = gcAt.filter((s) => s >= from && s <= to).length;
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(
    `  ${name}: ${allowed.toLocaleString('en')} of ${HEAP_N.toLocaleString('en')} allowed; ` +
      `heap after gc ${before} B -> ${after} B (${after - before >= 0 ? '+' : ''}${after - before} B); ` +
      `GCs during the loop: ${gcsDuring}`,
  );
}
if (gc === undefined) {
  console.log('heap: run with node --expose-gc --import tsx bench/gate.bench.ts to measure it');
} else {
  console.log('heap over 10M allow-path checks, every layer enabled:');
  await heapOver('gate.check(), wall clock (Date.now() per check)', () => gate.check(intent).allow);
  // time stands still, so the rate limit gets a slot for every check (allocated before the loop)
  const still = createGate(layers(frozen, HEAP_N));
  await heapOver('gate.check(), a clock standing still', () => still.check(intent).allow);
  await heapOver('hand-written if-chain, wall clock', () => hand(intent));
}

// With the decision log: each check is explained and appended (chained, SHA-256, group commit).
// The loop yields to the event loop every YIELD_EVERY checks, as a bot's loop does between
// orders, so the group-commit timer fires and its fsync runs (in the thread pool, beside the
// loop) while checks go on: the figure includes the commit, not a buffer that only grows. Then
// the two halves apart: explain() (every layer's verdict and inputs) and append() of that record.
const YIELD_EVERY = Number(process.env.YIELD_EVERY ?? 100);
const decisionLog = DecisionLog.open({ dir: join(dir, 'decisions') });
const logged = createGate({ ...layers(), decisions: decisionLog });
async function loggedNsPerCheck(n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (logged.check(intent).allow) benchSinkAdd();
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
  }
  return Number(process.hrtime.bigint() - t0) / n;
}
const appendLog = DecisionLog.open({ dir: join(dir, 'decisions-append') });
const e0 = logged.explain(intent);
const record = {
  kind: 'gate',
  by: 'gate',
  data: { allow: e0.allow, reason: e0.reason, layer: e0.layer, intent: e0.intent, layers: e0.layers },
};
const logNs: number[] = [];
const explainNs: number[] = [];
const appendNs: number[] = [];
const syncedBefore = decisionLog.durableHead.seq;
for (let round = 0; round <= ROUNDS; round++) {
  const ns = await loggedNsPerCheck(LOG_N);
  const ex = nsPerOp(() => logged.explain(intent).allow, LOG_N);
  const ap = nsPerOp(() => appendLog.append(record).seq > 0, LOG_N);
  await appendLog.flush();
  if (round > 0) {
    logNs.push(ns);
    explainNs.push(ex);
    appendNs.push(ap);
  }
}
const durableInLoop = decisionLog.durableHead.seq - syncedBefore;
const appended = decisionLog.head.seq - syncedBefore;
await decisionLog.flush();
console.log(
  `decision log: ${appended.toLocaleString('en')} logged checks, ${durableInLoop.toLocaleString('en')} of them ` +
    `made durable by group commit during the loop (the rest by the final flush)`,
);
results.set(`warden gate.check() with the decision log (yield every ${YIELD_EVERY})`, logNs);
results.set('  of which: gate.explain() (every verdict and input)', explainNs);
results.set('  of which: decisionLog.append() of that record', appendNs);

const base = median(results.get(cases[0]![0])!);
console.log(`gate check, median of ${ROUNDS} rounds (ns per check; ratio to gate.check() without the log)`);
for (const [name, xs] of results) {
  const m = median(xs);
  console.log(`  ${name.padEnd(66)} ${m.toFixed(1).padStart(10)} ns  ${(m / base).toFixed(2)}x`);
}

if (benchSink() < 0 || loggedSink < 0) console.log(benchSink(), loggedSink);
sb.close();
await decisionLog.close();
await appendLog.close();
await ks.close();
await store.close();
