// Moved to ./breaker/breaker-stats.js; this re-export keeps old imports working.
export * from './breaker/breaker-stats.js';
