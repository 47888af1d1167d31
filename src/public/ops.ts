// `warden/ops`: the whole of src/ops/ for integrations beyond the package root (see src/index.ts).
export * from '../ops/index.js';
