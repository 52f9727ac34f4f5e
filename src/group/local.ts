/** The GroupBridge of a single process: the group is this process. */
import type { Registry } from 'prom-client';
import type { PoolStatsSnapshot } from '../redis/types.js';
import type { GroupBridge, WorkerPoolStats } from './bridge.js';

export function localBridge(registry: Registry, poolStats: () => PoolStatsSnapshot | undefined): GroupBridge {
  return {
    workers: 1,
    async metrics() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    poolStats(): Promise<WorkerPoolStats[]> {
      const pool = poolStats();
      return Promise.resolve(pool ? [{ worker: 0, pid: process.pid, pool }] : []);
    },
  };
}
