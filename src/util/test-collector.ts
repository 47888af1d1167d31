import { Writable } from 'node:stream';
import type { AlertInput, AlertSink } from './alert-sink.js';

/** An AlertSink that keeps what it is given, with the same one-per-key rule as the outbox: for tests. */
export class CollectingAlerts implements AlertSink {
  readonly alerts: AlertInput[] = [];
  readonly #keys = new Set<string>();
  alert(a: AlertInput): Promise<void> {
    if (!this.#keys.has(a.key)) {
      this.#keys.add(a.key);
      this.alerts.push(a);
    }
    return Promise.resolve();
  }
  titles(): string[] {
    return this.alerts.map((a) => a.title);
  }
}

/** A writable stream that keeps each chunk written to it as a string (a logger's lines): for tests. */
export function collectingStream(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      lines.push(c.toString());
      done();
    },
  });
  return { stream, lines };
}
