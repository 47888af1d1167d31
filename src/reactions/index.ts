export * from './exchange-breaker-watch.js';
export * from './from-config.js';
export * from './failure-reactions.js';
