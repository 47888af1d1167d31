// `warden/orders`: the whole of src/orders/ for integrations beyond the package root (see src/index.ts).
export * from '../orders/index.js';
