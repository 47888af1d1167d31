// Moved to ./breaker/default-registry.js; this re-export keeps old imports working.
export * from './breaker/default-registry.js';
