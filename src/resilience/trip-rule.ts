// Moved to ./breaker/trip-rule.js; this re-export keeps old imports working.
export * from './breaker/trip-rule.js';
