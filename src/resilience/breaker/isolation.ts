/** A hold that keeps one or more breakers forced open until released (or until its time, if it has one). */
export interface Isolation {
  /** Releases this hold; a breaker with no hold left goes half-open and probes. Idempotent. */
  release(): void;
  [Symbol.dispose](): void;
}

/** Something that can be forced open: a breaker. */
export interface Isolatable {
  forceOpen(options?: { until?: number; reason?: string }): Isolation;
}

/** Forces every breaker open at once; one handle releases them all (an exchange's maintenance window). */
export function isolateAll(
  breakers: Iterable<Isolatable>,
  options: { until?: number; reason?: string } = {},
): Isolation {
  const holds = Array.from(breakers, (b) => b.forceOpen(options));
  const release = (): void => {
    for (const h of holds) h.release();
  };
  return { release, [Symbol.dispose]: release };
}
