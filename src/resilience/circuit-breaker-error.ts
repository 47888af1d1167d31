// Moved to ./errors/circuit-breaker-error.js; this re-export keeps old imports working.
export * from './errors/circuit-breaker-error.js';
