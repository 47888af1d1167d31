// Moved to ./breaker/isolation.js; this re-export keeps old imports working.
export * from './breaker/isolation.js';
