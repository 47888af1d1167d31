// The decision log's head off the host: openWarden keeps it in the store, and
// `warden log verify --anchor store` (a real process) checks the file against it. A whole chain
// rewritten consistently (every hash right) passes a plain verify and fails the anchored one.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DecisionLog } from '../src/decisions/index.js';
import { BTC, createBotWorld, type BotWorld } from '../src/runtime/runtime-test-rig.js';
import { warden } from './helpers/cli.js';

let world: BotWorld;
let lines = 0;
before(async () => {
  world = await createBotWorld();
  const w = await world.open();
  w.equity(10_000);
  w.tick(BTC, 100);
  for (let i = 0; i < 5; i++)
    await w.submit({
      idempotencyKey: `a${i}`,
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 90,
    });
  await w.close(); // the final head goes to the store
  const log = DecisionLog.open({ dir: join(world.dataDir, 'decisions') });
  lines = log.head.seq;
  await log.close();
});
after(() => world.destroy());

const verify = (...extra: string[]) => warden(['log', 'verify', '--config', world.configPath, ...extra]);

/** Replaces the whole log by a fresh, self-consistent chain of `n` lines. */
async function rewrite(n: number): Promise<void> {
  const dir = join(world.dataDir, 'decisions');
  for (const f of readdirSync(dir)) if (f.startsWith('decisions-')) rmSync(join(dir, f));
  const log = DecisionLog.open({ dir });
  for (let i = 0; i < n; i++) log.append({ kind: 'gate', by: 'forger', data: { allow: true, i } });
  await log.close();
}

describe('warden log verify --anchor store', () => {
  it('passes on the log the bot wrote', async () => {
    const r = await verify('--anchor', 'store');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`contains the store's head seq ${lines}`));
  });

  it('detects a whole chain rewritten consistently: a plain verify passes, the anchored one fails', async () => {
    await rewrite(lines);
    const plain = await verify();
    assert.equal(plain.code, 0, 'every hash of the forged chain is right');
    const anchored = await verify('--anchor', 'store');
    assert.equal(anchored.code, 1);
    assert.match(anchored.stderr, /head_mismatch/);
  });

  it('detects a rewrite that drops the tail (head missing)', async () => {
    await rewrite(Math.max(1, lines - 3));
    const anchored = await verify('--anchor', 'store', '--json');
    assert.equal(anchored.code, 1);
    assert.equal((JSON.parse(anchored.stdout) as { code: string }).code, 'head_missing');
  });

  it('says so when the store holds no head', async () => {
    const other = await createBotWorld();
    try {
      const r = await warden(['log', 'verify', '--config', other.configPath, '--anchor', 'store']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /holds no decision head/);
    } finally {
      await other.destroy();
    }
  });
});
