// A trading bot protected by Warden: the example to copy. Run: tsx examples/demo-bot.ts CONFIG
// (`warden demo` writes the config and runs this file in its own process, restarting it when it dies.)
// In your own project, import from 'warden' instead of '../src/index.js'.
//
// `openWarden` builds every part from the config: the kill switch, the heartbeat, the strategy
// breaker and its shadow trades, the decision log, the degradation modes, data freshness, the
// session loss limit, the exchange's breaker, the gate with every layer, the executor (exactly once
// per idempotency key) and checkpoints. The venue is the config's `exchange` section: the real ccxt
// client through CcxtExchange. This file adds the loop: read the venue, push what it says, trade.
// It prints one JSON line per event on stdout (the demo narrates them).
import { resolve } from 'node:path';
import {
  CircuitBreaker,
  ConsecutiveRule,
  ShadowLedger,
  fullJitterBackoff,
  isDependencyFailure,
  openWarden,
} from '../src/index.js';

const SYMBOL = 'BTC/USDT';
const STRATEGY = 'trend';
const CYCLE_MS = Number(process.env['DEMO_BOT_CYCLE_MS'] ?? 250);
const say = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...data })}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 1. Everything from the config. The exchange's breaker opens after 5 failures in a row and probes
// again after 3 s (the demo's compressed clock); a claim of a process that died is taken over by
// the next reconciliation after 30 s (longer than the longest send: 3 attempts, lookups, the window).
const breaker = new CircuitBreaker({
  name: 'exchange',
  rule: new ConsecutiveRule(5),
  openMs: 3_000,
  isFailure: isDependencyFailure,
});
const warden = await openWarden({
  config: process.argv[2],
  symbols: [SYMBOL],
  breaker,
  reconcileOnOpen: false,
  print: null,
  executor: {
    leaseMs: 30_000,
    clockMarginMs: 200,
    lookupBackoff: fullJitterBackoff({ initialMs: 100, maxMs: 1_000 }),
  },
  checkpoints: { intervalMs: 1_000 },
});
const { exchange, killSwitch, modes } = warden;
const shadow = new ShadowLedger(resolve(warden.dataDir, warden.config.strategy.shadow));

// 2. A heartbeat on its own timer: a bot stuck anywhere (a hung call, SIGSTOP) stops beating.
await warden.beat().catch(() => undefined);
say('beating');
const beat = setInterval(() => void warden.beat().catch(() => undefined), CYCLE_MS);

// 3. Reconcile before the first order: the venue's truth is adopted; new risk waits until it
// succeeded (tried again every second: a venue that cannot be read now may answer soon).
let report = await warden.reconcile();
while (!report.ok) {
  say('reconcile_failed', { errors: report.errors.length });
  await sleep(1_000);
  report = await warden.reconcile();
}
say('reconciled', {
  ok: report.ok,
  differences: report.differences.map((d) => d.kind),
  balances: Object.fromEntries(report.adopted.balances.map((b) => [b.currency, b.total])),
});

// 4. The loop: read the venue, push what it says to the layers, trade through the gate and the executor.
const pendingShadow: { key: string; price: number; sign: number; due: number }[] = [];
let position = report.adopted.balances.find((b) => b.currency === 'BTC')?.total ?? 0;
let cycle = 0;
let average = 0;
async function tradeOnce(): Promise<void> {
  cycle++;
  const ticker = await exchange.fetchTicker(SYMBOL);
  warden.tick(SYMBOL, ticker.last, ticker.timestamp); // freshness, the risk price, the mode's feed age
  // account reads go through the exchange's breaker too: while it is half-open they are its probes
  const balances = await breaker.execute(() => exchange.fetchBalances());
  position = balances.find((b) => b.currency === 'BTC')?.total ?? 0; // spot: the position is the balance
  const usdt = balances.find((b) => b.currency === 'USDT')?.total ?? 0;
  warden.riskLimits.update({ positions: { [SYMBOL]: position } });
  warden.equity(usdt + position * ticker.last, { balance: usdt }); // modes + session loss limit
  // would-be outcomes of the signals the strategy breaker rejected (a blocked strategy recovers on these)
  while (pendingShadow.length > 0 && pendingShadow[0]!.due <= cycle) {
    const s = pendingShadow.shift()!;
    shadow.resolve(s.key, Math.round((ticker.last - s.price) * 100 * s.sign));
  }

  // The strategy: long 3 BTC while the price rises, else 0 or 3 BTC switching every 8 cycles. It
  // does not ask whether trading is halted: the gate does. While halted it also sells what it holds
  // with reduce-only orders (the only ones a halt lets through).
  const rising = ticker.last > average * 1.001;
  average = average === 0 ? ticker.last : average * 0.8 + ticker.last * 0.2;
  const reduceOnly = !killSwitch.allows('new_risk').allow && position > 0;
  const target = reduceOnly ? 0 : rising || Math.floor(cycle / 8) % 2 === 0 ? 3 : 0;
  if (Math.abs(target - position) < 0.5) return;
  const side = target > position ? 'buy' : 'sell';
  const key = `${STRATEGY}-${Math.floor(Date.now() / CYCLE_MS)}`; // one intent per time slot
  const amount = reduceOnly ? Math.min(1, position) : 1;
  say('intent', { key, side, amount, reduceOnly });
  try {
    const r = await warden.submit({
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

// 5. Recovery in the loop too (seed 003's agent loop): every 15 s, reconcile again, so an intent a
// dead process left in flight is resolved by its client id once its claim has lapsed.
let running = true;
process.once('SIGTERM', () => (running = false));
process.once('SIGINT', () => (running = false));
let lastReconcile = Date.now();
let last = '';
while (running) {
  try {
    if (Date.now() - lastReconcile > 15_000) {
      lastReconcile = Date.now();
      const r = await warden.reconcile();
      const resolved = r.differences.filter((d) => d.kind === 'intent_resolved').length;
      if (resolved > 0) say('recovered', { resolved });
    }
    await tradeOnce();
  } catch (err) {
    say('venue_error', { message: (err as Error).message.slice(0, 120) });
  }
  const s = killSwitch.state();
  const halt = s.halted ? `halted: ${s.reason}` : 'trading';
  if (`${modes.mode} ${halt}` !== last) say('state', { mode: modes.mode, halt, position });
  last = `${modes.mode} ${halt}`;
  await sleep(CYCLE_MS);
}
clearInterval(beat);
await warden.close();
say('stopped');
