/**
 * Redis pool sizing presets by deployment environment. The old system's presets were
 * 20 / 60 / 160 connections for 1 / 2 / 4 workers. The defaults below are chosen by
 * the pool benchmark (`npm run bench:pool`, see docs/benchmarks.md).
 */
export type DeploymentEnv = 'development' | 'staging' | 'production';

export interface PoolPreset {
  /** Default number of workers for this environment. */
  workers: number;
  /** Total connections for the whole process group (split between workers). */
  totalConnections: number;
}

export const POOL_PRESETS: Readonly<Record<DeploymentEnv, PoolPreset>> = Object.freeze({
  development: { workers: 1, totalConnections: 4 },
  staging: { workers: 2, totalConnections: 8 },
  production: { workers: 4, totalConnections: 16 },
});

/** Each worker's share of the total, at least 1. */
export function perWorkerPoolSize(totalConnections: number, workers: number): number {
  return Math.max(1, Math.ceil(totalConnections / Math.max(1, workers)));
}
