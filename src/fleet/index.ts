export * from './pg-session.js';
export * from './pg-change-feed.js';
export * from './wake-on-changes.js';
export * from './leader.js';
export * from './presence.js';
export * from './fleet-runtime.js';
export * from './shared-breaker.js';
