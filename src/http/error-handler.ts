/**
 * Maps every error to the JSON contract `{error, message}` with the right status.
 * Catalogue errors carry their own status, headers and Retry-After; Fastify's own
 * errors (validation, body parsing, media type, size) become their catalogue 4xx; anything
 * else is a bug: logged with its context and answered as a bare 500. Every 500 is logged.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectAllowedMethods } from './allowed-methods.js';
import {
  InternalError,
  InvalidRequestError,
  isTollgateError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  StoreUnavailableError,
  UnsupportedMediaTypeError,
  type TollgateError,
} from '../errors.js';

/**
 * Fastify's validation message, naming the property at fault where Ajv's message does
 * not: "body must NOT have additional properties" becomes "body must NOT have additional
 * properties: "foo"".
 */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  const params: Record<string, unknown> = first?.params ?? {};
  if (first?.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${err.message}: ${JSON.stringify(params.additionalProperty)}`;
  }
  return err.message;
}

/** Fastify's own errors, as catalogue errors; undefined for anything that is a bug. */
function fromFastifyError(err: FastifyError): TollgateError | undefined {
  if (err.validation) return new InvalidRequestError(`Invalid request: ${validationMessage(err)}`);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError('The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError('The body is not valid JSON');
  }
  if (err instanceof SyntaxError) return new InvalidRequestError('The body is not valid JSON');
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = 'The request could not be processed';
    return status === 404 ? new NotFoundError(message) : new InvalidRequestError(message);
  }
  return undefined;
}

/** Sets the error's headers (Retry-After, WWW-Authenticate, ...) on a reply. */
export function applyErrorHeaders(reply: FastifyReply, err: TollgateError): void {
  if (err.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(err.retryAfterSeconds));
  for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
}

/** Answers with a catalogue error: its status, headers and `{error, message}` body. */
export function sendError(reply: FastifyReply, err: TollgateError): FastifyReply {
  applyErrorHeaders(reply, err);
  return reply.code(err.statusCode).send({ error: err.code, message: err.message });
}

export interface ErrorHooks {
  /** A backing store could not answer (counted in metrics). */
  onUnavailable?: (err: StoreUnavailableError) => void;
}

function logInternal(request: FastifyRequest, err: Error): void {
  const detail = err instanceof InternalError ? err.detail : undefined;
  const cause = err.cause instanceof Error ? { type: err.cause.name, message: err.cause.message } : undefined;
  request.log.error(
    { err: { type: err.name, message: err.message, stack: err.stack }, detail, cause },
    'internal error',
  );
}

export function installErrorHandling(app: FastifyInstance, hooks: ErrorHooks = {}): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isTollgateError(err)) {
      if (err instanceof StoreUnavailableError) {
        hooks.onUnavailable?.(err);
        request.log.warn({ reason: err.reason, dependency: err.dependency }, err.message);
      } else if (err.statusCode === 500) {
        logInternal(request, err);
      }
      return sendError(reply, err);
    }
    const mapped = fromFastifyError(err);
    if (mapped) return sendError(reply, mapped);
    logInternal(request, err);
    return sendError(reply, new InternalError());
  });

  // Known path, other method: 405 with Allow (the paths of routes registered after this).
  // OPTIONS is left to CORS (src/http/cors.ts): a preflight it does not answer stays a 404.
  const allowedMethods = collectAllowedMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = request.method === 'OPTIONS' ? [] : allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return sendError(reply, new MethodNotAllowedError(request.method, path, allowed));
    }
    return sendError(reply, new NotFoundError(`No route for ${request.method} ${path}`));
  });
}
