// `warden/checkpoint`: the whole of src/checkpoint/ for integrations beyond the package root (see src/index.ts).
export * from '../checkpoint/index.js';
