/**
 * The GroupBridge of a cluster worker: group-wide metrics and pool stats come from the
 * primary, which gathers every worker's part. When the primary does not answer in
 * time, the worker answers with its own part rather than hang the request.
 */
import type { Registry } from 'prom-client';
import type { PoolStatsSnapshot } from '../redis/types.js';
import type { GroupBridge, WorkerPoolStats } from '../group/bridge.js';
import type { PrimaryChannel } from './primary-channel.js';

export interface ClusterBridgeOptions {
  workers: number;
  workerId: number;
  channel: PrimaryChannel;
  registry: Registry;
  poolStats: () => PoolStatsSnapshot | undefined;
}

export function clusterBridge(options: ClusterBridgeOptions): GroupBridge {
  const { channel, registry } = options;
  return {
    workers: options.workers,
    async metrics() {
      const answer = await channel.ask('metrics');
      if (answer?.op === 'metrics') return { contentType: answer.contentType, body: answer.body };
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    async poolStats() {
      const answer = await channel.ask('poolStats');
      if (answer?.op === 'poolStats') return answer.stats;
      const own = workerPoolPart(options.workerId, options.poolStats());
      return own ? [own] : [];
    },
  };
}

/** The worker's own part of a pool-stats collect. */
export function workerPoolPart(
  workerId: number,
  pool: PoolStatsSnapshot | undefined,
): WorkerPoolStats | null {
  return pool ? { worker: workerId, pid: process.pid, pool } : null;
}
