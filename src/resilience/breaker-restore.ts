// Moved to ./breaker/breaker-restore.js; this re-export keeps old imports working.
export * from './breaker/breaker-restore.js';
