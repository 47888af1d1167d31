// Moved to ./breaker/consecutive-rule.js; this re-export keeps old imports working.
export * from './breaker/consecutive-rule.js';
