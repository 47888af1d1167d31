// The demo's script: one step per thing Warden is for, each narrated as it happens. Every step
// makes its fault happen at the venue (or to the bot's process), then waits for the bot, the
// daemon or the venue to show the outcome, with a deadline, and says what it saw either way.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BotEvent, DemoRun } from './run.js';
import { sleep } from './run.js';
import { DEMO_SYMBOL } from './venue.js';

/** What a step gets. */
export interface StepContext {
  readonly run: DemoRun;
  /** A numbered heading, with the time since the start. */
  step(text: string): void;
  /** One indented line. */
  say(text: string): void;
  /** A pause scaled by `--duration`. */
  pace(ms: number): Promise<void>;
  /** Records that a step did not see what it expected. */
  fail(text: string): void;
}

/** One scenario step. */
export interface ScenarioStep {
  readonly name: string;
  run(ctx: StepContext): Promise<void>;
}

const isResult = (status?: string, reason?: string) => (e: BotEvent) =>
  e.event === 'result' &&
  (status === undefined || e['status'] === status) &&
  (reason === undefined || e['reason'] === reason);
const isMode = (mode: string) => (e: BotEvent) => e.event === 'state' && e['mode'] === mode;
const btc = (run: DemoRun) => run.venue.sim.balances().find((b) => b.currency === 'BTC')?.total ?? 0;
const mid = (run: DemoRun) => run.venue.sim.ticker(DEMO_SYMBOL).last;
const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

/** The resolved shadow trades in the bot's ledger: how many, and their P&L (cents). */
function shadowFigures(run: DemoRun): { n: number; pnl: number } {
  let text = '';
  try {
    text = readFileSync(join(run.dataDir, 'shadow.jsonl'), 'utf8');
  } catch {
    return { n: 0, pnl: 0 };
  }
  let n = 0;
  let pnl = 0;
  for (const line of text.split('\n')) {
    if (!line.includes('"resolve"')) continue;
    try {
      const r = JSON.parse(line) as { op?: unknown; pnl_c?: unknown };
      if (r.op === 'resolve' && typeof r.pnl_c === 'number') {
        n++;
        pnl += r.pnl_c;
      }
    } catch {
      // a line being written: counted on the next look
    }
  }
  return { n, pnl };
}

/** A losing week of `trend` in the trade log (seed 000's format, grouped by `strategy`). */
function writeLosingHistory(run: DemoRun): void {
  const now = Date.now();
  const lines = [];
  for (let i = 0; i < 10; i++) {
    const ts = new Date(now - (i + 1) * 3_600_000).toISOString();
    lines.push(
      JSON.stringify({ ts, strategy: 'trend', resolved: true, pnl_c: -1500, size: 1, entry_price_c: 10000 }),
    );
  }
  writeFileSync(join(run.dataDir, 'trades.jsonl'), `${lines.join('\n')}\n`);
}

export const STEPS: readonly ScenarioStep[] = [
  {
    name: 'strategy',
    async run({ run, step, say, fail }) {
      step('The strategy degrades: its trade log shows a losing week. The nightly evaluation runs now.');
      // (once the bot is flat, so that each signal it makes while blocked is a buy: a shadow trade)
      await until(() => btc(run) < 0.5, 20_000);
      writeLosingHistory(run);
      const ev = await run.cli(['evaluate']);
      say(
        `$ warden evaluate → ${ev.code === 0 ? 'ok' : `exit ${ev.code}`}: ${lastLine(ev.stdout || ev.stderr)}`,
      );
      const denied = await run.waitFor(isResult('denied', 'circuit_breaker_blocked'), 10_000);
      if (denied === null) return fail('the strategy breaker did not block the strategy');
      say(
        `gate: ${String(denied['idempotencyKey'])} denied (strategy breaker: blocked); logged as a shadow trade`,
      );
      // a blocked strategy cannot change its position: flat, its signals are buys (the market turns
      // up); long, they are sells (the market eases down, by less than the session loss limit)
      const long = btc(run) >= 0.5;
      say(
        long
          ? `the bot is long ${btc(run)} BTC; the market eases down: the blocked strategy's sells would have made money (its shadow trades say so)`
          : 'the market turns up: the blocked strategy would have made money (its shadow trades say so)',
      );
      const floor = mid(run) - 1.5; // long 3 BTC: at most 4.5 USDT of the 15 USDT limit
      const off = setInterval(
        () => run.venue.sim.setMid(DEMO_SYMBOL, long ? Math.max(floor, mid(run) - 0.04) : mid(run) + 0.25),
        250,
      );
      // the evaluation judges a blocked strategy on its resolved shadow trades (min-n 5, P&L above
      // 0): it runs once the ledger has them, however slowly the bot cycles on a loaded machine
      const enough = await until(() => {
        const s = shadowFigures(run);
        return s.n >= 6 && s.pnl > 0;
      }, 30_000);
      if (!enough) say(`only ${shadowFigures(run).n} shadow trades resolved; evaluating anyway`);
      const again = await run.cli(['evaluate']);
      clearInterval(off);
      say(`$ warden evaluate → ${lastLine(again.stdout || again.stderr)}`);
      const placed = await run.waitFor(isResult('placed'), 10_000);
      if (placed === null) return fail('the strategy did not recover on its shadow trades');
      say(`recovered on shadow trades: ${String(placed['idempotencyKey'])} placed`);
    },
  },
  {
    name: 'timeout',
    async run({ run, step, say, fail }) {
      step('A timeout after acceptance: the venue takes the next order, but its answer never arrives.');
      run.venue.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
      const r = await run.waitFor(isResult('placed'), 20_000);
      if (r === null) return fail('no order was placed after the timeout');
      const cid = String(r['clientOrderId']);
      const n = run.venue.sim.journal.filter((o) => o.clientOrderId === cid).length;
      say(`executor: timed out, asked the venue by client order id ${cid}: found it, marked placed`);
      say(`venue's own record: ${n} order with that id (no double)`);
      if (n !== 1) fail(`the venue holds ${n} orders for ${cid}`);
    },
  },
  {
    name: 'dlq',
    async run({ run, step, say, fail }) {
      step(
        'An order fails for good: three 503s in a row. It goes to the dead-letter queue, never resent blindly.',
      );
      run.venue.sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 3 });
      const r = await run.waitFor(
        (e) => e.event === 'result' && ['dead', 'rejected', 'error'].includes(String(e['status'])),
        30_000,
      );
      if (r === null) return fail('no order failed for good');
      say(`executor: ${String(r['idempotencyKey'])} ${String(r['status'])} after 3 attempts`);
      const list = await run.cli(['dlq', 'list', '--json', '--status', 'open']);
      const entries = JSON.parse(list.stdout || '[]') as { id: number; idempotencyKey: string }[];
      const e = entries.find((x) => x.idempotencyKey === r['idempotencyKey']) ?? entries[0];
      if (e === undefined) return fail('the DLQ is empty');
      say(`$ warden dlq list → entry ${e.id} (${e.idempotencyKey})`);
      const rep = await run.cli(['dlq', 'replay', String(e.id)]);
      say(`$ warden dlq replay ${e.id} → ${lastLine(rep.stdout || rep.stderr)}`);
      if (rep.code !== 0) fail('the replay failed');
    },
  },
  {
    name: 'storm',
    async run({ run, step, say, fail }) {
      step('An exchange 5xx storm: the venue answers 503 to account reads and orders for a while.');
      run.venue.sim.faults.injectNext('http_5xx', { operation: 'fetchBalances', times: 7 });
      run.venue.sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 1 });
      let ro = await run.waitFor(isMode('REDUCE_ONLY'), 12_000);
      if (ro === null) {
        // The bot's own periodic reconciliation (every 15 s) reads balances outside the breaker,
        // and when it runs in the storm it takes some of the 503s: fewer than the breaker's five
        // in a row reach it. The storm goes on: the venue fails the next reads too.
        run.venue.sim.faults.injectNext('http_5xx', { operation: 'fetchBalances', times: 7 });
        ro = await run.waitFor(isMode('REDUCE_ONLY'), 20_000);
      }
      if (ro === null) return fail('the breaker did not open (no REDUCE_ONLY)');
      say('exchange breaker OPEN → mode REDUCE_ONLY; new orders fail fast, nothing is sent; alert raised');
      const closed = run.waitFor(isMode('FULL'), 40_000);
      const denied = await Promise.race([run.waitFor(isResult('denied'), 10_000), closed.then(() => null)]);
      if (denied !== null)
        say(`gate: ${String(denied['idempotencyKey'])} denied (${String(denied['reason'])})`);
      if ((await closed) === null) return fail('the breaker did not close again');
      say('the venue answers again: a probe succeeded, breaker CLOSED → mode FULL');
    },
  },
  {
    name: 'stale',
    async run({ run, step, say, fail }) {
      step('A stale price feed: the venue serves ticks a minute old.');
      run.venue.sim.faults.injectBadData('stale', 30);
      const obs = await run.waitFor(isMode('OBSERVATION'), 15_000);
      if (obs === null) return fail('the bot did not enter OBSERVATION');
      say("the feed's last fresh tick ages past 3 s → mode OBSERVATION: no new orders on a frozen price");
      const full = await run.waitFor(isMode('FULL'), 20_000);
      if (full === null) return fail('the bot did not leave OBSERVATION');
      say('fresh ticks again → mode FULL');
    },
  },
  {
    name: 'loss',
    async run({ run, step, say, fail }) {
      step('The session loss limit (15 USDT): the market drops 12 % while the bot is long.');
      if (!(await until(() => btc(run) >= 2, 20_000))) return fail('the bot never got long');
      say(`position ${btc(run)} BTC at ${mid(run).toFixed(2)}`);
      const isHalted = (e: BotEvent) => e.event === 'state' && e['halt'] !== 'trading';
      run.venue.sim.setMid(DEMO_SYMBOL, mid(run) * 0.88);
      let halted = await run.waitFor(isHalted, 5_000);
      if (halted === null) {
        say(
          `not yet (the session's earlier gains absorb it); the market keeps falling: ${mid(run).toFixed(2)} → ${(mid(run) * 0.88).toFixed(2)}`,
        );
        run.venue.sim.setMid(DEMO_SYMBOL, mid(run) * 0.88);
        halted = await run.waitFor(isHalted, 10_000);
      }
      if (halted === null) return fail('the loss limit did not halt trading');
      say(`loss limit hit → ${String(halted['halt'])}`);
      const since = run.venue.sim.journal.length;
      if (!(await until(() => btc(run) < 1e-9, 20_000))) return fail('the bot did not go flat');
      const sells = run.venue.sim.journal.slice(since).filter((o) => o.reduceOnly).length;
      say(
        `flattened with ${sells} reduce-only sell(s) (the only orders a halt lets through): flat and halted`,
      );
      const res = await run.cli(['resume', '--reason', 'loss reviewed', '--by', 'demo-operator']);
      say(
        `$ warden resume --reason "loss reviewed" --by demo-operator → ${lastLine(res.stdout || res.stderr)}`,
      );
      await run.waitFor((e) => e.event === 'state' && e['halt'] === 'trading', 10_000);
    },
  },
  {
    name: 'freeze',
    async run({ run, step, say, fail, pace }) {
      const bot = run.bot.current;
      if (bot === null) return fail('no bot to freeze');
      step(`The bot freezes (SIGSTOP pid ${bot.pid}). A frozen bot looks like a bot with nothing to do...`);
      bot.process.kill('SIGSTOP');
      const ok = await until(() => haltedBy(run, /./), 20_000);
      say(
        ok ? '...but the watchdog (in the daemon) saw the heartbeat go late: trading HALTED, alert sent' : '',
      );
      if (!ok) fail('the watchdog did not halt trading');
      bot.process.kill('SIGCONT');
      say('thawed (SIGCONT): the bot is alive again but may not add risk until someone resumes');
      await pace(1_500);
    },
  },
  {
    name: 'kill',
    async run({ run, step, say, fail }) {
      const bot = run.bot.current;
      if (bot === null) return fail('no bot to kill');
      step(`The bot is killed (SIGKILL pid ${bot.pid}) in the middle of whatever it was doing.`);
      run.expectedDeaths++;
      const rec = run.waitFor((e) => e.event === 'reconciled', 60_000);
      bot.process.kill('SIGKILL');
      const r = await rec;
      if (r === null) return fail('the restarted bot did not reconcile');
      const last = run.reconciliations.at(-1);
      const same =
        last !== undefined && Math.abs((last.adopted['BTC'] ?? 0) - (last.venue['BTC'] ?? 0)) < 1e-9;
      say(
        `restarted bot reconciled: ${r['ok'] === true ? 'OK' : 'FAILED'}, ${(r['differences'] as unknown[]).length} differences; ` +
          `adopted BTC ${String(last?.adopted['BTC'] ?? 0)} = venue ${String(last?.venue['BTC'] ?? 0)}${same ? '' : ' (MISMATCH)'}`,
      );
      if (!same) fail('the reconciled state differs from the venue');
    },
  },
  {
    name: 'resume',
    async run({ run, step, say, fail }) {
      step('A person looks, then resumes. Without a name it is refused:');
      const bad = await run.cli(['resume', '--reason', 'looks fine']);
      say(`$ warden resume --reason "looks fine" → ${lastLine(bad.stderr || bad.stdout)}`);
      const ok = await run.cli([
        'resume',
        '--reason',
        'bot checked: frozen by the demo',
        '--by',
        'demo-operator',
      ]);
      say(`$ warden resume --reason … --by demo-operator → ${lastLine(ok.stdout || ok.stderr)}`);
      const placed = await run.waitFor(isResult('placed'), 20_000);
      if (placed === null) return fail('the bot did not trade again after the resume');
      say(`trading again: ${String(placed['idempotencyKey'])} placed`);
    },
  },
];

/** The kill switch as its mirror file says (readable while the bot is frozen). */
function haltedBy(run: DemoRun, reason: RegExp): boolean {
  try {
    const c = JSON.parse(readFileSync(join(run.dataDir, 'circuit.json'), 'utf8')) as {
      paused?: boolean;
      reason?: string;
    };
    return c.paused === true && reason.test(c.reason ?? '');
  } catch {
    return false;
  }
}
