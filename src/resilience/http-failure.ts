// Moved to ./taxonomy/http-failure.js; this re-export keeps old imports working.
export * from './taxonomy/http-failure.js';
