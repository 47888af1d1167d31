// `warden/heartbeat`: the whole of src/heartbeat/ for integrations beyond the package root (see src/index.ts).
export * from '../heartbeat/index.js';
