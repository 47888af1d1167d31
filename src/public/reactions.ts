// `warden/reactions`: automatic reactions (the exchange breaker watch, the dead man's switch from
// config) and the built-in flatten, for integrations beyond the package root (see src/index.ts).
export * from '../reactions/index.js';
export { exchangeFlattenHook, chainFlattenHooks, flattenKey } from '../killswitch/exchange-flatten.js';
export type { ExchangeFlattenOptions } from '../killswitch/exchange-flatten.js';
export { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
