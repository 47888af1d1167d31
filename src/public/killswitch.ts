// `warden/killswitch`: the whole of src/killswitch/ for integrations beyond the package root (see src/index.ts).
export * from '../killswitch/index.js';
