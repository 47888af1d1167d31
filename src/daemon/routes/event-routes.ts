import type { DaemonEvents } from '../daemon-events.js';
import type { RouteContext } from './route-context.js';

/** A comment line every this many ms keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /v1/events`: server-sent events of every state change (kill switch, heartbeat incidents
 * opened and closed, alerts sent and failed, decisions appended), one `event: TYPE` + `data: JSON`
 * each. The stream starts with the kill switch's current state.
 */
export function registerEventRoutes(ctx: RouteContext, events: DaemonEvents): void {
  ctx.app.get(
    '/v1/events',
    { schema: { summary: 'Server-sent events of every state change', tags: ['events'] } },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (type: string, data: unknown): void => {
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      send('killswitch', ctx.killSwitch.state());
      const sub = events.subscribe((e) => send(e.type, { at: e.at, ...((e.data ?? {}) as object) }));
      const timer = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
      timer.unref();
      req.raw.socket.once('close', () => {
        clearInterval(timer);
        sub.dispose();
      });
    },
  );
}
