import type { FastifyError } from 'fastify';

/** One readable line for a request that failed its JSON Schema: `reason: must be string`. */
export function validationMessage(err: FastifyError): { error: string; field: string } {
  const v = err.validation?.[0];
  if (!v) return { error: err.message, field: '' };
  const ctx = err.validationContext ?? 'body';
  const params = v.params as { missingProperty?: string; additionalProperty?: string };
  const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const leaf = params.missingProperty ?? params.additionalProperty;
  const field = [path, leaf].filter((x) => x !== undefined && x !== '').join('.') || ctx;
  const what = params.missingProperty
    ? 'required'
    : params.additionalProperty
      ? 'unknown field'
      : (v.message ?? 'invalid');
  return { error: `${field}: ${what} (in the ${ctx})`, field };
}
