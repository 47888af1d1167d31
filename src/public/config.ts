// `warden/config`: the whole of src/config/ for integrations beyond the package root (see src/index.ts).
export * from '../config/index.js';
