/**
 * Maps every error to the JSON contract `{error, message}` with the right status.
 * Catalogue errors carry their own status, headers and Retry-After; Fastify's own
 * errors (validation, body parsing, media type, size) become 4xx; anything else is
 * logged and answered as a bare 500 with no detail.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  InternalError,
  InvalidRequestError,
  isTollgateError,
  NotFoundError,
  PayloadTooLargeError,
  StoreUnavailableError,
  UnsupportedMediaTypeError,
  type TollgateError,
} from '../errors.js';

/** Fastify's own errors, as catalogue errors; undefined for anything that is a bug. */
function fromFastifyError(err: FastifyError): TollgateError | undefined {
  if (err.validation) return new InvalidRequestError(`Invalid request: ${err.message}`);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError('The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError('The body is not valid JSON');
  }
  if (err instanceof SyntaxError) return new InvalidRequestError('The body is not valid JSON');
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = 'The request could not be processed';
    return status === 404 ? new NotFoundError(message) : new InvalidRequestError(message, status);
  }
  return undefined;
}

function send(reply: FastifyReply, err: TollgateError): FastifyReply {
  if (err.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(err.retryAfterSeconds));
  for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
  return reply.code(err.statusCode).send({ error: err.code, message: err.message });
}

export function installErrorHandling(app: FastifyInstance, onUnavailable?: (reason: string) => void): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isTollgateError(err)) {
      if (err instanceof StoreUnavailableError) {
        onUnavailable?.(err.reason);
        request.log.warn({ reason: err.reason, code: err.code }, 'store unavailable');
      }
      return send(reply, err);
    }
    const mapped = fromFastifyError(err);
    if (mapped) return send(reply, mapped);
    request.log.error({ err: { type: err.name, message: err.message, stack: err.stack } }, 'unhandled error');
    return send(reply, new InternalError());
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, new NotFoundError(`No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
