export * from './types.js';
export * from './store.js';
export * from './store-error.js';
export * from './store-missing-error.js';
export * from './open-store.js';
export * from './space-reserve.js';
export { SqliteStore, assertStoreExists, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export * from './shared-state-types.js';
