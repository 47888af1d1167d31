/** Whether reconciliation has succeeded since start: until then the executor denies new risk. */
export interface Readiness {
  readonly ready: boolean;
}

/** A readiness flag that reconciliation sets once it succeeded. Starts not ready. */
export class ReadinessLatch implements Readiness {
  #ready = false;
  #at: number | null = null;

  get ready(): boolean {
    return this.#ready;
  }

  /** When reconciliation succeeded (ms since epoch), or `null`. */
  get readyAt(): number | null {
    return this.#at;
  }

  /** Called by `reconcile` when it succeeded. */
  markReady(at: number): void {
    this.#ready = true;
    this.#at = at;
  }

  /** Re-engages the latch (a state failure: what we hold may differ from the venue): new risk waits for the next successful reconcile. */
  markPending(): void {
    this.#ready = false;
    this.#at = null;
  }
}

/** Always ready: for a caller that reconciles some other way (say so in its config). */
export const alwaysReady: Readiness = Object.freeze({ ready: true });
