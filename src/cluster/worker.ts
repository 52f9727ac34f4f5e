/**
 * A cluster worker: takes the group's validated config from the primary, composes and
 * serves with a GroupBridge over IPC, answers the primary's collects, and drains
 * on the primary's `drain` (or a SIGTERM of its own): stops accepting, finishes
 * in-flight requests within the grace period, closes Redis and exits 0. A start-up
 * failure is reported to the primary and exits 1.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { settleWithin } from '../util/timeout.js';
import { createMetrics } from '../metrics/registry.js';
import { compose } from '../compose.js';
import { closeAndExit, listen, type RunningServer } from '../server.js';
import { clusterBridge, workerPoolPart } from './cluster-bridge.js';
import { PrimaryChannel } from './primary-channel.js';

/** How long a worker waits for its config from the primary. */
const CONFIG_TIMEOUT_MS = 10_000;
/** Bound on delivering the last message before exiting. */
const LAST_MESSAGE_TIMEOUT_MS = 1000;

export async function runWorker(): Promise<void> {
  const workerId = cluster.worker?.id ?? 0;
  const channel = new PrimaryChannel();
  const { config: received, slot } = await channel.requestConfig(CONFIG_TIMEOUT_MS);
  const config = deepFreeze(received);
  const logger: Logger = createLogger(
    { level: config.logLevel, format: config.logFormat },
    { role: 'worker', worker: workerId, slot },
  );

  const metrics = createMetrics();
  let server: RunningServer | undefined;
  let draining = false;

  channel.onCollect(async (op) =>
    op === 'metrics'
      ? await metrics.registry.getMetricsAsJSON()
      : workerPoolPart(workerId, server?.composition.pool?.stats()),
  );

  const stop = (reason: string): void => {
    if (draining && reason !== 'started') return;
    draining = true;
    if (!server) return; // closes as soon as it has started
    const running = server;
    closeAndExit(running, logger, 'worker', { reason, grace_ms: config.shutdownGraceMs });
  };
  channel.onDrain(() => stop('primary'));
  // The primary coordinates shutdown; a terminal's Ctrl+C reaches the whole process
  // group, so a worker ignores SIGINT and waits for the primary's drain.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => stop('SIGTERM'));

  const bridge = clusterBridge({
    workers: config.workers,
    workerId,
    channel,
    registry: metrics.registry,
    poolStats: () => server?.composition.pool?.stats(),
  });

  try {
    server = await listen(await compose(config, { logger, group: bridge, metrics }), logger);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    logger.fatal({ err: { message } }, 'worker start-up failed');
    await settleWithin(channel.send({ tg: 'startup-failed', message }), LAST_MESSAGE_TIMEOUT_MS);
    process.exit(1);
  }
  if (draining) {
    stop('started');
    return;
  }
  await channel.send({ tg: 'ready', url: server.url });
}
