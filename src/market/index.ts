export * from './tick-result.js';
export * from './freshness-options.js';
export * from './freshness.js';
export * from './freshness-from-config.js';
