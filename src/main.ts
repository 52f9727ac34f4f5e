/**
 * config → single process or cluster. With WORKERS=1 this process serves; otherwise
 * the cluster primary forks the workers (src/cluster/).
 */
import cluster from 'node:cluster';
import { compose } from './compose.js';
import { redactConfig, startupSummary } from './config/redact.js';
import type { Config } from './config/schema.js';
import { createLogger } from './logger.js';
import { closeAndExit, listen } from './server.js';

export async function runSingle(config: Config): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  logger.debug({ config: redactConfig(config) }, 'configuration');
  logger.info(startupSummary(config), 'starting tollgate');
  let server;
  try {
    server = await listen(await compose(config, { logger }), logger);
  } catch (err) {
    // The error itself, so the log shows its type and message (not a bare object).
    logger.fatal({ err: err instanceof Error ? err : new Error(String(err)) }, 'start-up failed');
    throw err;
  }
  const stop = (signal: string): void => {
    closeAndExit(server, logger, 'server', { signal });
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
