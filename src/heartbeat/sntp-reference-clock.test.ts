import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseNtpServer, SntpReferenceClock } from './sntp-reference-clock.js';
import { readNtpTime, writeNtpTime, parseSntpReply, sntpRequest } from './sntp-packet.js';
import { startSntpResponder, type SntpResponder } from './test-sntp-server.js';
import { ReferenceClockError } from './reference-clock-error.js';

describe('SNTP (RFC 4330)', () => {
  const responders: SntpResponder[] = [];
  const responder = async (opts: Parameters<typeof startSntpResponder>[0]) => {
    const r = await startSntpResponder(opts);
    responders.push(r);
    return r;
  };
  after(async () => {
    for (const r of responders) await r.close();
  });

  it('round-trips NTP timestamps, in era 0 and after the 2036 rollover', () => {
    const b = Buffer.alloc(8);
    for (const ms of [
      Date.UTC(2026, 11, 1, 8, 0, 0, 125),
      Date.UTC(2036, 1, 7, 6, 28, 17),
      Date.UTC(2040, 0, 1),
    ]) {
      writeNtpTime(b, 0, ms);
      assert.ok(Math.abs(readNtpTime(b, 0)! - ms) < 0.001, new Date(ms).toISOString());
    }
    assert.equal(readNtpTime(Buffer.alloc(8), 0), null);
  });

  it('measures the offset of a server whose clock is 30 s ahead', async () => {
    const r = await responder({ offsetMs: 30_000 });
    const ref = new SntpReferenceClock({ host: '127.0.0.1', port: r.port, timeoutMs: 2000 });
    const reading = await ref.now();
    const drift = reading.localTime - reading.time;
    assert.ok(Math.abs(drift + 30_000) < 500, `drift ${drift}`);
    assert.ok(reading.rttMs >= 0 && reading.rttMs < 1000, `rtt ${reading.rttMs}`);
    assert.equal(ref.name, `sntp:127.0.0.1:${r.port}`);
  });

  it('refuses a kiss-o-death, a forged originate timestamp, and a server that does not answer', async () => {
    const kiss = await responder({ mode: 'kiss' });
    await assert.rejects(
      new SntpReferenceClock({ host: '127.0.0.1', port: kiss.port }).now(),
      /kiss-o'-death "RATE"/,
    );
    const forged = await responder({ mode: 'forged' });
    await assert.rejects(
      new SntpReferenceClock({ host: '127.0.0.1', port: forged.port }).now(),
      /originate timestamp does not match/,
    );
    const silent = await responder({ mode: 'silent' });
    const err = await new SntpReferenceClock({ host: '127.0.0.1', port: silent.port, timeoutMs: 200 })
      .now()
      .catch((e: unknown) => e);
    assert.ok(err instanceof ReferenceClockError && err.code === 'E_REFERENCE_CLOCK');
    assert.match(err.message, /no answer within 200 ms/);
    assert.equal(silent.requests, 1);
    const ac = new AbortController();
    const p = new SntpReferenceClock({ host: '127.0.0.1', port: silent.port, timeoutMs: 5000 }).now(
      ac.signal,
    );
    ac.abort();
    await assert.rejects(p, /aborted/);
  });

  it('refuses replies that are not from a synchronized server', () => {
    const req = sntpRequest(Date.now());
    const reply = Buffer.alloc(48);
    req.copy(reply, 24, 40, 48);
    writeNtpTime(reply, 32, Date.now());
    writeNtpTime(reply, 40, Date.now());
    reply[0] = (4 << 3) | 3;
    reply[1] = 2;
    assert.match((parseSntpReply(reply, req) as { why: string }).why, /mode 3/);
    reply[0] = (3 << 6) | (4 << 3) | 4;
    assert.match((parseSntpReply(reply, req) as { why: string }).why, /leap indicator 3/);
    reply[0] = (4 << 3) | 4;
    reply[1] = 16;
    assert.match((parseSntpReply(reply, req) as { why: string }).why, /stratum 16/);
    reply[1] = 2;
    assert.equal(parseSntpReply(reply, req).ok, true);
    assert.match((parseSntpReply(reply.subarray(0, 40), req) as { why: string }).why, /short reply/);
  });

  it('parses host, host:port and [v6]:port', () => {
    assert.deepEqual(parseNtpServer('pool.ntp.org'), { host: 'pool.ntp.org', port: 123 });
    assert.deepEqual(parseNtpServer('127.0.0.1:1123'), { host: '127.0.0.1', port: 1123 });
    assert.deepEqual(parseNtpServer('[::1]:9'), { host: '::1', port: 9 });
    assert.throws(() => parseNtpServer('host:99999'), /watchdog.ntpServer/);
    assert.throws(() => parseNtpServer('a:b:c'), /watchdog.ntpServer/);
  });
});
