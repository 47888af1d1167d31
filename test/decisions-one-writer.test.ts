// One writer of the decision log per data dir: `warden serve` (a real process, `daemon.decisionLog`
// true by default) and a bot on openWarden share `decisions.dir` by default, and the writer lock
// decides which one writes; the other refuses clearly and fails closed. The chain never
// interleaves: it verifies and holds the lines of its one writer only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DecisionLogLockedError, listSegments, verifyDecisionLog } from '../src/decisions/index.js';
import { BTC, createBotWorld } from '../src/runtime/runtime-test-rig.js';
import { startServe } from './helpers/serve.js';

const TOKEN = 'tok-one-writer';
const buy = { symbol: BTC, side: 'buy', amount: 1, price: 90 } as const;

function records(dataDir: string): { by?: string; kind: string; data: unknown }[] {
  return listSegments(join(dataDir, 'decisions')).flatMap((s) =>
    readFileSync(s.path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { by?: string; kind: string; data: unknown }),
  );
}

const post = (base: string, by: string) =>
  fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'bot', data: { via: 'http' }, by }),
  });

describe('one writer of the decision log: warden serve beside a bot on openWarden', () => {
  it('defaults: the daemon holds the log; openWarden is refused naming it and its gate denies new risk', async () => {
    const world = await createBotWorld();
    const serve = await startServe(['--config', world.configPath], ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    try {
      assert.equal((await post(serve.printed, 'http-bot')).status, 200, 'the daemon writes the log');
      const w = await world.open({ name: 'the-bot' });
      const err = w.gate.decisionLogError;
      assert.ok(err instanceof DecisionLogLockedError, `got ${String(err)}`);
      assert.match(err.message, new RegExp(`pid ${serve.child.pid}`), err.message);
      const d = w.gate.check(buy);
      assert.deepEqual(
        { allow: d.allow, reason: d.reason },
        {
          allow: false,
          reason: 'decision_log_unwritable_fail_closed',
        },
      );
      // reduce-only is not refused for the log (the mode may still refuse it: no equity reported yet)
      assert.notEqual(w.gate.check({ ...buy, side: 'sell', reduceOnly: true }).layer, 'decisions');
      assert.equal((await post(serve.printed, 'http-bot')).status, 200, 'the daemon keeps writing');
      await w.close();
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    try {
      const v = verifyDecisionLog(join(world.dataDir, 'decisions'));
      assert.equal(v.ok, true, JSON.stringify(v));
      const recs = records(world.dataDir);
      assert.equal(recs.filter((r) => r.by === 'http-bot').length, 2);
      assert.deepEqual(
        recs.filter((r) => r.by === 'the-bot'),
        [],
        'no line of the refused writer',
      );
    } finally {
      await world.destroy();
    }
  });

  it('the bot first: the daemon starts anyway and its decision routes answer 503 naming the holder', async () => {
    const world = await createBotWorld();
    const w = await world.open({ name: 'the-bot' });
    const serve = await startServe(['--config', world.configPath], ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    try {
      const r = await post(serve.printed, 'http-bot');
      assert.equal(r.status, 503);
      assert.match(((await r.json()) as { error: string }).error, new RegExp(`held by .*pid ${process.pid}`));
      assert.equal(w.gate.decisionLogError, null, 'the bot keeps its log');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      await w.close();
    }
    try {
      assert.equal(verifyDecisionLog(join(world.dataDir, 'decisions')).ok, true);
      const recs = records(world.dataDir);
      assert.ok(recs.some((r) => r.by === 'the-bot'));
      assert.deepEqual(
        recs.filter((r) => r.by === 'http-bot'),
        [],
      );
    } finally {
      await world.destroy();
    }
  });

  it('daemon.decisionLog false: the daemon leaves the lock alone and the bot writes the log', async () => {
    const world = await createBotWorld({ daemon: { decisionLog: false } });
    const serve = await startServe(['--config', world.configPath], ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    try {
      const w = await world.open({ name: 'the-bot' });
      assert.equal(w.gate.decisionLogError, null);
      const r = await post(serve.printed, 'http-bot');
      assert.equal(r.status, 503);
      assert.match(((await r.json()) as { error: string }).error, /daemon\.decisionLog is false/);
      await w.close();
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    try {
      assert.equal(verifyDecisionLog(join(world.dataDir, 'decisions')).ok, true);
      assert.ok(records(world.dataDir).some((r) => r.by === 'the-bot'));
    } finally {
      await world.destroy();
    }
  });
});
