import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  DecisionRecordError,
  listSegments,
  type DecisionInput,
  type DecisionLog,
  type DecisionRecord,
} from '../../decisions/index.js';
import { BEARER, ERROR_SCHEMA, WRITE, type RouteContext } from './route-context.js';

/** The daemon's decision log, or why it has none (another process holds its writer lock…). */
export type DecisionsSource = { readonly log: DecisionLog } | { readonly unavailable: string };

/** Reads up to `limit` records with `since < seq ≤ upTo` (the durable head), in order, from the segments in `dir`. */
export async function readDecisionsSince(
  dir: string,
  since: number,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<DecisionRecord[]> {
  const segs = listSegments(dir);
  let start = 0;
  for (let i = 0; i < segs.length; i++) if (segs[i]!.firstSeq <= since + 1) start = i;
  const out: DecisionRecord[] = [];
  for (const seg of segs.slice(start)) {
    const lines = createInterface({ input: createReadStream(seg.path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      let rec: DecisionRecord;
      try {
        rec = JSON.parse(line) as DecisionRecord;
      } catch {
        continue; // a torn last line; `warden log verify` reports it
      }
      if (rec.seq > upTo) break;
      if (rec.seq > since) out.push(rec);
      if (out.length >= limit) {
        lines.close();
        return out;
      }
    }
  }
  return out;
}

/**
 * `POST /v1/decisions` appends one decision durably (answers once it is fsync'd) and
 * `GET /v1/decisions?since=SEQ` reads them back (alias `POST /api/decisions`).
 */
export function registerDecisionRoutes(
  ctx: RouteContext,
  src: DecisionsSource,
  onAppended?: (head: { seq: number; hash: string }, kind: string) => void,
): void {
  const unavailable = 'unavailable' in src ? src.unavailable : null;
  const body = {
    type: 'object',
    properties: {
      kind: { type: 'string', pattern: '^[a-z][a-z0-9_.:-]{0,63}$' },
      data: {},
      by: { type: 'string', maxLength: 200 },
    },
    required: ['kind', 'data'],
  } as const;
  for (const [url, hide] of [
    ['/v1/decisions', false],
    ['/api/decisions', true],
  ] as const) {
    ctx.app.post<{ Body: DecisionInput }>(
      url,
      {
        schema: {
          summary: 'Append a decision to the hash-chained log; answers {seq, hash} once it is durable',
          tags: ['decisions'],
          security: BEARER,
          hide,
          body,
          response: { 400: ERROR_SCHEMA, 503: ERROR_SCHEMA },
        },
        config: WRITE,
        onRequest: ctx.requireToken,
      },
      async (req, reply) => {
        if (unavailable !== null) return reply.code(503).send({ error: unavailable });
        const log = (src as { log: DecisionLog }).log;
        try {
          const head = await log.append(req.body, { durable: true });
          onAppended?.(head, req.body.kind);
          return { seq: head.seq, hash: head.hash };
        } catch (err) {
          if (err instanceof DecisionRecordError) return reply.code(400).send({ error: err.message });
          return reply.code(503).send({ error: `decision log: ${(err as Error).message}` });
        }
      },
    );
  }
  ctx.app.get<{ Querystring: { since: number; limit: number } }>(
    '/v1/decisions',
    {
      schema: {
        summary: 'Decisions with seq > since, oldest first (at most limit)',
        tags: ['decisions'],
        querystring: {
          type: 'object',
          properties: {
            since: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
          },
        },
      },
    },
    async (req, reply) => {
      if (unavailable !== null) return reply.code(503).send({ error: unavailable });
      const log = (src as { log: DecisionLog }).log;
      const head = log.durableHead;
      const decisions = await readDecisionsSince(log.dir, req.query.since, req.query.limit, head.seq);
      return { head, decisions };
    },
  );
}
