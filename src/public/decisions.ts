// `warden/decisions`: the whole of src/decisions/ for integrations beyond the package root (see src/index.ts).
export * from '../decisions/index.js';
