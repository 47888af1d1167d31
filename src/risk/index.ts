export * from './session-boundary.js';
export * from './loss-limit-options.js';
export * from './session-loss-limit.js';
export * from './loss-limit-from-config.js';
