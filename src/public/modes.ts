// `warden/modes`: the whole of src/modes/ for integrations beyond the package root (see src/index.ts).
export * from '../modes/index.js';
