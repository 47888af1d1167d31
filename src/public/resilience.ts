// `warden/resilience`: the whole of src/resilience/ for integrations beyond the package root (see src/index.ts).
export * from '../resilience/index.js';
