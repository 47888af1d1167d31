// `warden/store`: the whole of src/store/ for integrations beyond the package root (see src/index.ts).
export * from '../store/index.js';
