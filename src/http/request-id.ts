/**
 * One id per request, shared with the proxy in front: an incoming `X-Request-Id` is kept
 * when it is 1–128 visible ASCII characters (nginx's `$request_id`, a UUID, a trace id),
 * otherwise tollgate makes a UUID. Every response carries it back in `X-Request-Id`,
 * errors included, and every line logged through the request's logger has it as
 * `request_id`, so one id finds the proxy's access-log line and tollgate's lines.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
/** The key of the id in log lines. */
export const REQUEST_ID_LOG_LABEL = 'request_id';
export const REQUEST_ID_MAX_LENGTH = 128;

const ACCEPTABLE = new RegExp(`^[\\x21-\\x7e]{1,${REQUEST_ID_MAX_LENGTH}}$`);

/**
 * Whether a client's id can be used as is: visible ASCII only (no spaces, no control
 * characters, so it cannot split a header or a log line) and at most 128 characters.
 * A repeated header arrives joined with ", " and is refused, like any other.
 */
export function isAcceptableRequestId(value: unknown): value is string {
  return typeof value === 'string' && ACCEPTABLE.test(value);
}

/** Fastify's `genReqId`: the client's id when acceptable, else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return isAcceptableRequestId(given) ? given : randomUUID();
}

/** Echoes the id on every response that goes through the routes, hooks and error handler. */
export function installRequestIdEcho(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}

type FrameworkErrorHandler = (err: Error, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Fastify answers an undecodable URL before any hook runs; this wraps its
 * `frameworkErrors` handler so those answers carry the id too.
 */
export function withRequestId(handler: FrameworkErrorHandler): FrameworkErrorHandler {
  return (err, request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    handler(err, request, reply);
  };
}
