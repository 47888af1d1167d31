import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMigratedSchema, type TestSchema } from './helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from './helpers/json-lines-child.js';

type Answer = 'ok' | 'fail' | 'hang';

/** The "exchange": a real HTTP server on a free loopback port that answers each caller as told and records every request. */
async function exchange(): Promise<{
  url: string;
  answer: Map<string, Answer>;
  requests: { who: string; at: number }[];
  close(): Promise<void>;
}> {
  const answer = new Map<string, Answer>();
  const requests: { who: string; at: number }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const who = new URL(req.url ?? '/', 'http://x').searchParams.get('who') ?? '?';
    requests.push({ who, at: Date.now() });
    const a = answer.get(who) ?? answer.get('*') ?? 'ok';
    if (a === 'hang') hanging.push(res);
    else res.writeHead(a === 'ok' ? 200 : 503).end(a);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    answer,
    requests,
    close: async () => {
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('dependency breakers shared per exchange account (real processes, shared server, own schema)', () => {
  let db: TestSchema;
  before(async () => {
    db = await createMigratedSchema();
  });
  after(async () => {
    await db.drop();
  });

  it('a trip in A opens B within the poll; one process probes; killing the prober lets another probe; the close reaches all', async () => {
    const ex = await exchange();
    const kids: JsonChild[] = [];
    const spawn = (name: string, everyMs: number): JsonChild => {
      const k = spawnJsonChild('shared-breaker-child.ts', [
        db.url,
        db.schema,
        name,
        ex.url,
        String(everyMs),
        '2000', // open for 2 s
        '1500', // probe claim lease
      ]);
      kids.push(k);
      return k;
    };
    try {
      ex.answer.set('A', 'fail');
      ex.answer.set('B', 'ok');
      const a = spawn('A', 50);
      const b = spawn('B', 50);
      const c = spawn('C', 0); // an observer: never calls, never probes
      await Promise.all(kids.map((k) => k.waitFor('ready', (l) => l['ready'] === true, 90_000)));

      // 1. A's own failures trip it; B (whose calls succeed) and C open because A did.
      const aOpen = await a.waitFor(
        'A trips',
        (l) => l['state'] === 'open' && l['reason'] === 'tripped',
        10_000,
      );
      const bOpen = await b.waitFor(
        'B opens',
        (l) => l['state'] === 'open' && l['reason'] === 'peer-opened',
        5000,
      );
      await c.waitFor('C opens', (l) => l['state'] === 'open' && l['reason'] === 'peer-opened', 5000);
      const lag = (bOpen['at'] as number) - (aOpen['at'] as number);
      assert.ok(lag < 1500, `B opened ${lag} ms after A tripped (poll 1000 ms; NOTIFY usually far sooner)`);
      await b.waitFor('B refuses', (l) => l['rejected'] === true, 2000);

      // 2. Half-open: every probe hangs at the exchange; only one process may have sent one.
      ex.answer.set('A', 'hang');
      ex.answer.set('B', 'hang');
      const mark = Date.now();
      await new Promise((r) => setTimeout(r, (aOpen['at'] as number) + 2000 - Date.now() + 1200));
      const probes = ex.requests.filter((r) => r.at >= mark);
      assert.equal(probes.length, 1, `one probe in the fleet, got ${JSON.stringify(probes)}`);
      const prober = probes[0]!.who;
      const other = prober === 'A' ? b : a;
      const otherName = prober === 'A' ? 'B' : 'A';

      // 3. The prober dies mid-probe; once its claim lapses the other process probes, succeeds, closes.
      const killedAt = Date.now();
      await (prober === 'A' ? a : b).kill('SIGKILL');
      ex.answer.set(otherName, 'ok');
      const closed = await other.waitFor(
        'the other probes and closes',
        (l) => l['state'] === 'closed' && l['reason'] === 'probe-succeeded',
        10_000,
      );
      const theirs = ex.requests.filter((r) => r.who === otherName && r.at >= killedAt);
      assert.ok(theirs.length >= 1, 'the other process sent the probe');
      assert.ok(
        (closed['at'] as number) - killedAt < 1500 + 1500,
        'within the claim lease (plus a poll) of the prober dying',
      );
      await c.waitFor('C closes too', (l) => l['state'] === 'closed' && l['reason'] === 'peer-closed', 3000);

      const row = (
        await db.sql<{ state: string; by: string }>(`SELECT state, "by" FROM ${db.schema}.shared_breakers`)
      )[0];
      assert.deepEqual(row, { state: 'closed', by: otherName });
    } finally {
      await Promise.all(kids.map((k) => k.kill()));
      await ex.close();
    }
  });
});
