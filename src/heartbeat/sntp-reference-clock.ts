import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { ReferenceClock, ReferenceReading } from './reference-clock.js';
import { ReferenceClockError } from './reference-clock-error.js';
import { parseSntpReply, sntpRequest } from './sntp-packet.js';

/** Options of the SNTP reference. */
export interface SntpReferenceOptions {
  readonly host: string;
  /** UDP port (default 123). */
  readonly port?: number;
  /** How long to wait for the answer (default 2000 ms). */
  readonly timeoutMs?: number;
  /** This host's clock (injected in tests). */
  readonly clock?: Clock;
}

/** Splits `host`, `host:port` or `[v6]:port` (port 123 by default). */
export function parseNtpServer(spec: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(spec);
  const port = m?.[3] === undefined ? 123 : Number(m[3]);
  if (!m || !(port >= 1 && port <= 65535))
    throw new RangeError(`watchdog.ntpServer: expected host or host:port, got ${JSON.stringify(spec)}`);
  return { host: m[1] ?? m[2]!, port };
}

/**
 * An SNTP client (RFC 4330) over UDP: one request per reading, the reply checked (mode, stratum,
 * kiss-o'-death, leap indicator, originate timestamp), offset and delay from the four timestamps.
 */
export class SntpReferenceClock implements ReferenceClock {
  readonly name: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  constructor(opts: SntpReferenceOptions) {
    const port = opts.port ?? 123;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new RangeError(`port: expected 1-65535, got ${port}`);
    const timeoutMs = opts.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a positive number, got ${timeoutMs}`);
    this.#host = opts.host;
    this.#port = port;
    this.#timeoutMs = timeoutMs;
    this.#clock = opts.clock ?? systemClock;
    this.name = `sntp:${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  }

  async now(signal?: AbortSignal): Promise<ReferenceReading> {
    let address: string;
    let family: number;
    try {
      ({ address, family } = await lookup(this.#host));
    } catch (err) {
      throw new ReferenceClockError(this.name, `cannot resolve ${this.#host}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new Promise<ReferenceReading>((resolve, reject) => {
      const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
      let request: Buffer;
      let t1 = 0;
      let done = false;
      const finish = (err: Error | null, reading?: ReferenceReading) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('message');
        socket.close();
        if (err)
          reject(
            err instanceof ReferenceClockError
              ? err
              : new ReferenceClockError(this.name, err.message, { cause: err }),
          );
        else resolve(reading!);
      };
      const onAbort = () => finish(new ReferenceClockError(this.name, 'aborted'));
      const timer = setTimeout(
        () => finish(new ReferenceClockError(this.name, `no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      timer.unref();
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(err));
      socket.on('message', (msg) => {
        const t4 = this.#clock.now();
        const r = parseSntpReply(msg, request);
        if (!r.ok) return finish(new ReferenceClockError(this.name, r.why));
        const t2 = r.receivedMs;
        const t3 = r.transmittedMs;
        const offset = (t2 - t1 + (t3 - t4)) / 2;
        const rttMs = Math.max(0, t4 - t1 - (t3 - t2));
        finish(null, { time: t4 + offset, localTime: t4, rttMs });
      });
      socket.connect(this.#port, address, () => {
        t1 = this.#clock.now();
        request = sntpRequest(t1);
        socket.send(request, (err) => {
          if (err) finish(err);
        });
      });
    });
  }
}
