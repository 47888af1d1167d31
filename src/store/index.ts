export * from './types.js';
export * from './store.js';
export * from './store-error.js';
export * from './open-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
