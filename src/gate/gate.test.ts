import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DecisionLog, listSegments, verifyDecisionLog } from '../decisions/index.js';
import { EventSource } from '../resilience/event.js';
import { ShadowLedger, readShadowFigures } from '../strategy/shadow/shadow-ledger.js';
import { ManualClock } from '../util/clock.js';
import { Gate, createGate } from './gate.js';
import { GATE_SLOTS, type DecisionSink, type GateOptions, type GateSlot } from './gate-types.js';
import { KillSwitchLayer } from './killswitch-layer.js';
import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';
import { RateLimitLayer } from './rate-limit-layer.js';
import { RiskLimitsLayer } from './risk-limits-layer.js';
import { StrategyLayer } from './strategy-layer.js';

const T0 = Date.UTC(2026, 11, 1, 12);
const buy = (over: Partial<GateIntent & { idempotencyKey: string }> = {}) => ({
  symbol: 'BTC/USDT',
  side: 'buy' as const,
  amount: 1,
  price: 100,
  ...over,
});

/** A small layer that records its calls and answers what it is told (limits only new risk when `newRiskOnly`). */
class TestLayer implements GateLayer {
  readonly allowV: LayerVerdict;
  readonly denyV: LayerVerdict;
  readonly passV: LayerVerdict;
  deny = false;
  throws = false;
  constructor(
    readonly name: string,
    readonly calls: string[],
    readonly newRiskOnly = true,
  ) {
    this.allowV = verdict(name, true, `${name}_ok`);
    this.denyV = verdict(name, false, `${name}_no`);
    this.passV = verdict(name, true, 'reduce_only_pass');
  }
  check(intent: GateIntent): LayerVerdict {
    this.calls.push(this.name);
    if (this.throws) throw new Error(`${this.name} broke`);
    if (this.newRiskOnly && (intent.reduceOnly === true || intent.cancel === true)) return this.passV;
    return this.deny ? this.denyV : this.allowV;
  }
  inputs(): Record<string, unknown> {
    return { deny: this.deny };
  }
}

function allSlots(calls: string[]): Record<GateSlot, TestLayer> {
  return Object.fromEntries(GATE_SLOTS.map((s) => [s, new TestLayer(s, calls)])) as Record<
    GateSlot,
    TestLayer
  >;
}

describe('Gate', () => {
  it('runs the layers in the fixed order and answers allowed with one preallocated decision', () => {
    const calls: string[] = [];
    // given in reverse: the order is the gate's, not the options'
    const layers = allSlots(calls);
    const reversed = Object.fromEntries(GATE_SLOTS.toReversed().map((s) => [s, layers[s]])) as GateOptions;
    const gate = createGate(reversed);
    const d = gate.check(buy());
    assert.deepEqual(calls, [...GATE_SLOTS]);
    assert.deepEqual({ ...d }, { allow: true, reason: 'allowed', layer: 'gate' });
    assert.equal(gate.check(buy()), d);
    assert.ok(Object.isFrozen(d));
  });

  it('the first denial decides and the layers after it are not run', () => {
    for (const [i, slot] of GATE_SLOTS.entries()) {
      const calls: string[] = [];
      const layers = allSlots(calls);
      layers[slot].deny = true;
      const d = createGate(layers).check(buy());
      assert.deepEqual({ ...d }, { allow: false, layer: slot, reason: `${slot}_no` });
      assert.deepEqual(calls, GATE_SLOTS.slice(0, i + 1));
    }
  });

  it('lists absent slots in gate.layers and needs at least one layer', () => {
    const calls: string[] = [];
    const gate = createGate({ strategy: new TestLayer('s', calls), killSwitch: new TestLayer('k', calls) });
    assert.deepEqual(
      gate.layers.map((l) => [l.slot, l.layer]),
      [
        ['killSwitch', 'k'],
        ['mode', null],
        ['freshness', null],
        ['strategy', 's'],
        ['lossLimit', null],
        ['riskLimits', null],
        ['breaker', null],
        ['rateLimit', null],
      ],
    );
    gate.check(buy());
    assert.deepEqual(calls, ['k', 's']);
    assert.throws(() => createGate({}), /at least one layer/);
    assert.throws(() => createGate({ mode: { name: 'm' } as GateLayer }), /mode must be a GateLayer/);
  });

  it('a layer that throws denies new risk and lets reduce-only through', () => {
    const calls: string[] = [];
    const layers = allSlots(calls);
    layers.freshness.throws = true;
    const gate = createGate(layers);
    assert.deepEqual(
      { ...gate.check(buy()) },
      {
        allow: false,
        layer: 'freshness',
        reason: 'freshness_threw_fail_closed',
      },
    );
    assert.equal(gate.check(buy({ side: 'sell', reduceOnly: true })).allow, true);
  });

  it('names the slot of a layer that throws or answers nonsense, on check and on explain', () => {
    for (const slot of GATE_SLOTS) {
      const layers = allSlots([]);
      layers[slot].throws = true;
      const gate = createGate(layers);
      assert.equal(gate.check(buy()).reason, `${slot}_threw_fail_closed`);
      assert.equal(gate.explain(buy()).reason, `${slot}_threw_fail_closed`);
      const odd = createGate({
        ...allSlots([]),
        [slot]: { name: slot, check: () => undefined } as unknown as GateLayer,
      });
      assert.deepEqual(
        { ...odd.check(buy()) },
        { allow: false, layer: slot, reason: `${slot}_threw_fail_closed` },
      );
      assert.equal(odd.check(buy({ reduceOnly: true })).reason, `${slot}_threw_allow_reduce_only`);
    }
  });

  it('a reduce-only intent passes a halted gate: every layer that limits new risk lets it through', () => {
    const halted = new KillSwitchLayer({
      allows: (e) =>
        e === 'new_risk'
          ? { allow: false, reason: 'halted_deny_new_risk' }
          : { allow: true, reason: 'halted_allow_reduce_only' },
    });
    const calls: string[] = [];
    const blocked = new StrategyLayer({ check: () => ({ allow: false, reason: 'circuit_breaker_blocked' }) });
    const mode = new TestLayer('mode', calls);
    mode.deny = true;
    const lossLimit = new TestLayer('loss_limit', calls);
    lossLimit.deny = true;
    const gate = createGate({
      killSwitch: halted,
      mode,
      strategy: blocked,
      lossLimit,
      riskLimits: new RiskLimitsLayer({ maxOrderNotional: 1, maxPosition: 0, maxOpenOrders: 0 }),
      rateLimit: new RateLimitLayer({ overall: { limit: 1, windowMs: 60_000 } }),
    });
    assert.equal(gate.check(buy({ strategy: 'x' })).reason, 'halted_deny_new_risk');
    const r = buy({ side: 'sell', amount: 100, reduceOnly: true, strategy: 'x' });
    for (let i = 0; i < 3; i++)
      assert.deepEqual({ ...gate.check(r) }, { allow: true, reason: 'allowed', layer: 'gate' });
    assert.equal(gate.check({ ...buy(), cancel: true }).allow, true);
  });

  it('explain() gives every layer verdict and inputs, judging layers after a denial without counting', () => {
    const clock = new ManualClock(T0);
    const calls: string[] = [];
    const mode = new TestLayer('mode', calls);
    const rate = new RateLimitLayer({ overall: { limit: 1, windowMs: 1000 } });
    const gate = createGate({ mode, rateLimit: rate, clock });
    mode.deny = true;
    const e = gate.explain(buy({ idempotencyKey: 'k1' }));
    assert.equal(e.allow, false);
    assert.equal(e.reason, 'mode_no');
    assert.deepEqual(
      e.layers.map((l) => [l.slot, l.allow, l.reason, l.role]),
      [
        ['mode', false, 'mode_no', 'decided'],
        ['rateLimit', true, 'within_rate_limit', 'after_denial'],
      ],
    );
    assert.deepEqual(e.layers[0]!.inputs, { deny: true });
    assert.deepEqual(e.intent, {
      idempotencyKey: 'k1',
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 1,
      price: 100,
    });
    mode.deny = false;
    gate.explain(buy());
    assert.equal(gate.check(buy()).allow, true, 'explain counted nothing: the one slot is still free');
    assert.equal(gate.check(buy()).reason, 'rate_limit_overall');
  });
});

describe('Gate with a decision log and a shadow ledger', () => {
  let root: string;
  let clock: ManualClock;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'warden-gate-'));
    clock = new ManualClock(T0);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('appends every decision, allowed or denied, with every layer verdict and inputs, to a verifiable log', async () => {
    const log = DecisionLog.open({ dir: join(root, 'decisions'), clock });
    const calls: string[] = [];
    const mode = new TestLayer('mode', calls);
    const risk = new RiskLimitsLayer({ maxOrderNotional: 1000 });
    const gate = createGate({ mode, riskLimits: risk, decisions: log, by: 'bot-1', clock });
    assert.equal(gate.check(buy({ idempotencyKey: 'a' })).allow, true);
    mode.deny = true;
    assert.equal(gate.check(buy({ idempotencyKey: 'b' })).allow, false);
    await log.close();
    const [seg] = listSegments(join(root, 'decisions'));
    assert.equal(verifyDecisionLog(join(root, 'decisions')).ok, true);
    const recs = readFileSync(seg!.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; by: string; data: Record<string, unknown> });
    assert.equal(recs.length, 2);
    assert.equal(recs[0]!.kind, 'gate');
    assert.equal(recs[0]!.by, 'bot-1');
    assert.equal(recs[0]!.data['allow'], true);
    assert.deepEqual(
      (recs[1]!.data['layers'] as { slot: string; reason: string; role: string }[]).map((l) => [
        l.slot,
        l.reason,
        l.role,
      ]),
      [
        ['mode', 'mode_no', 'decided'],
        ['riskLimits', 'within_limits', 'after_denial'],
      ],
    );
    const inputs = (recs[1]!.data['layers'] as { inputs: Record<string, unknown> }[])[1]!.inputs;
    assert.equal(inputs['price'], 100);
    assert.deepEqual((recs[1]!.data['intent'] as { idempotencyKey: string }).idempotencyKey, 'b');
  });

  it('a decision log that fails denies new risk with a reason saying so; reduce-only still passes', () => {
    const errors = new EventSource<Error>();
    const appended: unknown[] = [];
    const sink: DecisionSink = { append: (x) => appended.push(x), state: 'open', onError: errors.subscribe };
    const seen: string[] = [];
    const gate = createGate({
      mode: new TestLayer('mode', []),
      decisions: sink,
      onError: (e, where) => seen.push(`${where}:${e.message}`),
    });
    assert.equal(gate.check(buy()).allow, true);
    errors.emit(new Error('ENOSPC: no space left on device'));
    assert.deepEqual(
      { ...gate.check(buy()) },
      {
        allow: false,
        layer: 'decisions',
        reason: 'decision_log_unwritable_fail_closed',
      },
    );
    assert.equal(gate.check(buy({ reduceOnly: true, side: 'sell' })).allow, true);
    assert.match(gate.decisionLogError!.message, /ENOSPC/);
    assert.deepEqual(seen, ['decisions:ENOSPC: no space left on device']);
  });

  it('a decision log that cannot be opened, or whose append throws, fails closed for new risk', () => {
    const opened = createGate({
      mode: new TestLayer('mode', []),
      decisions: () => DecisionLog.open({ dir: join(root, 'missing-parent', 'decisions') }),
      onError: () => undefined,
    });
    assert.equal(opened.check(buy()).reason, 'decision_log_unwritable_fail_closed');
    const throwing: DecisionSink = {
      append: () => {
        throw Object.assign(new Error('backlog'), { code: 'E_DECISION_LOG_BACKLOG' });
      },
      state: 'open',
      onError: new EventSource<Error>().subscribe,
    };
    const g = createGate({ mode: new TestLayer('mode', []), decisions: throwing, onError: () => undefined });
    assert.equal(g.check(buy()).reason, 'decision_log_backlog_fail_closed');
    assert.equal(g.decisionLogError, null, 'a backlog is not a broken log: the next append may succeed');
  });

  it('writes a denied intent with a strategy key to the shadow ledger, off the call; the reader sees it', async () => {
    const path = join(root, 'shadow.jsonl');
    const ledger = new ShadowLedger(path);
    const risk = new RiskLimitsLayer({});
    risk.update({ prices: { 'BTC/USDT': 123.45 } });
    const gate = createGate({
      strategy: new StrategyLayer({ check: () => ({ allow: false, reason: 'circuit_breaker_blocked' }) }),
      riskLimits: risk,
      shadow: { ledger },
      clock,
    });
    const d = gate.check(buy({ idempotencyKey: 'sig-1', strategy: 'NBA', price: 0.42, amount: 10 }));
    assert.equal(d.reason, 'circuit_breaker_blocked');
    gate.check(buy({ idempotencyKey: 'sig-2', strategy: 'NBA', price: undefined, amount: 2 }));
    gate.check(buy({ strategy: 'NBA' })); // no idempotency key: nothing to resolve against
    assert.throws(() => readFileSync(path), { code: 'ENOENT' }, 'nothing written on the call');
    await gate.drain();
    ledger.resolve('sig-1', 58);
    ledger.resolve('sig-2', -10);
    const f = readShadowFigures(path, T0 - 1);
    assert.deepEqual(f.figures.get('NBA'), { n: 2, pnl: 58 * 10 - 10 * 2, cost: 42 * 10 + 12345 * 2 });
    assert.deepEqual(gate.shadowStats(), { written: 2, skipped: 1, failed: 0 });
  });

  it('never writes an allowed intent or a denial without a strategy key as a shadow trade', async () => {
    const path = join(root, 'shadow.jsonl');
    const mode = new TestLayer('mode', []);
    const gate = new Gate({ mode, shadow: { ledger: new ShadowLedger(path) }, clock });
    gate.check(buy({ idempotencyKey: 'a', strategy: 'S' }));
    mode.deny = true;
    gate.check(buy({ idempotencyKey: 'b' }));
    await gate.drain();
    assert.throws(() => readFileSync(path), { code: 'ENOENT' });
  });
});
