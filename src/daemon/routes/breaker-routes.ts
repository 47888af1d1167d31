import type { BreakerWatch } from '../breaker-watch.js';
import type { RouteGroup } from '../http-api.js';

/**
 * `GET /v1/breakers`: every dependency breaker of the registry the daemon follows (the
 * process-wide one unless it was given another): name, state, since, retryAfter, call counts,
 * trips, and the state changes the daemon has seen.
 */
export function breakerRoutes(watch: BreakerWatch): RouteGroup {
  return (ctx) => {
    ctx.app.get(
      '/v1/breakers',
      { schema: { summary: 'Every dependency breaker: state, since, counts', tags: ['resilience'] } },
      () => ({ breakers: watch.list() }),
    );
  };
}
