import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { SqliteStore } from '../store/index.js';
import { Daemon } from './daemon.js';

describe('Daemon', () => {
  it('runs the strategy evaluation on its schedule and alerts when a strategy trips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-daemon-'));
    const trades = join(dir, 'trades.jsonl');
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const ts = new Date(now - (i + 1) * 3_600_000).toISOString();
      lines.push(
        JSON.stringify({ ts, sport: 'NHL', resolved: true, pnl_c: -10, size: 1, entry_price_c: 50 }),
      );
    }
    writeFileSync(trades, `${lines.join('\n')}\n`);
    const config = parseConfig({
      strategy: { trades, cron: '* * * * * *' },
      alerts: { channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/never' }] },
    });
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const logs: string[] = [];
    const daemon = new Daemon({
      loaded: { config, path: null, dataDir: dir },
      store,
      port: 0,
      log: (l) => logs.push(l),
    });
    await daemon.start();
    try {
      const state = join(dir, 'strategy_state.json');
      const deadline = Date.now() + 5000;
      while (!existsSync(state) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const s = JSON.parse(readFileSync(state, 'utf8')) as { strategies: Record<string, { status: string }> };
      assert.equal(s.strategies['NHL']?.status, 'blocked');
      await new Promise((r) => setTimeout(r, 300));
      const queued = await store.alerts.list();
      assert.ok(
        queued.some((a) => a.title === 'Strategy NHL blocked'),
        JSON.stringify(queued.map((a) => a.title)),
      );
      assert.ok(logs.some((l) => l.startsWith('strategy evaluation scheduled')));
    } finally {
      await daemon.close();
      await store.close();
    }
  });

  it('leaves the evaluation off when the breaker is not in use, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-daemon-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const logs: string[] = [];
    const config = parseConfig({ strategy: { trades: join(dir, 'none.jsonl') } });
    const daemon = new Daemon({
      loaded: { config, path: null, dataDir: dir },
      store,
      port: 0,
      log: (l) => logs.push(l),
    });
    await daemon.start();
    await daemon.close();
    await store.close();
    assert.ok(logs.some((l) => l.startsWith('strategy evaluation off: no trade log')));
  });
});
