// `warden/daemon`: the whole of src/daemon/ for integrations beyond the package root (see src/index.ts).
export * from '../daemon/index.js';
