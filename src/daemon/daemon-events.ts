import { EventSource, type Subscribe } from '../resilience/event.js';

/** A state change the daemon publishes on `GET /v1/events` (server-sent events). */
export type DaemonEvent =
  | { readonly type: 'killswitch'; readonly at: number; readonly data: unknown }
  | {
      readonly type: 'heartbeat';
      readonly at: number;
      readonly data: { name: string; incident: 'opened' | 'closed'; detail?: string };
    }
  | {
      readonly type: 'alert';
      readonly at: number;
      readonly data: { channel: string; title: string; outcome: 'sent' | 'failed'; final?: boolean };
    }
  | {
      readonly type: 'decision';
      readonly at: number;
      readonly data: { seq: number; hash: string; kind: string };
    }
  | { readonly type: 'mode'; readonly at: number; readonly data: unknown }
  | { readonly type: 'gate'; readonly at: number; readonly data: Record<string, unknown> }
  | {
      readonly type: 'breaker';
      readonly at: number;
      readonly data: { name: string; from: string; state: string; since: number; reason: string };
    };

/** The daemon's one stream of state changes; nothing is built for it while nobody listens. */
export class DaemonEvents {
  readonly #source = new EventSource<DaemonEvent>();

  /** True when someone listens (producers skip building events otherwise). */
  get listened(): boolean {
    return this.#source.size > 0;
  }

  get subscribe(): Subscribe<DaemonEvent> {
    return this.#source.subscribe;
  }

  emit(e: DaemonEvent): void {
    if (this.#source.size > 0) this.#source.emit(e);
  }
}
