// Moved to ./breaker/breaker-options.js; this re-export keeps old imports working.
export * from './breaker/breaker-options.js';
