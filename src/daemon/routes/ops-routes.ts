import type { Registry } from 'prom-client';
import { openApiDocument } from '../openapi.js';
import type { RouteContext } from './route-context.js';

/** `GET /healthz`, `GET /metrics` (Prometheus exposition) and `GET /v1/openapi.json`. */
export function registerOpsRoutes(ctx: RouteContext, metrics: Registry | undefined, version: string): void {
  ctx.app.get('/healthz', { schema: { summary: 'Liveness of the daemon', tags: ['ops'] } }, () => ({
    ok: true,
  }));
  if (metrics)
    ctx.app.get(
      '/metrics',
      { schema: { summary: 'Prometheus metrics', tags: ['ops'] } },
      async (_req, reply) => {
        const text = await metrics.metrics();
        return reply.header('content-type', metrics.contentType).send(text);
      },
    );
  let doc: unknown;
  ctx.app.get('/v1/openapi.json', { schema: { summary: 'This document', tags: ['ops'] } }, () => {
    doc ??= openApiDocument(ctx.app, { title: 'Warden daemon API', version });
    return doc;
  });
}
