import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';
import { SqliteStore } from '../src/store/index.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-05T03:49:00Z');

function tradeLog(path: string, pnl: number): void {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++)
    lines.push(
      JSON.stringify({
        ts: new Date(NOW - (i + 1) * (DAY / 4)).toISOString(),
        sport: 'NHL',
        resolved: 'YES',
        pnl_c: pnl,
        size: 2,
        entry_price_c: 50,
      }),
    );
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function outbox(dataDir: string): Promise<string[]> {
  const store = SqliteStore.open(join(dataDir, 'warden.db'), { mustExist: true });
  try {
    return (await store.alerts.list()).map((a) => `${a.severity} ${a.title}`);
  } finally {
    await store.close();
  }
}

describe('warden evaluate --alert (a timer without the daemon sends the strategy alerts)', () => {
  it('alerts a trip, then a recovery, through the outbox', async () => {
    const w = workspace({ strategy: { trades: 'trades.jsonl', recoveryBasis: 'trades' } });
    const trades = join(w.dir, 'trades.jsonl');
    tradeLog(trades, -10);
    const at = new Date(NOW).toISOString();
    let r = await warden([...w.args, 'evaluate', '--alert', '--now', at], { cwd: w.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /TRIPPED: NHL/);
    assert.deepEqual(await outbox(w.dataDir), ['critical Strategy NHL blocked']);
    assert.match(r.stderr, /Strategy NHL blocked/, 'sent on the stderr channel, not only queued');
    tradeLog(trades, 10);
    r = await warden([...w.args, 'evaluate', '--alert', '--full', '--now', at], { cwd: w.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await outbox(w.dataDir)).sort(), [
      'critical Strategy NHL blocked',
      'info Strategy NHL recovered',
    ]);
  });

  it('alerts a failed run and still exits 1 with the reason', async () => {
    const w = workspace({ strategy: { trades: 'trades.jsonl' } });
    writeFileSync(join(w.dir, 'trades.jsonl'), '{"nothing": 1}\n');
    const r = await warden([...w.args, 'evaluate', '--alert'], { cwd: w.dir });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(await outbox(w.dataDir), ['critical Strategy evaluation failed']);
  });

  it('sends nothing without --alert', async () => {
    const w = workspace({ strategy: { trades: 'trades.jsonl', recoveryBasis: 'trades' } });
    tradeLog(join(w.dir, 'trades.jsonl'), -10);
    const r = await warden([...w.args, 'evaluate', '--now', new Date(NOW).toISOString()], { cwd: w.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await outbox(w.dataDir), []);
  });
});
