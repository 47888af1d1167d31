import { readFileSync } from 'node:fs';
import type { RouteGroup } from '../http-api.js';
import { PUBLIC } from './route-context.js';

/** The dashboard's files (beside this module's folder: `src/daemon/dashboard/`, copied to `dist/daemon/dashboard/`). */
const DIR = new URL('../dashboard/', import.meta.url);

const FILES = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
] as const;

/**
 * The page's Content-Security-Policy: its own script and style only (no inline code, no other
 * origin), requests to this daemon only, no frames, no forms posting elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /` (the dashboard), `/dashboard.js`, `/dashboard.css`: three files read once, served from
 * memory with the CSP above. They hold no data (the page reads the API with the token the operator
 * enters), so they are open even when the daemon is bound beyond loopback.
 */
export function dashboardRoutes(): RouteGroup {
  const files = FILES.map(([url, name, type]) => ({ url, type, body: readFileSync(new URL(name, DIR)) }));
  return (ctx) => {
    for (const f of files)
      ctx.app.get(f.url, { schema: { hide: true }, config: PUBLIC }, (_req, reply) =>
        reply
          .header('content-type', f.type)
          .header('content-security-policy', DASHBOARD_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-cache')
          .send(f.body),
      );
  };
}
