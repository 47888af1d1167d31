// Moved to ./breaker/half-open-probes.js; this re-export keeps old imports working.
export * from './breaker/half-open-probes.js';
