// `warden audit export` (a real process) on the data dir of a bot run through openWarden: the
// decision log copied and verified against the store's head (the result in MANIFEST.json), the
// strategy state, overrides and shadow trades, the orders, the DLQ and the reconciliation reports.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DecisionLog } from '../src/decisions/index.js';
import type { AuditManifest } from '../src/ops/index.js';
import { BTC, createBotWorld, type BotWorld } from '../src/runtime/runtime-test-rig.js';
import { warden } from './helpers/cli.js';

let world: BotWorld;
before(async () => {
  world = await createBotWorld();
  writeFileSync(
    join(world.dataDir, 'strategy_state.json'),
    JSON.stringify({ as_of_unix: Date.now() / 1000, strategies: { mean_rev: { status: 'blocked' } } }),
  );
  writeFileSync(join(world.dataDir, 'strategy-overrides.jsonl'), '{"key":"mean_rev","action":"block"}\n');
  const w = await world.open();
  w.equity(10_000);
  w.tick(BTC, 100);
  const base = { symbol: BTC, side: 'buy' as const, type: 'limit' as const, amount: 1, price: 90 };
  assert.equal((await w.submit({ ...base, idempotencyKey: 'placed-1' })).status, 'placed');
  assert.equal(
    (await w.submit({ ...base, idempotencyKey: 'shadow-1', strategy: 'mean_rev' })).status,
    'denied',
  );
  const bad = { ...base, side: 'sell' as const, reduceOnly: true, price: 110, idempotencyKey: 'dlq-1' };
  assert.equal((await w.submit(bad)).status, 'rejected');
  await w.gate.drain();
  await w.close();
});
after(() => world.destroy());

const exportTo = async (name: string) => {
  const dir = join(world.dir, name);
  const r = await warden(['audit', 'export', dir, '--config', world.configPath, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return { dir, m: JSON.parse(r.stdout) as AuditManifest };
};
const rows = (dir: string, f: string) =>
  readFileSync(join(dir, f), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('warden audit export: the trading records', () => {
  it('includes the decision log verified against the store, strategy state, overrides, shadow, orders, DLQ, reconciliations', async () => {
    const { dir, m } = await exportTo('audit1');
    assert.ok(m.decisionLog, 'the manifest has the verification');
    assert.equal(m.decisionLog.ok, true);
    assert.ok(m.decisionLog.anchoredHead, 'checked against the store head');
    assert.ok(m.decisionLog.lines >= m.decisionLog.anchoredHead.seq);
    const paths = m.files.map((f) => f.path);
    assert.ok(
      paths.some((p) => /^decisions\/decisions-\d+\.jsonl$/.test(p)),
      paths.join(' '),
    );
    for (const p of [
      'strategy/strategy_state.json',
      'strategy/strategy-overrides.jsonl',
      'strategy/shadow.jsonl',
      'orders.jsonl',
      'dlq.jsonl',
      'reconciliations.jsonl',
    ])
      assert.ok(paths.includes(p), `manifest lists ${p}`);
    assert.deepEqual(
      rows(dir, 'orders.jsonl')
        .map((o) => [o['idempotencyKey'], o['state']])
        .sort(),
      [
        ['dlq-1', 'rejected'],
        ['placed-1', 'placed'],
        ['shadow-1', 'denied'],
      ],
    );
    assert.deepEqual(
      rows(dir, 'dlq.jsonl').map((e) => e['idempotencyKey']),
      ['dlq-1'],
    );
    const recon = rows(dir, 'reconciliations.jsonl');
    assert.equal(recon.length, 1);
    assert.equal((recon[0]!['report'] as { ok: boolean }).ok, true);
    assert.match(readFileSync(join(dir, 'strategy', 'shadow.jsonl'), 'utf8'), /shadow-1/);
  });

  it('records a failed verification when the whole chain was rewritten', async () => {
    const logDir = join(world.dataDir, 'decisions');
    for (const f of readdirSync(logDir)) if (f.startsWith('decisions-')) rmSync(join(logDir, f));
    const forged = DecisionLog.open({ dir: logDir });
    for (let i = 0; i < 200; i++) forged.append({ kind: 'gate', data: { allow: true, i } });
    await forged.close();
    const { m } = await exportTo('audit2');
    assert.ok(m.decisionLog);
    assert.equal(m.decisionLog.ok, false);
    assert.equal(m.decisionLog.problem?.code, 'head_mismatch');
  });
});
