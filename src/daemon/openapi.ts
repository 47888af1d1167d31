import type { FastifyInstance, RouteOptions } from 'fastify';

/** What a route declares for the OpenAPI document (the schemas are the ones Fastify validates with). */
interface RouteDoc {
  readonly method: string;
  readonly url: string;
  readonly schema: Record<string, unknown>;
}

const docsOf = new WeakMap<FastifyInstance, RouteDoc[]>();

/**
 * Records every route registered on `app` from now on (its method, URL and schema), so
 * `openApiDocument` describes exactly what is served and validated. Call before registering routes.
 * Routes whose schema says `hide: true` (the `/api/*` aliases) are left out.
 */
export function collectRoutes(app: FastifyInstance): void {
  const docs: RouteDoc[] = [];
  docsOf.set(app, docs);
  app.addHook('onRoute', (r: RouteOptions) => {
    const schema = (r.schema ?? {}) as Record<string, unknown>;
    if (schema['hide'] === true) return;
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
      if (m === 'HEAD') continue;
      docs.push({ method: m.toLowerCase(), url: r.url, schema });
    }
  });
}

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Turns a JSON-Schema object of params or querystring into OpenAPI parameters. */
function parameters(schema: unknown, where: 'path' | 'query'): unknown[] {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, sch]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: sch,
    ...(typeof (sch as { description?: unknown }).description === 'string'
      ? { description: (sch as { description: string }).description }
      : {}),
  }));
}

/** The OpenAPI 3.1 document of every route `collectRoutes` saw. */
export function openApiDocument(app: FastifyInstance, info: { title: string; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of docsOf.get(app) ?? []) {
    const s = r.schema;
    const op: Record<string, unknown> = {};
    if (typeof s['summary'] === 'string') op['summary'] = s['summary'];
    if (typeof s['description'] === 'string') op['description'] = s['description'];
    if (Array.isArray(s['tags'])) op['tags'] = s['tags'];
    const params = [...parameters(s['params'], 'path'), ...parameters(s['querystring'], 'query')];
    if (params.length > 0) op['parameters'] = params;
    if (s['body'] !== undefined)
      op['requestBody'] = { required: true, content: { 'application/json': { schema: s['body'] } } };
    const responses: Record<string, unknown> = {};
    for (const [code, sch] of Object.entries((s['response'] ?? {}) as Record<string, unknown>)) {
      const description = (sch as { description?: string }).description ?? `HTTP ${code}`;
      responses[code] = { description, content: { 'application/json': { schema: sch } } };
    }
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    op['responses'] = responses;
    if (s['security'] !== undefined) op['security'] = s['security'];
    (paths[toOpenApiPath(r.url)] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

declare module 'fastify' {
  /** The OpenAPI fields a route's schema may carry besides what Fastify validates. */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    security?: readonly Record<string, readonly string[]>[];
    /** Left out of the OpenAPI document (the `/api/*` aliases). */
    hide?: boolean;
  }
}
