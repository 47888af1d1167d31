export * from './token.js';
export * from './http-api.js';
export * from './daemon.js';
export * from './leadership.js';
export * from './data-dir-leader-lock.js';
export type { DaemonGateOptions } from './daemon-gate.js';
export type { GateSource } from './routes/gate-routes.js';
export type { ModeSource, ModeView } from './routes/mode-routes.js';
export type { BreakerSource, BreakerView } from './breaker-watch.js';
