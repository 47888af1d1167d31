import type { CircuitBreakerOptions } from './breaker-options.js';
import { BreakerRegistry } from './breaker-registry.js';
import type { CircuitBreaker } from './circuit-breaker.js';

let processRegistry: BreakerRegistry | undefined;

/**
 * The process-wide registry (seed 002's `get_circuit_registry()`), made on first use, with
 * default breaker options. Explicit registries (`new BreakerRegistry(...)`) stay separate from
 * it; a library should prefer one of its own, so two libraries never share a breaker by name.
 */
export function defaultBreakerRegistry(): BreakerRegistry {
  processRegistry ??= new BreakerRegistry();
  return processRegistry;
}

/** The breaker `name` of the process-wide registry, made with `options` if new (seed 002's `get_circuit_breaker`). */
export function getCircuitBreaker(
  name: string,
  options?: Omit<CircuitBreakerOptions, 'name'>,
): CircuitBreaker {
  return defaultBreakerRegistry().get(name, options);
}
