/**
 * Pool counters and the snapshot math. The pool owns one `PoolCounters`; `buildSnapshot`
 * turns counters plus the live connection states into a `PoolStatsSnapshot`.
 */
import type { ConnectionStatsSnapshot, PoolStatsSnapshot } from './types.js';
import type { LatencyRecorder } from './latency.js';

export class PoolCounters {
  commandsTotal = 0;
  exhaustedTotal = 0;
  acquireTimeoutsTotal = 0;
  errorsTotal = 0;
  timeoutsTotal = 0;
  retriesTotal = 0;
  reconnectsTotal = 0;
  healthCheckFailuresTotal = 0;
  lastHealthCheck: number | null = null;
}

export interface SnapshotInput {
  name: string;
  mode: string;
  topology: string;
  maxConnections: number;
  pending: number;
  maxPending: number;
  healthy: boolean;
  connections: readonly ConnectionStatsSnapshot[];
  counters: PoolCounters;
  latency: LatencyRecorder;
  healthCheckIntervalMs: number;
  commandTimeoutMs: number;
}

/** in_use / max * 100, rounded to one decimal; 0 for an empty pool. */
export function utilizationPercent(inUse: number, max: number): number {
  if (max <= 0) return 0;
  return Math.round((inUse / max) * 1000) / 10;
}

export type UtilizationBand = 'idle' | 'normal' | 'healthy' | 'watch' | 'scale_up';

/**
 * Upper bounds (percent) of the operator advice bands: below 10 idle, 10-40 normal,
 * 40-60 healthy, 60-80 watch (80 included), above 80 scale up. The one source of
 * these numbers: /health/redis words its advice from them.
 */
export const UTILIZATION_BOUNDS = Object.freeze({ idle: 10, normal: 40, healthy: 60, watch: 80 });

/** The advice band of a utilization (percent). */
export function utilizationBand(percent: number): UtilizationBand {
  const b = UTILIZATION_BOUNDS;
  if (percent < b.idle) return 'idle';
  if (percent < b.normal) return 'normal';
  if (percent < b.healthy) return 'healthy';
  if (percent <= b.watch) return 'watch';
  return 'scale_up';
}

export function buildSnapshot(input: SnapshotInput): PoolStatsSnapshot {
  let open = 0;
  let inUse = 0;
  let inFlight = 0;
  for (const c of input.connections) {
    if (c.state !== 'ready') continue;
    open++;
    inFlight += c.in_flight;
    if (c.in_flight > 0) inUse++;
  }
  const k = input.counters;
  return {
    max_connections: input.maxConnections,
    open,
    in_use: inUse,
    available_connections: open - inUse,
    pending: input.pending,
    utilization_percent: utilizationPercent(inUse, input.maxConnections),
    commands_in_flight: inFlight,
    commands_total: k.commandsTotal,
    exhausted_total: k.exhaustedTotal,
    errors_total: k.errorsTotal,
    timeouts_total: k.timeoutsTotal,
    retries_total: k.retriesTotal,
    reconnects_total: k.reconnectsTotal,
    health_check_failures_total: k.healthCheckFailuresTotal,
    last_health_check: k.lastHealthCheck === null ? null : new Date(k.lastHealthCheck).toISOString(),
    healthy: input.healthy,
    mode: input.mode,
    command_latency_ms: input.latency.summary(),
    name: input.name,
    topology: input.topology,
    max_pending: input.maxPending,
    acquire_timeouts_total: k.acquireTimeoutsTotal,
    health_check_interval_ms: input.healthCheckIntervalMs,
    command_timeout_ms: input.commandTimeoutMs,
    connections: input.connections.map((c) => ({ ...c })),
  };
}
