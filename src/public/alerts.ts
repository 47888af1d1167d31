// `warden/alerts`: the whole of src/alerts/ for integrations beyond the package root (see src/index.ts).
export * from '../alerts/index.js';
