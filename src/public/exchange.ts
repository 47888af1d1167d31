// `warden/exchange`: the whole of src/exchange/ for integrations beyond the package root (see src/index.ts).
export * from '../exchange/index.js';
