/**
 * A cluster worker: takes the group's validated config from the primary, composes and
 * serves with a GroupBridge over IPC, answers the primary's collects, and drains
 * on the primary's `drain` (or a SIGTERM of its own): stops accepting, finishes
 * in-flight requests within the grace period, closes Redis and exits 0. A start-up
 * failure is reported to the primary and exits 1.
 *
 * A spare (slot SPARE_SLOT) composes (stores connected) but does not listen: it says
 * `standing-by` and listens when the primary gives it a crashed worker's slot, so that
 * slot serves again without a process start. A spare drained before that closes its
 * stores and exits 0.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { settleWithin } from '../util/timeout.js';
import { createMetrics } from '../metrics/registry.js';
import { compose, type Composition } from '../compose.js';
import { closeAndExit, listen, type RunningServer } from '../server.js';
import { clusterBridge, workerPoolPart } from './cluster-bridge.js';
import { SPARE_SLOT } from './ipc.js';
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
  const spare = slot === SPARE_SLOT;
  const logger: Logger = createLogger(
    { level: config.logLevel, format: config.logFormat },
    spare ? { role: 'worker', worker: workerId } : { role: 'worker', worker: workerId, slot },
  );

  const metrics = createMetrics();
  let composition: Composition | undefined;
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
    if (!server) {
      // A spare that never listened closes its stores; one still composing does so after.
      composition?.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
      return;
    }
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

  const failed = async (err: unknown): Promise<never> => {
    const message = (err as Error).message ?? String(err);
    logger.fatal({ err: { message } }, 'worker start-up failed');
    await settleWithin(channel.send({ tg: 'startup-failed', message }), LAST_MESSAGE_TIMEOUT_MS);
    process.exit(1);
  };
  try {
    composition = await compose(config, { logger, group: bridge, metrics });
  } catch (err) {
    await failed(err);
  }
  if (draining) {
    await composition!.close().catch(() => undefined);
    process.exit(0);
  }
  if (spare) {
    // Waits as long as the primary lives (a worker exits when its IPC channel closes).
    const taken = await new Promise<number>((resolve) => {
      channel.onTake(resolve);
      void channel.send({ tg: 'standing-by' });
    });
    logger.setBindings({ slot: taken });
  }
  try {
    server = await listen(composition!, logger);
  } catch (err) {
    await failed(err);
  }
  if (draining) {
    stop('started');
    return;
  }
  await channel.send({ tg: 'ready', url: server!.url });
}
