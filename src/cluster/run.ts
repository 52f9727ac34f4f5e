/**
 * Cluster mode entry (WORKERS > 1): the primary prepares what every worker must share
 * (validated config, signing key) and forks; each worker serves.
 */
import cluster from 'node:cluster';
import { buildKeySet, ensureDevelopmentKey } from '../auth/keys.js';
import { redactConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../logger.js';
import { ClusterPrimary } from './primary.js';

export async function runCluster(config: Config): Promise<void> {
  if (cluster.isWorker) {
    const { runWorker } = await import('./worker.js');
    await runWorker();
    return;
  }
  const logger = createLogger(config.logLevel, { role: 'primary' });
  logger.info({ config: redactConfig(config) }, 'starting tollgate cluster');

  // Every worker must sign with the same key: create the development key before forking,
  // and check a configured key once here so a bad key fails fast with one message.
  let pem = config.jwt.privateKeyPem;
  if (!pem) {
    const dev = ensureDevelopmentKey(config.varDir);
    if (dev.created) {
      logger.warn(
        { dir: config.varDir },
        'generated a development signing key (set JWT_PRIVATE_KEY in production)',
      );
    }
    pem = dev.pem;
  }
  await buildKeySet(pem, config.jwt.extraPublicKeysPem);

  new ClusterPrimary(config, { logger }).start();
}
