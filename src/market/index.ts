export * from './tick-result.js';
export * from './freshness-options.js';
export * from './freshness.js';
