import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { PostgresReferenceClock } from './postgres-reference-clock.js';

const URL = process.env['WARDEN_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('PostgresReferenceClock', () => {
  it("reads the server's clock and measures this host's offset from it", async () => {
    let t = Date.now();
    const ref = new PostgresReferenceClock({ connectionString: URL, clock: { now: () => t } });
    try {
      const a = await ref.now();
      // The local clock here is frozen, so the drift is (frozen time - server time) ≈ 0 now...
      assert.ok(Math.abs(a.localTime - a.time) < 2000, `drift ${a.localTime - a.time}`);
      // ...and exactly the offset once this host's clock is an hour fast.
      t = Date.now() + 3_600_000;
      const b = await ref.now();
      assert.ok(Math.abs(b.localTime - b.time - 3_600_000) < 2000, `drift ${b.localTime - b.time}`);
      assert.equal(b.rttMs, 0, 'the injected clock did not move during the query');
      assert.equal(ref.name, 'postgres:127.0.0.1:5432/test');
    } finally {
      await ref.close();
    }
  });

  it('reports a server that does not answer as unreadable, within the timeout', async () => {
    // A TCP port that accepts and never speaks.
    const server = createServer(() => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const ref = new PostgresReferenceClock({
      connectionString: `postgres://nobody:secret@127.0.0.1:${port}/x`,
      timeoutMs: 300,
    });
    try {
      const err = (await ref.now().catch((e: unknown) => e)) as Error & { code?: string };
      assert.equal(err.code, 'E_REFERENCE_CLOCK');
      assert.match(err.message, /cannot read the server's clock/);
      assert.doesNotMatch(err.message, /secret/);
    } finally {
      await ref.close();
      server.close();
    }
  });
});
