import type { AlertSink } from '../util/alert-sink.js';

/** Options of `RejectedOrderAlerts`. */
export interface RejectedOrderAlertsOptions {
  readonly alerts: AlertSink;
  /** One alert per group (symbol + error) per window of this many ms; the rest are counted into the next. */
  readonly windowMs: number;
}

interface Group {
  window: number;
  /** Rejections in the current window after the one that alerted. */
  suppressed: number;
}

/**
 * Alerts on rejected orders, grouped by symbol and error name and rate-limited to one alert per
 * group per window: the first rejection of a window alerts at once (so a new kind of rejection is
 * heard), later ones in that window are counted and reported with the group's next alert. Keys are
 * per group and window, so the outbox never holds two of the same.
 */
export class RejectedOrderAlerts {
  readonly #alerts: AlertSink;
  readonly #windowMs: number;
  readonly #groups = new Map<string, Group>();

  constructor(options: RejectedOrderAlertsOptions) {
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1)
      throw new RangeError(`windowMs must be a positive integer, got ${String(options.windowMs)}`);
    this.#alerts = options.alerts;
    this.#windowMs = options.windowMs;
  }

  /** Records one rejection; resolves once its alert (if any) is queued. Never rejects. */
  async note(r: {
    symbol: string;
    errorName: string;
    message: string;
    idempotencyKey: string;
    at: number;
  }): Promise<void> {
    const group = `${r.symbol}:${r.errorName}`;
    const window = Math.floor(r.at / this.#windowMs);
    const g = this.#groups.get(group);
    if (g !== undefined && g.window === window) {
      g.suppressed++;
      return;
    }
    const earlier = g?.suppressed ?? 0;
    this.#groups.set(group, { window, suppressed: 0 });
    if (this.#groups.size > 1000) this.#groups.delete(this.#groups.keys().next().value!);
    await this.#alerts
      .alert({
        key: `orders:rejected:${group}:${window}`,
        severity: 'warning',
        title: `Order rejected: ${r.symbol} ${r.errorName}`,
        body:
          `${r.idempotencyKey}: ${r.message}.` +
          (earlier > 0
            ? ` ${earlier} more ${r.symbol} ${r.errorName} rejection(s) in the previous window.`
            : '') +
          ` At most one such alert per ${Math.round(this.#windowMs / 1000)} s; see \`warden dlq list\`.`,
      })
      .catch(() => undefined);
  }
}
