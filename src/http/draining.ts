/**
 * How the server drains without resetting a request. Once close() has begun:
 *
 * - the listening socket closes (no new connections), but open keep-alive connections
 *   are NOT cut at once: Node's `server.close()` would destroy every idle connection,
 *   and a request the client had already sent on one (still unread in the kernel's
 *   buffer) would be answered by a TCP reset;
 * - every request that arrives on an open connection gets the catalogue's 503
 *   `shutting_down` with Retry-After and `Connection: close`, so Node closes the
 *   connection right after that answer and the client reconnects elsewhere; requests
 *   in flight finish as usual (without `Connection: close`, so that a request pipelined
 *   behind one is still read and answered 503 rather than dropped);
 * - a connection that stays idle (no request in progress, no byte received) for
 *   DRAIN_IDLE_CLOSE_MS is ended then; the server's own grace-period timer
 *   (src/server.ts) still closes whatever is left when the grace period is over.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ShuttingDownError } from '../errors.js';
import { sendError } from './error-handler.js';

/** How long a connection must stay idle during a drain before it is ended. */
export const DRAIN_IDLE_CLOSE_MS = 1000;
/** How often idle connections are looked at during a drain. */
const DRAIN_CHECK_INTERVAL_MS = 100;

interface Watched {
  bytesRead: number;
  idleSince: number;
}

/** A socket with no response in progress (Node's own test in closeIdleConnections). */
function noResponsePending(socket: Socket): boolean {
  const message = (socket as Socket & { _httpMessage?: { finished?: boolean } | null })._httpMessage;
  return !message || message.finished === true;
}

export function installDraining(app: FastifyInstance, idleCloseMs = DRAIN_IDLE_CLOSE_MS): void {
  let closing = false;
  const sockets = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;

  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  /** Ends the connections that have been quiet for `idleCloseMs`; stops once none is left. */
  const watch = (): void => {
    const seen = new Map<Socket, Watched>();
    timer = setInterval(() => {
      const now = Date.now();
      for (const socket of sockets) {
        const last = seen.get(socket);
        const quiet = noResponsePending(socket);
        if (!last || !quiet || last.bytesRead !== socket.bytesRead) {
          seen.set(socket, { bytesRead: socket.bytesRead, idleSince: now });
          continue;
        }
        if (now - last.idleSince >= idleCloseMs) {
          sockets.delete(socket);
          // A FIN, not a reset: the client sees the connection end and does not reuse it.
          socket.end();
        }
      }
      if (sockets.size === 0) clearInterval(timer);
    }, DRAIN_CHECK_INTERVAL_MS);
    timer.unref();
  };

  app.addHook('preClose', (done) => {
    closing = true;
    // server.close() (next) would destroy idle keep-alive connections at once: keep them
    // for their next request, answered 503 with `Connection: close`.
    app.server.closeIdleConnections = () => undefined;
    watch();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });

  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void sendError(reply, new ShuttingDownError());
  });
}
