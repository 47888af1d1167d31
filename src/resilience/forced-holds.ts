// Moved to ./breaker/forced-holds.js; this re-export keeps old imports working.
export * from './breaker/forced-holds.js';
