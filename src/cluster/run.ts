/**
 * Cluster mode entry (WORKERS > 1): the primary prepares what every worker must share
 * (validated config, signing key) and forks; each worker serves.
 */
import cluster from 'node:cluster';
import { loadKeys } from '../compose.js';
import { redactConfig, startupSummary } from '../config/redact.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../logger.js';
import { ClusterPrimary } from './primary.js';

export async function runCluster(config: Config): Promise<void> {
  if (cluster.isWorker) {
    const { runWorker } = await import('./worker.js');
    await runWorker();
    return;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat }, { role: 'primary' });
  logger.debug({ config: redactConfig(config) }, 'configuration');
  logger.info(startupSummary(config), 'starting tollgate');
  // Every worker must sign with the same key: the development key is created before
  // forking, and a configured key is checked once here so a bad key fails fast.
  await loadKeys(config, logger);
  new ClusterPrimary(config, { logger }).start();
}
