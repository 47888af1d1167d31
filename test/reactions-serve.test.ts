// `warden serve` with an `exchange` section: an automatic trip that asks for a flatten uses the
// built-in flatten on the configured venue (the HTTP simulator, through the real ccxt client).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { warden, workspace } from './helpers/cli.js';
import { SYMBOL, startHttpSimulator } from './helpers/orders-rig.js';
import { startServe } from './helpers/serve.js';

describe('warden serve with an exchange section', () => {
  let rig: Awaited<ReturnType<typeof startHttpSimulator>>;
  before(async () => {
    rig = await startHttpSimulator();
  });
  after(() => rig.server.close());

  it("the watchdog's trip (heartbeat failed, flatten: true) cancels the venue's open orders; the daemon refuses a section it cannot build", async () => {
    const ws = workspace({
      exchange: { kind: 'sim-http', url: rig.url },
      heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 0, flatten: true }],
      watchdog: { intervalSec: 0.2 },
    });
    const serve = await startServe(ws.args, ['--port', '0']);
    try {
      rig.sim.placeOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 60,
        clientOrderId: 'auto1',
      });
      rig.sim.placeOrder({
        symbol: SYMBOL,
        side: 'sell',
        type: 'limit',
        amount: 1,
        price: 160,
        clientOrderId: 'auto2',
      });
      const beat = await warden([...ws.args, 'heartbeat', 'bot', '--fail']);
      assert.equal(beat.code, 0, beat.stderr);
      const end = Date.now() + 20_000;
      while (rig.sim.openOrders().length > 0 && Date.now() < end) await sleep(100);
      assert.deepEqual(rig.sim.openOrders(), [], serve.output().stdout + serve.output().stderr);
      const status = await warden([...ws.args, 'status', '--json']);
      assert.equal((JSON.parse(status.stdout) as { halted: boolean }).halted, true);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      rmSync(ws.dir, { recursive: true, force: true });
    }
    const bad = workspace({
      exchange: { kind: 'ccxt', id: 'binance', secretEnv: 'WARDEN_TEST_UNSET_SECRET' },
    });
    try {
      const r = await warden([...bad.args, 'serve', '--port', '0'], {
        env: { WARDEN_TEST_UNSET_SECRET: '' },
      });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /serve: exchange.secretEnv: environment variable WARDEN_TEST_UNSET_SECRET is not set/,
      );
    } finally {
      rmSync(bad.dir, { recursive: true, force: true });
    }
  });
});
