/**
 * config → single process or cluster. With WORKERS=1 this process serves; otherwise
 * the cluster primary forks the workers (src/cluster/).
 */
import cluster from 'node:cluster';
import { compose } from './compose.js';
import { redactConfig } from './config/redact.js';
import type { Config } from './config/schema.js';
import { createLogger } from './logger.js';
import { closeAndExit, listen } from './server.js';

export async function runSingle(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  logger.info({ config: redactConfig(config) }, 'starting tollgate');
  let server;
  try {
    server = await listen(await compose(config, { logger }), logger);
  } catch (err) {
    logger.fatal({ err: { message: (err as Error).message } }, 'start-up failed');
    throw err;
  }
  logger.info({ url: server.url, store: config.store, workers: 1 }, 'tollgate listening');
  const stop = (signal: string): void => {
    logger.info({ signal }, 'draining: no new connections, finishing in-flight requests');
    closeAndExit(server, logger, 'server');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export async function run(config: Config): Promise<void> {
  if (config.workers > 1 || cluster.isWorker) {
    const { runCluster } = await import('./cluster/run.js');
    await runCluster(config);
    return;
  }
  await runSingle(config);
}
