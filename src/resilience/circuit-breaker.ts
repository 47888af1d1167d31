// Moved to ./breaker/circuit-breaker.js; this re-export keeps old imports working.
export * from './breaker/circuit-breaker.js';
