/**
 * Maps every error to the JSON contract `{error, message}` with the right status.
 * Catalogue errors carry their own status, headers and Retry-After; Fastify's own
 * errors (validation, body parsing, media type, size) become 4xx; anything else is
 * logged and answered as a bare 500 with no detail.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTollgateError, StoreUnavailableError } from '../errors.js';

interface Mapped {
  status: number;
  code: string;
  message: string;
}

function mapFastifyError(err: FastifyError): Mapped | undefined {
  if (err.validation) {
    return { status: 400, code: 'invalid_request', message: `Invalid request: ${err.message}` };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: 'The request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'Send the body as application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_request', message: 'The JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_request', message: 'The body is not valid JSON' };
  }
  if (err instanceof SyntaxError)
    return { status: 400, code: 'invalid_request', message: 'The body is not valid JSON' };
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      code: status === 404 ? 'not_found' : 'invalid_request',
      message: 'The request could not be processed',
    };
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance, onUnavailable?: (reason: string) => void): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isTollgateError(err)) {
      if (err instanceof StoreUnavailableError) {
        onUnavailable?.(err.reason);
        request.log.warn({ reason: err.reason, code: err.code }, 'store unavailable');
      }
      if (err.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(err.retryAfterSeconds));
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    }
    const mapped = mapFastifyError(err);
    if (mapped) {
      return reply.code(mapped.status).send({ error: mapped.code, message: mapped.message });
    }
    request.log.error({ err: { type: err.name, message: err.message, stack: err.stack } }, 'unhandled error');
    return reply.code(500).send({ error: 'internal_error', message: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
