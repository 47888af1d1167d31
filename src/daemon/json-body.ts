// Request bodies of the HTTP API: JSON, whatever the client called it. `curl -d` sends
// `application/x-www-form-urlencoded` and `fetch(url, { body: string })` sends `text/plain`;
// both carry the JSON an operator typed, so both are read as JSON, as is a body sent with no
// content type at all. Any other declared type is a 415. Nesting is bounded before
// anything is parsed: a body nested thousands deep is a client error (400), never a stack
// overflow that surfaces as a 500 from whatever touched it next.
import type { FastifyBodyParser, FastifyInstance } from 'fastify';

/** Content types whose bodies the API reads as JSON. */
export const JSON_BODY_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
] as const;

/** How deep a request body may nest objects and arrays. */
export const MAX_JSON_DEPTH = 32;

/** A request body that is not JSON the API accepts; answered with its `statusCode` (400 or 415). */
export class BadJsonBodyError extends Error {
  readonly code = 'E_BAD_JSON_BODY';
  constructor(
    message: string,
    readonly statusCode: 400 | 415 = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BadJsonBodyError';
  }
}

/** The deepest nesting of objects and arrays in `text`, scanning no further than `limit + 1`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Replaces the app's body parsers with one that reads JSON under any of `JSON_BODY_TYPES`,
 * refuses nesting deeper than `maxDepth` and keeps Fastify's prototype-poisoning checks. An
 * empty body is no body.
 */
export function useJsonBodies(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  const parser: FastifyBodyParser<string> = (req, body, done) => {
    const declared = req.headers['content-type'];
    if (declared !== undefined && !isJsonBodyType(declared)) {
      return done(
        new BadJsonBodyError(`body: content type ${JSON.stringify(declared)} is not JSON; send JSON`, 415),
        undefined,
      );
    }
    const text = body;
    if (text.trim() === '') return done(null, undefined);
    const depth = jsonDepth(text, maxDepth);
    if (depth > maxDepth) {
      return done(new BadJsonBodyError(`body: JSON nested deeper than ${maxDepth} levels`), undefined);
    }
    void parseJson(req, text, (err, value) => {
      if (err)
        done(new BadJsonBodyError(`body: not valid JSON (${err.message})`, 400, { cause: err }), undefined);
      else done(null, value);
    });
  };
  app.addContentTypeParser([...JSON_BODY_TYPES], { parseAs: 'string' }, parser);
  app.addContentTypeParser('*', { parseAs: 'string' }, parser); // no content type at all
}

function isJsonBodyType(header: string): boolean {
  if (header === 'application/json') return true; // what bots send: no split, no allocation
  const media = header.split(';')[0]!.trim().toLowerCase();
  return (JSON_BODY_TYPES as readonly string[]).includes(media);
}
