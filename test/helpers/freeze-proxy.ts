// A TCP proxy in front of a server that can go silent: `freeze()` stops forwarding bytes in both
// directions without closing anything (a network partition as the client sees it: no RST, no FIN).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface FreezeProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startFreezeProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FreezeProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const each = (f: (s: Socket) => void): void => {
    for (const p of pairs) p.forEach(f);
  };
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      frozen = true;
      // Unpiped and paused: what is sent from now on is held in the buffers, not forwarded.
      for (const [c, u] of pairs) {
        c.unpipe(u);
        u.unpipe(c);
        c.pause();
        u.pause();
      }
    },
    thaw: () => {
      frozen = false;
      for (const [c, u] of pairs) {
        c.pipe(u);
        u.pipe(c);
        c.resume();
        u.resume();
      }
    },
    close: async () => {
      each((s) => s.destroy());
      server.close();
      await once(server, 'close');
    },
  };
}
