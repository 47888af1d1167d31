// A local SNTP responder for tests: answers on a free UDP port of 127.0.0.1 with its own clock,
// which can be offset from this host's, or misbehaves on purpose (silent, kiss-o'-death, forged).
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { SNTP_PACKET_BYTES, writeNtpTime } from './sntp-packet.js';

/** How the responder answers. */
export type SntpResponderMode = 'ok' | 'silent' | 'kiss' | 'forged';

/** A running responder. */
export interface SntpResponder {
  readonly port: number;
  /** `127.0.0.1:PORT`, as `watchdog.ntpServer` takes it. */
  readonly address: string;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Starts a responder whose clock is `Date.now() + offsetMs`. */
export async function startSntpResponder(
  opts: { readonly offsetMs?: number; readonly mode?: SntpResponderMode } = {},
): Promise<SntpResponder> {
  const socket: Socket = createSocket('udp4');
  const offset = opts.offsetMs ?? 0;
  let requests = 0;
  socket.on('message', (msg, from) => {
    requests++;
    if (opts.mode === 'silent' || msg.length < SNTP_PACKET_BYTES) return;
    const received = Date.now() + offset;
    const reply = Buffer.alloc(SNTP_PACKET_BYTES);
    reply[0] = (0 << 6) | (4 << 3) | 4;
    reply[1] = opts.mode === 'kiss' ? 0 : 2;
    if (opts.mode === 'kiss') reply.write('RATE', 12, 'latin1');
    if (opts.mode === 'forged') writeNtpTime(reply, 24, 1_000);
    else msg.copy(reply, 24, 40, 48);
    writeNtpTime(reply, 16, received - 10_000);
    writeNtpTime(reply, 32, received);
    writeNtpTime(reply, 40, Date.now() + offset);
    socket.send(reply, from.port, from.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
