export * from './tick-result.js';
export { DEFAULT_FRESHNESS, type FreshnessOptions, type FreshnessRule } from './freshness-options.js';
export * from './freshness.js';
export * from './freshness-from-config.js';
