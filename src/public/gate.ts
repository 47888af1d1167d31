// `warden/gate`: the whole of src/gate/ for integrations beyond the package root (see src/index.ts).
export * from '../gate/index.js';
