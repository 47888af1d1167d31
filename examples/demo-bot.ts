// A trading bot protected by Warden: the example to copy. Run: tsx examples/demo-bot.ts CONFIG
// (`warden demo` writes the config and runs this file in its own process, restarting it when it dies.)
// In your own project, import from 'warden' and 'warden/reactions' instead of '../src/...'.
//
// What it shows: the real ccxt client through CcxtExchange (the config's `exchange` section), a
// heartbeat every cycle, reconciliation before the first order, every order through the gate and the
// executor (exactly once per idempotency key), checkpoints, and the health signals pushed to the
// layers (the exchange breaker, the price feed, P&L). It prints one JSON line per event on stdout.
import { join, resolve } from 'node:path';
import {
  AutoCheckpointer,
  BreakerLayer,
  CheckpointStore,
  CircuitBreaker,
  ConsecutiveRule,
  DecisionLog,
  DegradationManager,
  Executor,
  Freshness,
  HeartbeatWriter,
  KillSwitch,
  KillSwitchLayer,
  ReadinessLatch,
  RetryPolicy,
  SessionLossLimit,
  ShadowLedger,
  SqliteStore,
  StrategyBreaker,
  StrategyLayer,
  TimeoutPolicy,
  createAlerter,
  createExchangeFromConfig,
  createSqliteOrderStores,
  degradationOptionsFromConfig,
  freshnessOptionsFromConfig,
  fullJitterBackoff,
  gateFromConfig,
  isDependencyFailure,
  loadConfig,
  lossLimitOptionsFromConfig,
  reconcile,
  wrap,
} from '../src/index.js';
import { classifyOrderFailure, checkpointOnExecutorChanges } from '../src/orders/index.js';
import { flattenHookFromConfig, watchExchangeBreakerFromConfig } from '../src/public/reactions.js';
import type { LossLimitSnapshot } from '../src/risk/index.js';
import type { Balance } from '../src/exchange/index.js';

/** What this bot checkpoints: what reconciliation compares, and the state its layers restart from. */
interface BotCheckpoint {
  readonly balances: readonly Balance[];
  readonly lossLimit: LossLimitSnapshot;
  readonly peakEquity: number | null;
}

const SYMBOL = 'BTC/USDT';
const STRATEGY = 'trend';
const CYCLE_MS = Number(process.env['DEMO_BOT_CYCLE_MS'] ?? 250);
const say = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...data })}\n`);

// 1. The parts, all from the config: the store, alerts, the kill switch (with the built-in flatten), the venue.
const loaded = loadConfig({ configPath: process.argv[2] });
const { config, dataDir } = loaded;
const store = SqliteStore.open(join(dataDir, 'warden.db'));
const alerts = createAlerter(config, store);
const killSwitch = await KillSwitch.open({
  store,
  dataDir,
  source: 'bot',
  pollMs: 200,
  alerts,
  flatten: flattenHookFromConfig(loaded, store, { alerts }),
});
const exchange = await createExchangeFromConfig(config.exchange!);
const { orders, dlq } = createSqliteOrderStores(store.database);
const decisions = DecisionLog.open({ dir: join(dataDir, config.decisions.dir) });

// 2. The exchange's breaker: opens after 5 failures in a row, probes again after 3 s.
const breaker = new CircuitBreaker({
  name: 'exchange',
  rule: new ConsecutiveRule(5),
  openMs: 3_000,
  isFailure: isDependencyFailure,
});
const watch = watchExchangeBreakerFromConfig(config, breaker, { alerts, killSwitch });
const policy = wrap(
  new RetryPolicy({
    sideEffect: true,
    maxAttempts: 3,
    backoff: fullJitterBackoff({ initialMs: 100, maxMs: 500 }),
    classify: classifyOrderFailure,
  }),
  breaker,
  new TimeoutPolicy({ ms: 3_000, mode: 'abandon' }),
);

// 3. The layers the gate asks before every order, and the checkpoint they restart from.
const checkpoints = CheckpointStore.open(join(dataDir, 'checkpoints'));
const saved = checkpoints.loadLatest()?.checkpoint.state as BotCheckpoint | undefined;
const mode = new DegradationManager(
  degradationOptionsFromConfig(config.modes, {
    killSwitch,
    alerts,
    decisions,
    by: 'bot',
    initialState: { peakEquity: saved?.peakEquity ?? undefined },
  }),
);
mode.followBreaker(breaker);
const freshness = new Freshness(freshnessOptionsFromConfig(config.freshness, { alerts }));
const lossLimit = new SessionLossLimit(
  lossLimitOptionsFromConfig(config.lossLimit!, {
    killSwitch,
    alerts,
    decisions,
    by: 'bot',
    initialState: saved?.lossLimit,
  }),
);
const strategies = new StrategyBreaker({
  statePath: resolve(dataDir, config.strategy.state),
  reloadIntervalMs: 200,
});
const shadow = new ShadowLedger(resolve(dataDir, config.strategy.shadow));
const { gate, riskLimits } = gateFromConfig(config.gate, {
  killSwitch: new KillSwitchLayer(killSwitch),
  mode,
  freshness,
  strategy: new StrategyLayer(strategies),
  lossLimit,
  breaker: new BreakerLayer(breaker),
  decisions,
  shadowLedger: shadow,
  by: 'bot',
});
const readiness = new ReadinessLatch();
const executor = new Executor({
  exchange,
  orders,
  dlq,
  symbols: [SYMBOL],
  gate,
  readiness,
  policy,
  alerts,
  clockMarginMs: 200,
  lookupBackoff: fullJitterBackoff({ initialMs: 100, maxMs: 1_000 }),
  // a claim of a process that died is taken over by the next reconciliation after this (ms); it
  // must outlast the longest send: 3 attempts of 3 s, 5 lookups, the receive window
  leaseMs: 30_000,
});

// 4. A heartbeat on its own timer: a bot stuck anywhere (a hung call, SIGSTOP) stops beating.
const heartbeat = new HeartbeatWriter({ store, dataDir });
const beat = setInterval(() => void heartbeat.beat('bot', 'ok').catch(() => undefined), CYCLE_MS);

// 5. Reconcile before the first order: the venue's truth is adopted; new risk waits until it
// succeeded (tried again every second: a venue that cannot be read now may answer soon).
const reconcileWithVenue = () =>
  reconcile({
    exchange,
    orderStore: orders,
    dlq,
    readiness,
    alerts,
    checkpoint: saved,
    print: null,
    clockMarginMs: 200,
  });
let report = await reconcileWithVenue();
while (!report.ok) {
  say('reconcile_failed', { errors: report.errors.length });
  await new Promise((r) => setTimeout(r, 1_000));
  report = await reconcileWithVenue();
}
say('reconciled', {
  ok: report.ok,
  differences: report.differences.map((d) => d.kind),
  balances: Object.fromEntries(report.adopted.balances.map((b) => [b.currency, b.total])),
});

let latestBalances = report.adopted.balances;
let position = report.adopted.balances.find((b) => b.currency === 'BTC')?.total ?? 0;
let equity = 0;
const auto = new AutoCheckpointer({
  store: checkpoints,
  intervalMs: 1_000,
  getState: (): BotCheckpoint => ({
    balances: latestBalances,
    lossLimit: lossLimit.toJSON(),
    peakEquity: mode.toJSON().peakEquity,
  }),
});
checkpointOnExecutorChanges(executor, auto);

// 6. The loop: read the venue, push what it says to the layers, trade through the executor.
const pendingShadow: { key: string; price: number; sign: number; due: number }[] = [];
let cycle = 0;
let average = 0;
let running = true;
async function tradeOnce(): Promise<void> {
  cycle++;
  const ticker = await exchange.fetchTicker(SYMBOL);
  if (freshness.tick(SYMBOL, ticker.last, ticker.timestamp).accepted) mode.feedTick(ticker.timestamp);
  riskLimits?.update({ prices: { [SYMBOL]: ticker.last }, positions: { [SYMBOL]: position } });
  // reads go through the exchange's breaker too: while it is half-open they are its probes
  const balances = await breaker.execute(() => exchange.fetchBalances());
  latestBalances = balances;
  position = balances.find((b) => b.currency === 'BTC')?.total ?? 0;
  const usdt = balances.find((b) => b.currency === 'USDT')?.total ?? 0;
  equity = usdt + position * ticker.last;
  mode.report({ balance: usdt, equity });
  lossLimit.report({ realised: equity, unrealised: 0, equity });
  // would-be outcomes of the signals the strategy breaker rejected (judged on these to recover)
  while (pendingShadow.length > 0 && pendingShadow[0]!.due <= cycle) {
    const s = pendingShadow.shift()!;
    shadow.resolve(s.key, Math.round((ticker.last - s.price) * 100 * s.sign));
  }

  // The strategy: long 3 BTC while the price trends up, else hold 0 or 3 BTC switching every 8
  // cycles; flat with reduce-only orders while halted.
  const rising = ticker.last > average * 1.001;
  average = average === 0 ? ticker.last : average * 0.8 + ticker.last * 0.2;
  const halted = !killSwitch.allows('new_risk').allow;
  const target = halted ? 0 : rising || Math.floor(cycle / 8) % 2 === 0 ? 3 : 0;
  if (Math.abs(target - position) < 0.5) return;
  const side = target > position ? 'buy' : 'sell';
  const key = `${STRATEGY}-${Math.floor(Date.now() / CYCLE_MS)}`;
  const reduceOnly = halted && side === 'sell';
  const amount = reduceOnly ? Math.min(1, position) : 1;
  say('intent', { key, side, amount, reduceOnly });
  try {
    const r = await executor.submit({
      idempotencyKey: key,
      symbol: SYMBOL,
      side,
      type: 'market',
      amount,
      reduceOnly,
      strategy: STRATEGY,
    });
    say('result', { ...r });
    if (r.status === 'denied' && r.reason === 'circuit_breaker_blocked')
      pendingShadow.push({ key, price: ticker.last, sign: side === 'buy' ? 1 : -1, due: cycle + 4 });
  } catch (err) {
    say('result', { idempotencyKey: key, status: 'error', code: (err as { code?: string }).code });
  }
}

// 7. Recovery in the loop too (seed 003's agent loop): every 15 s, reconcile again, so an intent a
// dead process left in flight is resolved by its client id once its claim has lapsed.
let lastReconcile = Date.now();
let lastMode = '';
let lastHalt = '';
while (running) {
  try {
    if (Date.now() - lastReconcile > 15_000) {
      lastReconcile = Date.now();
      const r = await reconcileWithVenue();
      const resolved = r.differences.filter((d) => d.kind === 'intent_resolved').length;
      if (resolved > 0) say('recovered', { resolved });
    }
    await tradeOnce();
  } catch (err) {
    say('venue_error', { message: (err as Error).message.slice(0, 120) });
  }
  const s = killSwitch.state();
  const halt = s.halted ? `halted: ${s.reason}` : 'trading';
  if (mode.mode !== lastMode || halt !== lastHalt) say('state', { mode: mode.mode, halt, position, equity });
  lastMode = mode.mode;
  lastHalt = halt;
  await new Promise((r) => setTimeout(r, CYCLE_MS));
}

async function shutdown(): Promise<void> {
  clearInterval(beat);
  watch.dispose();
  auto.close();
  await executor.close();
  mode.close();
  lossLimit.close();
  strategies.close();
  await decisions.close();
  await alerts.close();
  await killSwitch.close();
  await exchange.close();
  await store.close();
  say('stopped');
}
process.once('SIGTERM', () => (running = false));
process.once('SIGINT', () => (running = false));
await shutdown();
