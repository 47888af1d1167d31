// `warden/strategy`: the whole of src/strategy/ for integrations beyond the package root (see src/index.ts).
export * from '../strategy/index.js';
