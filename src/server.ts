/**
 * One serving process: listens with a composed app, and on close stops accepting, lets
 * in-flight requests finish (bounded by the grace period) and closes the stores.
 * Used directly for WORKERS=1 and by each cluster worker.
 */
import type { Logger } from 'pino';
import type { Composition } from './compose.js';

export interface RunningServer {
  composition: Composition;
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded by the grace period), closes the stores. */
  close(): Promise<void>;
}

export async function listen(composition: Composition, logger?: Logger): Promise<RunningServer> {
  const { app, config } = composition;
  try {
    await app.listen({
      host: config.host,
      port: config.port,
      listenTextResolver: (address) => `listening on ${address}`,
    });
  } catch (err) {
    await composition.close().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    composition,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const force = setTimeout(() => {
          logger?.warn(
            { grace_ms: config.shutdownGraceMs },
            'grace period over: closing remaining connections',
          );
          app.server.closeAllConnections();
        }, config.shutdownGraceMs);
        force.unref();
        try {
          await composition.close();
        } finally {
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}

/**
 * Drains the server, then exits the process: 0 when closed cleanly, 1 otherwise. The
 * exit happens even if the last log line cannot be written (stdout closed).
 */
export function closeAndExit(
  server: RunningServer,
  logger: Logger,
  what: string,
  context: Record<string, unknown> = {},
): void {
  const logQuietly = (write: () => void): void => {
    try {
      write();
    } catch {
      /* stdout is gone; exiting matters more */
    }
  };
  logQuietly(() =>
    logger.info(context, `${what} draining: no new connections, finishing in-flight requests`),
  );
  server.close().then(
    () => {
      logQuietly(() => logger.info(`${what} stopped`));
      process.exit(0);
    },
    (err: unknown) => {
      logQuietly(() =>
        logger.error({ err: { message: (err as Error).message } }, `error while stopping the ${what}`),
      );
      process.exit(1);
    },
  );
}
