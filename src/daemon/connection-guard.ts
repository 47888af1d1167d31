import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Caps the connections an HTTP server holds open. At the cap a new connection evicts the
 * oldest one that is not in the middle of a request (still sending its headers, or idle
 * between keep-alive requests), so a crowd of slow-header clients cannot lock an operator out;
 * when every connection is busy with a request the new one is refused instead. Slow clients
 * below the cap are cut by the server's own header and request timeouts.
 */
export class ConnectionGuard {
  readonly #max: number;
  /** Open sockets in the order they connected, with how many requests each has in flight. */
  readonly #sockets = new Map<Socket, { inFlight: number }>();
  #evicted = 0;
  #refused = 0;

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`daemon option maxConnections must be an integer >= 1, got ${String(max)}`);
    }
    this.#max = max;
  }

  /** Watches `server`'s connections and requests. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('request', (req: { socket: Socket }, res: { once(e: 'close', l: () => void): unknown }) => {
      const entry = this.#sockets.get(req.socket);
      if (!entry) return;
      entry.inFlight++;
      res.once('close', () => void entry.inFlight--);
    });
  }

  /** Connections open now. */
  get open(): number {
    return this.#sockets.size;
  }

  /** Connections closed to make room for a newer one, since the start. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Connections refused because every open one was busy with a request, since the start. */
  get refused(): number {
    return this.#refused;
  }

  /** Destroys every open connection (the end of a shutdown's grace period). */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }

  #admit(socket: Socket): void {
    if (this.#sockets.size >= this.#max) {
      const victim = this.#oldestIdle();
      if (victim === undefined) {
        this.#refused++;
        socket.destroy();
        return;
      }
      this.#evicted++;
      this.#sockets.delete(victim);
      victim.destroy();
    }
    this.#sockets.set(socket, { inFlight: 0 });
    socket.once('close', () => void this.#sockets.delete(socket));
  }

  #oldestIdle(): Socket | undefined {
    for (const [socket, { inFlight }] of this.#sockets) if (inFlight === 0) return socket;
    return undefined;
  }
}
