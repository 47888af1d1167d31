// `warden/market`: the whole of src/market/ for integrations beyond the package root (see src/index.ts).
export * from '../market/index.js';
