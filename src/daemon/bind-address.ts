import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether `host` is a loopback address (127.0.0.0/8, ::1, an IPv4-mapped 127.x, `localhost`).
 * Anything else, `0.0.0.0`, `::`, a LAN address or a host name, counts as reachable from
 * other hosts.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** The URL of a bound address as it really is (`http://0.0.0.0:8787`, `http://[::]:8787`). */
export function httpUrl(address: { address: string; family: string; port: number }): string {
  const host =
    address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
