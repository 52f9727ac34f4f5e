/**
 * While the server drains (close() has begun), requests that still arrive on open
 * keep-alive connections get the catalogue's 503 `shutting_down` with Retry-After and
 * `Connection: close`, so the client reconnects to another worker or instance.
 */
import type { FastifyInstance } from 'fastify';
import { ShuttingDownError } from '../errors.js';
import { sendError } from './error-handler.js';

export function installDraining(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void sendError(reply, new ShuttingDownError());
  });
}
