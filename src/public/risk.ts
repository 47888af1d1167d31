// `warden/risk`: the whole of src/risk/ for integrations beyond the package root (see src/index.ts).
export * from '../risk/index.js';
