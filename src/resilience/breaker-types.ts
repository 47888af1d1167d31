// Moved to ./breaker/breaker-types.js; this re-export keeps old imports working.
export * from './breaker/breaker-types.js';
