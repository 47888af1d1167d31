/** An alert as the modules that raise one describe it. `key` names the incident: one alert per key. */
export interface AlertInput {
  readonly key: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly title: string;
  readonly body: string;
}

/** Anything that takes alerts (the Alerter with its outbox, or a test's collector). Must not throw for a channel that is down. */
export interface AlertSink {
  alert(input: AlertInput): Promise<unknown>;
}

/** Drops alerts: for callers that configured none. */
export const nullAlertSink: AlertSink = Object.freeze({ alert: () => Promise.resolve() });
