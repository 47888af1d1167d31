// Every writer of the decision log keeps its head in the store, as openWarden does: `warden log
// append` (a real process) and the daemon's `POST /v1/decisions` / `POST /api/decisions` (a real
// daemon on a loopback port). `warden log verify --anchor store` (a real process) then passes on
// the log they wrote and catches the chain rewritten consistently after those appends.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/config/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { DecisionLog, readAnchoredHead } from '../src/decisions/index.js';
import { SqliteStore } from '../src/store/index.js';
import { warden, workspace } from './helpers/cli.js';

const TOKEN = 'tok-anchor-writers';

/** Replaces the whole log by a fresh, self-consistent chain of `n` lines (every hash right). */
async function rewrite(dataDir: string, n: number): Promise<void> {
  const dir = join(dataDir, 'decisions');
  for (const f of readdirSync(dir)) if (f.startsWith('decisions-')) rmSync(join(dir, f));
  const log = DecisionLog.open({ dir });
  for (let i = 0; i < n; i++) log.append({ kind: 'bot', by: 'forger', data: { forged: i } });
  await log.close();
}

async function verifyJson(args: string[]): Promise<{ code: number | null; r: Record<string, unknown> }> {
  const run = await warden(['log', 'verify', '--anchor', 'store', '--json', ...args]);
  return { code: run.code, r: JSON.parse(run.stdout) as Record<string, unknown> };
}

describe('the decision head is anchored in the store by every writer', () => {
  it('warden log append: the anchored verify passes, then catches the chain rewritten', async () => {
    const ws = workspace();
    try {
      let last = '';
      for (let i = 0; i < 3; i++) {
        const r = await warden(['log', 'append', 'bot', '--data', JSON.stringify({ i }), ...ws.args]);
        assert.equal(r.code, 0, r.stderr);
        last = r.stdout.trim();
      }
      const ok = await warden(['log', 'verify', '--anchor', 'store', ...ws.args]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /contains the store's head seq 3/);
      assert.equal(last.split(' ')[0], '3');
      await rewrite(ws.dataDir, 3);
      const plain = await warden(['log', 'verify', ...ws.args]);
      assert.equal(plain.code, 0, 'the forged chain is self-consistent');
      const caught = await verifyJson(ws.args);
      assert.equal(caught.code, 1);
      assert.equal(caught.r.code, 'head_mismatch');
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });

  it('warden log append with no store to anchor in: the decision is kept, the head printed, exit 1 saying so', async () => {
    const ws = workspace({}, { init: false });
    try {
      const r = await warden(['log', 'append', 'bot', '--data', '{"x":1}', ...ws.args]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^1 [0-9a-f]{64}\n$/, 'the head of the recorded decision');
      assert.match(
        r.stderr,
        /the decision is recorded \(seq 1; do not append it again\) but its head is not in the store/,
      );
      const v = await warden(['log', 'verify', ...ws.args]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /ok: 1 lines/);
    } finally {
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });

  it('the daemon: POST /v1/decisions and /api/decisions anchor while it runs and on close', async () => {
    const ws = workspace();
    const store = SqliteStore.open(join(ws.dataDir, 'warden.db'));
    const daemon = new Daemon({
      loaded: { config: parseConfig({}), path: null, dataDir: ws.dataDir },
      store,
      port: 0,
      env: { WARDEN_TOKEN: TOKEN },
      log: () => undefined,
    });
    let closed = false;
    try {
      await daemon.start();
      let seq = 0;
      for (const url of ['/v1/decisions', '/v1/decisions', '/api/decisions']) {
        const r = await fetch(`${daemon.address}${url}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'bot', data: { url }, by: 'http-bot' }),
        });
        assert.equal(r.status, 200, await r.clone().text());
        seq = ((await r.json()) as { seq: number }).seq;
      }
      // while the daemon runs: the head reaches the store within the anchor period (1 s)
      const deadline = Date.now() + 10_000;
      let anchored = await readAnchoredHead(store.kv);
      while ((anchored === null || anchored.seq < seq) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        anchored = await readAnchoredHead(store.kv);
      }
      assert.ok(
        anchored !== null && anchored.seq >= seq,
        `anchored ${JSON.stringify(anchored)}, want ${seq}`,
      );
      await daemon.close();
      closed = true;
      const ok = await verifyJson(ws.args);
      assert.equal(ok.code, 0, JSON.stringify(ok.r));
      assert.equal((ok.r.head as { seq: number }).seq, seq);
      await rewrite(ws.dataDir, seq);
      const caught = await verifyJson(ws.args);
      assert.equal(caught.code, 1);
      assert.equal(caught.r.code, 'head_mismatch');
    } finally {
      if (!closed) await daemon.close();
      await store.close();
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });
});
