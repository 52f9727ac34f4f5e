/**
 * Redis pool sizing presets by deployment environment. tollgate's pool pipelines
 * (multiplexed mode), and the pool benchmark (`npm run bench:pool`,
 * docs/benchmarks.md#redis-pool) shows throughput flat from 1 to 16 connections per
 * process, while every checkout pool, including 20 / 30 / 40 per worker, is slower
 * with a worse p99. So: 2 connections per worker (one spare socket in rotation while
 * the other reconnects), 2 / 4 / 8 in total. `REDIS_POOL_SIZE` overrides.
 */
export const DEPLOYMENT_ENVS = ['development', 'staging', 'production'] as const;
export type DeploymentEnv = (typeof DEPLOYMENT_ENVS)[number];

export interface PoolPreset {
  /** Default number of workers for this environment. */
  workers: number;
  /** Total connections for the whole process group (split between workers). */
  totalConnections: number;
}

export const POOL_PRESETS: Readonly<Record<DeploymentEnv, PoolPreset>> = Object.freeze({
  development: { workers: 1, totalConnections: 2 },
  staging: { workers: 2, totalConnections: 4 },
  production: { workers: 4, totalConnections: 8 },
});

/** Each worker's share of the total, at least 1. */
export function perWorkerPoolSize(totalConnections: number, workers: number): number {
  return Math.max(1, Math.ceil(totalConnections / Math.max(1, workers)));
}
