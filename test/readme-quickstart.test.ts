// The README's TypeScript quick start, run as written against real files: it must keep working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeQuickstartState } from './helpers/quickstart-state.js';
import { SqliteStore, KillSwitch, HeartbeatWriter, StrategyBreaker } from '../src/index.js';

describe('README quick start (TypeScript)', () => {
  it('places orders while allowed, logs rejections when halted or blocked, and heartbeats', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-quickstart-'));
    writeQuickstartState(dataDir);
    const store = SqliteStore.open(`${dataDir}/warden.db`);
    const killSwitch = await KillSwitch.open({ store, dataDir, source: 'my-bot' });
    const heartbeat = new HeartbeatWriter({ store, dataDir });
    const strategies = new StrategyBreaker({
      statePath: `${dataDir}/strategy_state.json`,
      stateKey: 'strategies',
    });
    const placed: string[] = [];
    const rejected: string[] = [];
    const placeOrder = (s: { strategy: string }) => Promise.resolve(void placed.push(s.strategy));
    const logRejected = (s: { strategy: string }, reason: string) => rejected.push(`${s.strategy}:${reason}`);

    async function cycle(signal: { strategy: string; reduceOnly: boolean }) {
      const halt = killSwitch.allows(signal.reduceOnly ? 'reduce_only' : 'new_risk');
      const strat = strategies.check(signal.strategy);
      if (halt.allow && strat.allow) await placeOrder(signal);
      else logRejected(signal, halt.allow ? strat.reason : halt.reason);
      await heartbeat.beat('bot', 'ok', { cycle: Date.now() });
    }

    await cycle({ strategy: 'NBA', reduceOnly: false });
    await cycle({ strategy: 'NHL', reduceOnly: false });
    await killSwitch.trip({ reason: 'test' });
    await cycle({ strategy: 'NBA', reduceOnly: false });
    await cycle({ strategy: 'NBA', reduceOnly: true });
    assert.deepEqual(placed, ['NBA', 'NBA']);
    assert.deepEqual(rejected, ['NHL:circuit_breaker_blocked', 'NBA:halted_deny_new_risk']);
    assert.equal((await store.heartbeats.get('bot'))?.status, 'ok');
    strategies.close();
    await killSwitch.close();
    await store.close();
  });
});
