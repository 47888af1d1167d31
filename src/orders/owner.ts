import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A claim owner id: `host:pid:nonce`, unique per executor instance. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * True when a claim may be taken over: its lease lapsed, or its owner was a process on this
 * host that no longer exists (a kill -9 is noticed at once, without waiting out the lease).
 * Stale means "may be taken over and asked about", never "may be resent": the dead owner's
 * last request may still land, so the taker confirms an absence only after that request's
 * send window closed (`lookupAfterWindow`).
 */
export function isClaimStale(owner: string | null, leaseUntil: number, now: number): boolean {
  if (leaseUntil <= now || owner === null) return true;
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const host = parts.slice(0, -2).join(':');
  const pid = Number(parts[parts.length - 2]);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH';
  }
}
