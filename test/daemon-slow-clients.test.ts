// Slow-header clients against a real `warden serve` on a free loopback port. They are cut at
// the header timeout (408), the connection cap holds while a normal client still gets
// /healthz, and SIGTERM ends the daemon within 5 s even with slow clients connected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workspace } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { closeAll, openSlowClients, stillOpen, waitFor } from './helpers/slow-clients.js';

const portOf = (url: string): number => Number(new URL(url).port);

describe('warden serve and slow clients (real process, loopback)', () => {
  it('cuts slow-header clients at the header timeout and holds the connection cap while /healthz answers', async () => {
    const cap = 100;
    const headersTimeoutMs = 3000;
    const w = workspace({ daemon: { maxConnections: cap, headersTimeoutMs, requestTimeoutMs: 6000 } });
    const serve = await startServe(w.args, ['--port', '0']);
    const clients = await openSlowClients(portOf(serve.printed), 400).catch((e: unknown) => {
      serve.child.kill('SIGKILL');
      throw e;
    });
    try {
      await new Promise((r) => setTimeout(r, 500)); // let the server's closes reach the clients
      const open = stillOpen(clients);
      assert.ok(open <= cap, `at most ${cap} slow connections held open, saw ${open}`);
      const evicted = clients.filter((c) => c.closedAt !== undefined && c.received === '').length;
      assert.ok(evicted >= 400 - cap - 5, `the ones over the cap were closed at once (${evicted})`);

      // A normal client gets through while the slow ones hold the cap.
      const t0 = Date.now();
      const r = await fetch(`${serve.printed}/healthz`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { ok: true });
      assert.ok(Date.now() - t0 < headersTimeoutMs, 'without waiting for the slow ones to time out');

      // The ones still open are cut at the header timeout with a 408, well before Node's 60 s default.
      const survivors = clients.filter((c) => c.closedAt === undefined);
      await waitFor(() => stillOpen(clients) === 0, 20_000, 'every slow client to be cut');
      for (const c of survivors) {
        assert.match(c.received, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout');
        assert.ok(
          c.closedAt! - c.connectedAt >= headersTimeoutMs - 500,
          `cut by the header timeout, after ${c.closedAt! - c.connectedAt} ms`,
        );
      }
      assert.ok(survivors.length > 0, 'some slow clients were held until the header timeout');
    } finally {
      closeAll(clients);
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('ends within 5 s of SIGTERM with slow clients connected', async () => {
    // A header timeout far beyond the test: only the shutdown can cut these clients.
    const w = workspace({ daemon: { headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 } });
    const serve = await startServe(w.args, ['--port', '0']);
    const clients = await openSlowClients(portOf(serve.printed), 200);
    try {
      // A keep-alive client that finished one request and stays idle, too.
      const r = await fetch(`${serve.printed}/api/status`);
      assert.equal(r.status, 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(stillOpen(clients), 200, 'all slow clients are held before the signal');
      const t0 = Date.now();
      serve.child.kill('SIGTERM');
      const timer = setTimeout(() => serve.child.kill('SIGKILL'), 30_000);
      const { code, signal } = await serve.exited;
      clearTimeout(timer);
      const took = Date.now() - t0;
      assert.equal(signal, null, `exited on its own, not killed (took ${took} ms)`);
      assert.equal(code, 0, serve.output().stderr);
      assert.ok(took < 5000, `SIGTERM to exit took ${took} ms`);
      await waitFor(() => stillOpen(clients) === 0, 5000, 'the slow clients to see the close');
    } finally {
      closeAll(clients);
    }
  });
});
