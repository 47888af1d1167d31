export * from './session-boundary.js';
export type {
  LossLimitSnapshot,
  LossLimitState,
  PnlReport,
  SessionLossLimitOptions,
} from './loss-limit-options.js';
export * from './session-loss-limit.js';
export * from './loss-limit-from-config.js';
