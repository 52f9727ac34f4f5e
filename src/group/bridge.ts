/**
 * How a worker answers for the whole process group. In single-process mode the app
 * uses a local implementation; in cluster mode the worker asks the primary over IPC,
 * and the primary gathers every worker's answer (bounded by a timeout).
 */
import type { PoolStatsSnapshot } from '../redis/types.js';

export interface WorkerPoolStats {
  /** Cluster worker id (0 in single-process mode). */
  worker: number;
  pid: number;
  pool: PoolStatsSnapshot;
}

export interface GroupBridge {
  /** Number of workers the group is configured for. */
  readonly workers: number;
  /** Prometheus exposition of the whole group (aggregated across workers). */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Every live worker's pool snapshot (the asking worker included). */
  poolStats(): Promise<WorkerPoolStats[]>;
}
