import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import type { ModeState } from '../modes/index.js';
import { BTC, ETH, createBotWorld } from './runtime-test-rig.js';
import { VenueClockSync } from './venue-clock.js';

/** A simulator whose clock runs `offset.ms` ahead of this host's (the venue's clock). */
function skewedVenue(offset: { ms: number }) {
  const sim = new ExchangeSimulator({
    markets: [
      { symbol: BTC, mid: 100, spreadBps: 10 },
      { symbol: ETH, mid: 10, spreadBps: 10 },
    ],
    balances: { USDT: 1_000_000, BTC: 100, ETH: 1000 },
    seed: 3,
    clock: { now: () => Date.now() + offset.ms },
  });
  return { sim, exchange: new InProcessExchange(sim, { recvWindowMs: 60_000 }) };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('VenueClockSync against the simulator’s clock', () => {
  it('pushes the drift (host minus venue), and a failed read as beyond any limit', async () => {
    const offset = { ms: 0 };
    const { sim, exchange } = skewedVenue(offset);
    const drifts: number[] = [];
    const sync = new VenueClockSync({
      exchange,
      modes: { clockDrift: (d) => drifts.push(d) },
      intervalMs: 0,
    });
    let r = await sync.sync();
    assert.ok(r.ok && Math.abs(r.driftMs) < 250, JSON.stringify(r));
    offset.ms = 7_000;
    r = await sync.sync();
    assert.ok(r.ok && Math.abs(r.driftMs + 7_000) < 250, `venue 7 s ahead: ${JSON.stringify(r)}`);
    sim.faults.injectNext('http_5xx', { operation: 'fetchTime' });
    r = await sync.sync();
    assert.equal(r.ok, false);
    assert.ok(Number.isNaN(drifts.at(-1)), 'a failed read pushes NaN (the modes: beyond any limit)');
    assert.equal(sync.last, r);
    await exchange.close();
  });

  it('refuses bad options naming them', () => {
    const exchange = { fetchServerTime: () => Promise.resolve(0) };
    const modes = { clockDrift: () => undefined };
    assert.throws(() => new VenueClockSync({ exchange, modes, intervalMs: -1 }), /intervalMs must be/);
    assert.throws(
      () => new VenueClockSync({ exchange, modes, intervalMs: 0, timeoutMs: 0 }),
      /timeoutMs must be/,
    );
    assert.throws(
      () => new VenueClockSync({ exchange: {} as never, modes, intervalMs: 0 }),
      /fetchServerTime/,
    );
  });
});

describe('openWarden syncs the venue clock into the modes', () => {
  it('at open and every modes.clockSyncMs: a venue clock that drifts moves the mode to OBSERVATION and back', async () => {
    const world = await createBotWorld({
      modes: { intervalMs: 1000, clockSyncMs: 50, maxClockDriftMs: 2000 },
    });
    const offset = { ms: 0 };
    const { exchange } = skewedVenue(offset);
    try {
      const w = await world.open({ exchange });
      assert.ok(w.venueClock !== null);
      const first = w.venueClock.last;
      assert.ok(
        first?.ok === true && Math.abs(first.driftMs) < 250,
        `read at open: ${JSON.stringify(first)}`,
      );
      w.equity(10_000);
      w.tick(BTC, 100);
      w.tick(ETH, 10);
      const mode = (): ModeState => w.modes.state;
      await until('FULL', () => mode().mode === 'FULL');
      const buy = { symbol: BTC, side: 'buy', amount: 1, price: 100 } as const;
      assert.equal(w.gate.check(buy).allow, true);
      offset.ms = 10_000; // the venue's clock jumps 10 s ahead of this host's
      await until('clock_drift', () => mode().reason === 'clock_drift');
      assert.equal(mode().mode, 'OBSERVATION');
      const d = w.gate.check(buy);
      assert.deepEqual({ allow: d.allow, layer: d.layer }, { allow: false, layer: 'mode' });
      offset.ms = 0;
      await until('FULL again', () => mode().mode === 'FULL');
      assert.ok(
        world.alerts.some((a) => /clock drift/.test(a.body)),
        'the transition was alerted with its reason',
      );
    } finally {
      await world.destroy();
      await exchange.close();
    }
  });

  it('a venue time that cannot be read at open holds the mode in OBSERVATION (clock_drift), fail closed', async () => {
    const world = await createBotWorld({ modes: { intervalMs: 1000, clockSyncMs: 60_000 } });
    const { sim, exchange } = skewedVenue({ ms: 0 });
    sim.faults.injectNext('http_5xx', { operation: 'fetchTime' });
    try {
      const w = await world.open({ exchange });
      assert.equal(w.venueClock?.last?.ok, false);
      w.equity(10_000);
      w.tick(BTC, 100);
      w.tick(ETH, 10);
      assert.equal(w.modes.state.mode, 'OBSERVATION');
      assert.equal(w.modes.state.reason, 'clock_drift');
      assert.equal(w.gate.check({ symbol: BTC, side: 'buy', amount: 1, price: 100 }).allow, false);
      // the next read succeeds (retried after min(clockSyncMs, 5 s)): called here directly
      assert.equal((await w.venueClock!.sync()).ok, true);
      assert.equal(w.modes.state.mode, 'FULL');
    } finally {
      await world.destroy();
      await exchange.close();
    }
  });

  it('modes.clockSyncMs 0 reads nothing', async () => {
    const world = await createBotWorld({ modes: { clockSyncMs: 0 } });
    try {
      const w = await world.open();
      assert.equal(w.venueClock, null);
    } finally {
      await world.destroy();
    }
  });
});
