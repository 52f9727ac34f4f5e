/**
 * Errors raised before a request reaches a route, answered with catalogue bodies too:
 * Node's parser errors (malformed request 400, headers too large 431, request timeout
 * 408), URLs Fastify cannot decode (`GET /%zz`, 400) and an `Expect` header other than
 * `100-continue` (417). Without this, each would get its framework's own body shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import {
  ExpectationFailedError,
  HeadersTooLargeError,
  InvalidRequestError,
  RequestTimeoutError,
  type TollgateError,
} from '../errors.js';
import { sendError } from './error-handler.js';

function raw(err: TollgateError): { status: number; headers: Record<string, string>; body: string } {
  const body = JSON.stringify({ error: err.code, message: err.message });
  return {
    status: err.statusCode,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
    },
    body,
  };
}

/** Node's `clientError`: the request could not even be parsed. */
export const clientErrorHandler: FastifyServerOptions['clientErrorHandler'] = (
  err: NodeJS.ErrnoException,
  socket: Socket,
) => {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const mapped =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HeadersTooLargeError()
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RequestTimeoutError()
        : new InvalidRequestError('The request could not be parsed');
  if (socket.writable) {
    const { status, headers, body } = raw(mapped);
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${mapped.code}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
};

/** Fastify's router errors (an undecodable URL, an over-long parameter). */
export function frameworkErrors(_err: Error, _request: FastifyRequest, reply: FastifyReply): void {
  void sendError(reply, new InvalidRequestError('The request URL is not valid'));
}

/** `Expect: <anything but 100-continue>`: Node would answer an empty 417. */
export function installExpectationHandling(app: FastifyInstance): void {
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const { status, headers, body } = raw(new ExpectationFailedError());
    res.writeHead(status, headers);
    res.end(body);
  });
}
