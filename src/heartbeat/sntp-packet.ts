// SNTP v4 packets (RFC 4330): the 48-byte header, NTP timestamps, and the checks a client must make.

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 4_294_967_296;
/** The size of an SNTP packet without extension fields or authenticator. */
export const SNTP_PACKET_BYTES = 48;

/** Writes `ms` since the Unix epoch as a 64-bit NTP timestamp at `offset`. */
export function writeNtpTime(buf: Buffer, offset: number, ms: number): void {
  const total = ms / 1000 + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(total);
  buf.writeUInt32BE(seconds % TWO_32, offset);
  buf.writeUInt32BE(Math.min(TWO_32 - 1, Math.floor((total - seconds) * TWO_32)), offset + 4);
}

/**
 * Reads a 64-bit NTP timestamp as ms since the Unix epoch, or null when it is zero. RFC 4330
 * §3: when the top bit of the seconds is clear the time is in era 1 (from 2036-02-07).
 */
export function readNtpTime(buf: Buffer, offset: number): number | null {
  const seconds = buf.readUInt32BE(offset);
  const fraction = buf.readUInt32BE(offset + 4);
  if (seconds === 0 && fraction === 0) return null;
  const era = (seconds & 0x80000000) === 0 ? TWO_32 : 0;
  return (seconds + era - NTP_UNIX_OFFSET_S + fraction / TWO_32) * 1000;
}

/** A client request: LI 0, version 4, mode 3 (client), with our send time as the transmit timestamp. */
export function sntpRequest(sentAtMs: number): Buffer {
  const buf = Buffer.alloc(SNTP_PACKET_BYTES);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  writeNtpTime(buf, 40, sentAtMs);
  return buf;
}

/** The server timestamps of a reply that passed the RFC 4330 §5 checks, or why it did not. */
export type SntpReply =
  | {
      readonly ok: true;
      readonly receivedMs: number;
      readonly transmittedMs: number;
      readonly stratum: number;
    }
  | { readonly ok: false; readonly why: string };

/** Validates a reply to `request` and extracts the server's receive (T2) and transmit (T3) times. */
export function parseSntpReply(reply: Buffer, request: Buffer): SntpReply {
  if (reply.length < SNTP_PACKET_BYTES) return { ok: false, why: `short reply (${reply.length} bytes)` };
  const li = reply[0]! >> 6;
  const version = (reply[0]! >> 3) & 0x7;
  const mode = reply[0]! & 0x7;
  const stratum = reply[1]!;
  if (mode !== 4) return { ok: false, why: `not a server reply (mode ${mode})` };
  if (version < 1 || version > 4) return { ok: false, why: `unsupported version ${version}` };
  if (stratum === 0) {
    const kiss = reply.subarray(12, 16).toString('latin1').replace(/\0+$/, '');
    return { ok: false, why: `kiss-o'-death ${JSON.stringify(kiss)} (the server refuses to answer)` };
  }
  if (stratum > 15) return { ok: false, why: `stratum ${stratum}: the server is not synchronized` };
  if (li === 3) return { ok: false, why: 'leap indicator 3: the server clock is not synchronized' };
  if (!reply.subarray(24, 32).equals(request.subarray(40, 48)))
    return { ok: false, why: 'originate timestamp does not match our request (stray or forged reply)' };
  const receivedMs = readNtpTime(reply, 32);
  const transmittedMs = readNtpTime(reply, 40);
  if (receivedMs === null || transmittedMs === null)
    return { ok: false, why: 'zero receive or transmit timestamp' };
  return { ok: true, receivedMs, transmittedMs, stratum };
}
