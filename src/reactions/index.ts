export * from './exchange-breaker-watch.js';
export * from './from-config.js';
