// Moved to ./breaker/open-rejections.js; this re-export keeps old imports working.
export * from './breaker/open-rejections.js';
