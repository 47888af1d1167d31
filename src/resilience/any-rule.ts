// Moved to ./breaker/any-rule.js; this re-export keeps old imports working.
export * from './breaker/any-rule.js';
