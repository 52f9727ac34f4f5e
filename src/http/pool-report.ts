/**
 * Turns the pool snapshots of every worker into the group view served by
 * /health/redis and /redis/stats, with the utilisation band's recommendation.
 */
import type { WorkerPoolStats } from '../group/bridge.js';
import {
  UTILIZATION_BOUNDS,
  utilizationBand,
  utilizationPercent,
  type UtilizationBand,
} from '../redis/stats.js';
import type { PoolStatsSnapshot } from '../redis/types.js';

/** Counts and counters that add up across workers. */
const SUMMED = [
  'max_connections',
  'open',
  'in_use',
  'available_connections',
  'pending',
  'exhausted_total',
  'errors_total',
  'timeouts_total',
  'retries_total',
  'reconnects_total',
  'health_check_failures_total',
  'commands_total',
] as const satisfies ReadonlyArray<keyof PoolStatsSnapshot>;

export type GroupPool = Record<(typeof SUMMED)[number], number> &
  Pick<PoolStatsSnapshot, 'utilization_percent' | 'last_health_check'> & {
    workers: number;
    per_worker: Array<
      Pick<
        PoolStatsSnapshot,
        'max_connections' | 'open' | 'in_use' | 'pending' | 'utilization_percent' | 'healthy'
      > & {
        worker: number;
        pid: number;
        command_latency_ms: { p50: number; p99: number };
      }
    >;
  };

export function aggregatePools(stats: readonly WorkerPoolStats[]): GroupPool {
  const out = Object.fromEntries(SUMMED.map((k) => [k, 0])) as Record<(typeof SUMMED)[number], number>;
  let last: string | null = null;
  for (const { pool } of stats) {
    for (const k of SUMMED) out[k] += Number(pool[k] ?? 0);
    if (pool.last_health_check && (!last || pool.last_health_check > last)) last = pool.last_health_check;
  }
  return {
    ...out,
    utilization_percent: utilizationPercent(out.in_use, out.max_connections),
    last_health_check: last,
    workers: stats.length,
    per_worker: stats.map(({ worker, pid, pool }) => ({
      worker,
      pid,
      max_connections: pool.max_connections,
      open: pool.open,
      in_use: pool.in_use,
      pending: pool.pending,
      utilization_percent: pool.utilization_percent,
      healthy: pool.healthy,
      command_latency_ms: { p50: pool.command_latency_ms?.p50 ?? 0, p99: pool.command_latency_ms?.p99 ?? 0 },
    })),
  };
}

export interface Advice {
  band: UtilizationBand;
  warnings: string[];
  recommendations: string[];
}

const { idle, normal, healthy: healthyUpTo, watch } = UTILIZATION_BOUNDS;

/** What each band recommends (the bounds come from the pool's one definition). */
const BAND_ADVICE: Record<UtilizationBand, string> = {
  idle: `Utilization is below ${idle} %: the pool is mostly idle; it could be smaller.`,
  normal: `Utilization is normal (${idle}-${normal} %).`,
  healthy: `Utilization is healthy (${normal}-${healthyUpTo} %).`,
  watch: `Utilization is ${healthyUpTo}-${watch} %: watch it; plan more connections or workers if it keeps rising.`,
  scale_up: 'Scale up: raise REDIS_POOL_SIZE or add workers/instances.',
};

/** The band's recommendation, plus warnings for scale-up, ill health, waiters and exhaustion. */
export function adviseOnPool(pool: GroupPool, healthy: boolean): Advice {
  const u = pool.utilization_percent;
  const band = utilizationBand(u);
  const warnings: string[] = [];
  if (band === 'scale_up') warnings.push(`Pool utilization is ${u} % (above ${watch} %).`);
  if (!healthy)
    warnings.push('Redis is unreachable or failing health checks: requests that need the store answer 503.');
  if (pool.pending > 0) warnings.push(`${pool.pending} commands are waiting for a connection.`);
  if (pool.exhausted_total > 0) {
    warnings.push(
      `The pool has been exhausted ${pool.exhausted_total} times since start (requests answered 503).`,
    );
  }
  return { band, warnings, recommendations: [BAND_ADVICE[band]] };
}
