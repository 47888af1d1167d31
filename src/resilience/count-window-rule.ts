// Moved to ./breaker/count-window-rule.js; this re-export keeps old imports working.
export * from './breaker/count-window-rule.js';
