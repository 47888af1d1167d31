import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { SqliteStore } from '../store/index.js';
import { DecisionLog } from '../decisions/index.js';
import { Daemon } from './daemon.js';

const TOKEN = 'tok-daemon-decisions';

async function withDaemon(
  daemonSection: Record<string, unknown>,
  before: (dir: string) => Promise<() => Promise<void>>,
  fn: (base: string, logs: string[], dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-daemon-dec-'));
  const cleanup = await before(dir);
  const store = SqliteStore.open(join(dir, 'warden.db'));
  const logs: string[] = [];
  const daemon = new Daemon({
    loaded: { config: parseConfig({ daemon: daemonSection }), path: null, dataDir: dir },
    store,
    port: 0,
    env: { WARDEN_TOKEN: TOKEN },
    log: (l) => logs.push(l),
  });
  await daemon.start();
  try {
    await fn(daemon.address, logs, dir);
  } finally {
    await daemon.close();
    await store.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const append = (base: string) =>
  fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'bot', data: 1 }),
  });

describe('the daemon and the decision log', () => {
  it('starts when another writer holds the log, and answers 503 saying so', async () => {
    await withDaemon(
      {},
      async (dir) => {
        const held = DecisionLog.open({ dir: join(dir, 'decisions') });
        return () => held.close();
      },
      async (base, logs) => {
        const r = await append(base);
        assert.equal(r.status, 503);
        assert.match(((await r.json()) as { error: string }).error, /held by another process/);
        assert.ok(
          logs.some((l) => /decisions API off/.test(l)),
          logs.join('\n'),
        );
        assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the rest of the daemon runs');
      },
    );
  });

  it('leaves the log alone with daemon.decisionLog false', async () => {
    await withDaemon(
      { decisionLog: false },
      () => Promise.resolve(() => Promise.resolve()),
      async (base, _logs, dir) => {
        const r = await append(base);
        assert.equal(r.status, 503);
        assert.match(((await r.json()) as { error: string }).error, /daemon\.decisionLog is false/);
        // A bot can be the writer while the daemon runs.
        const mine = DecisionLog.open({ dir: join(dir, 'decisions') });
        await mine.append({ kind: 'bot', data: 1 }, { durable: true });
        await mine.close();
      },
    );
  });
});
