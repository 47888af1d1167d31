// Slow-header clients for process-level tests of the daemon: each connects, sends the start of
// a request, then one more header line every `trickleMs`, and never ends its headers. Bounded
// in count by the caller; loopback only.
import { connect, type Socket } from 'node:net';

/** One slow client and what happened to it. */
export interface SlowClient {
  readonly socket: Socket;
  readonly connectedAt: number;
  closedAt: number | undefined;
  /** What the server sent before closing (a 408 for a header timeout, nothing for an eviction). */
  received: string;
}

/** Opens `count` slow clients to `port` on 127.0.0.1, `batch` at a time; resolves once all are connected. */
export async function openSlowClients(
  port: number,
  count: number,
  { batch = 50, trickleMs = 500 }: { batch?: number; trickleMs?: number } = {},
): Promise<SlowClient[]> {
  const clients: SlowClient[] = [];
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    await Promise.all(Array.from({ length: n }, () => openOne(port, trickleMs).then((c) => clients.push(c))));
  }
  return clients;
}

function openOne(port: number, trickleMs: number): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', (err) => {
      // A connection reset after connecting is the server cutting it: that is recorded by 'close'.
      if (!client) reject(err);
    });
    let client: SlowClient | undefined;
    socket.once('connect', () => {
      const c: SlowClient = { socket, connectedAt: Date.now(), closedAt: undefined, received: '' };
      client = c;
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), trickleMs);
      socket.on('data', (d: Buffer) => (c.received += d.toString('latin1')));
      socket.once('close', () => {
        clearInterval(timer);
        c.closedAt = Date.now();
      });
      resolve(c);
    });
  });
}

/** Closes every client still open. */
export function closeAll(clients: SlowClient[]): void {
  for (const c of clients) c.socket.destroy();
}

/** How many are still open. */
export const stillOpen = (clients: SlowClient[]): number =>
  clients.filter((c) => c.closedAt === undefined).length;

/** Resolves once `pred()` holds, polling every 100 ms; rejects after `ms`. */
export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
