// Moved to ./breaker/breaker-registry.js; this re-export keeps old imports working.
export * from './breaker/breaker-registry.js';
