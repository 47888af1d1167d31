import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ConnectionGuard } from './connection-guard.js';

/** A loopback server whose /slow requests wait until `release()`; the guard caps it at `max`. */
async function rig(max: number) {
  const guard = new ConnectionGuard(max);
  const waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/slow') waiting.push(() => res.end('done'));
    else res.end('ok');
  });
  guard.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const sockets: Socket[] = [];
  const open = async (first: string) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    sockets.push(s);
    await once(s, 'connect');
    s.write(first);
    return s;
  };
  const closed = (s: Socket) => s.destroyed || s.readableEnded;
  const settle = () => new Promise((r) => setTimeout(r, 150));
  const done = async () => {
    for (const f of waiting) f();
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return { guard, open, closed, settle, done };
}

describe('ConnectionGuard', () => {
  it('at the cap, evicts the oldest connection still sending its headers', async () => {
    const r = await rig(3);
    try {
      const slow = [];
      for (let i = 0; i < 3; i++) slow.push(await r.open('GET / HTTP/1.1\r\nHost: x\r\n'));
      await r.settle();
      assert.equal(r.guard.open, 3);
      const fresh = await r.open('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const [answer] = (await once(fresh, 'data')) as [Buffer];
      assert.match(answer.toString(), /^HTTP\/1\.1 200/);
      await r.settle();
      assert.deepEqual(
        slow.map((s) => r.closed(s)),
        [true, false, false],
        'the oldest slow one made room',
      );
      assert.equal(r.guard.evicted, 1);
      assert.equal(r.guard.open, 3);
    } finally {
      await r.done();
    }
  });

  it('never evicts a connection with a request in flight; refuses the newcomer instead', async () => {
    const r = await rig(2);
    try {
      const busy = [];
      for (let i = 0; i < 2; i++) busy.push(await r.open('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
      await r.settle();
      const late = await r.open('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await r.settle();
      assert.equal(r.closed(late), true, 'refused');
      assert.deepEqual(
        busy.map((s) => r.closed(s)),
        [false, false],
      );
      assert.equal(r.guard.refused, 1);
      assert.equal(r.guard.evicted, 0);
    } finally {
      await r.done();
    }
  });

  it('validates its cap', () => {
    assert.throws(() => new ConnectionGuard(0), /maxConnections.*0/);
    assert.throws(() => new ConnectionGuard(1.5), RangeError);
  });
});
