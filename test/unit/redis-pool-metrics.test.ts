import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AggregatorRegistry, Registry } from 'prom-client';
import { registerPoolMetrics } from '../../src/metrics/pool-metrics.js';
import { LatencyRecorder } from '../../src/redis/latency.js';
import { PoolCounters, buildSnapshot } from '../../src/redis/stats.js';
import type { PoolStatsSnapshot } from '../../src/redis/types.js';

function snapshot(inUse: number, latencies: number[], healthy = true): PoolStatsSnapshot {
  const counters = new PoolCounters();
  counters.commandsTotal = latencies.length;
  counters.exhaustedTotal = 3;
  counters.acquireTimeoutsTotal = 2;
  counters.errorsTotal = 4;
  counters.timeoutsTotal = 1;
  counters.reconnectsTotal = 5;
  counters.healthCheckFailuresTotal = 6;
  counters.lastHealthCheck = 1_700_000_000_000;
  const latency = new LatencyRecorder();
  for (const l of latencies) latency.record(l);
  return buildSnapshot({
    name: 'store',
    mode: 'multiplexed',
    topology: 'standalone',
    maxConnections: 4,
    pending: 7,
    maxPending: 100,
    healthy,
    connections: [0, 1, 2, 3].map((id) => ({
      id,
      state: 'ready' as const,
      healthy: true,
      in_flight: id < inUse ? 1 : 0,
      health_check_failures: 0,
      last_health_check: null,
      reconnect_attempts: 0,
    })),
    counters,
    latency,
    healthCheckIntervalMs: 30_000,
    commandTimeoutMs: 1000,
  });
}

describe('pool metrics', () => {
  test('snapshot -> Prometheus text with OTel / HikariCP names, read at scrape time', async () => {
    const registry = new Registry();
    let current = snapshot(1, [0.3, 2, 40]);
    registerPoolMetrics(registry, () => current);
    const text = await registry.metrics();
    assert.match(text, /^db_client_connections_max\{pool_name="store"\} 4$/m);
    assert.match(text, /^db_client_connections_usage\{pool_name="store",state="used"\} 1$/m);
    assert.match(text, /^db_client_connections_usage\{pool_name="store",state="idle"\} 3$/m);
    assert.match(text, /^db_client_connections_pending_requests\{pool_name="store"\} 7$/m);
    assert.match(text, /^db_client_connections_timeouts_total\{pool_name="store"\} 2$/m);
    assert.match(text, /^tollgate_redis_pool_exhausted_total\{pool_name="store"\} 3$/m);
    assert.match(text, /^tollgate_redis_pool_errors_total\{pool_name="store"\} 4$/m);
    assert.match(text, /^tollgate_redis_pool_command_timeouts_total\{pool_name="store"\} 1$/m);
    assert.match(text, /^tollgate_redis_pool_reconnects_total\{pool_name="store"\} 5$/m);
    assert.match(text, /^tollgate_redis_pool_health_check_failures_total\{pool_name="store"\} 6$/m);
    assert.match(text, /^tollgate_redis_pool_healthy\{pool_name="store"\} 1$/m);
    assert.match(text, /^tollgate_redis_pool_utilization_percent\{pool_name="store"\} 25$/m);
    assert.match(
      text,
      /^tollgate_redis_pool_last_health_check_timestamp_seconds\{pool_name="store"\} 1700000000$/m,
    );
    assert.match(text, /^# TYPE db_client_operation_duration_seconds histogram$/m);
    assert.match(text, /^db_client_operation_duration_seconds_bucket\{le="0.0005",pool_name="store"\} 1$/m);
    assert.match(text, /^db_client_operation_duration_seconds_bucket\{le="0.0025",pool_name="store"\} 2$/m);
    assert.match(text, /^db_client_operation_duration_seconds_bucket\{le="\+Inf",pool_name="store"\} 3$/m);
    assert.match(text, /^db_client_operation_duration_seconds_count\{pool_name="store"\} 3$/m);

    current = snapshot(4, [1, 1, 1, 1, 1]);
    const again = await registry.metrics();
    assert.match(again, /^db_client_connections_usage\{pool_name="store",state="used"\} 4$/m);
    assert.match(again, /^db_client_operation_duration_seconds_count\{pool_name="store"\} 5$/m);
  });

  test('cluster aggregation: sums counts, min for health, max for utilization', async () => {
    const w1 = new Registry();
    const w2 = new Registry();
    registerPoolMetrics(w1, () => snapshot(1, [1, 2]));
    registerPoolMetrics(w2, () => snapshot(3, [3], false));
    const aggregated = AggregatorRegistry.aggregate([
      await w1.getMetricsAsJSON(),
      await w2.getMetricsAsJSON(),
    ]);
    const text = await aggregated.metrics();
    assert.match(text, /^db_client_connections_max\{pool_name="store"\} 8$/m);
    assert.match(text, /^db_client_connections_usage\{pool_name="store",state="used"\} 4$/m);
    assert.match(text, /^tollgate_redis_pool_exhausted_total\{pool_name="store"\} 6$/m);
    assert.match(text, /^tollgate_redis_pool_healthy\{pool_name="store"\} 0$/m);
    assert.match(text, /^tollgate_redis_pool_utilization_percent\{pool_name="store"\} 75$/m);
    assert.match(text, /^db_client_operation_duration_seconds_count\{pool_name="store"\} 3$/m);
    assert.match(text, /^db_client_operation_duration_seconds_bucket\{le="\+Inf",pool_name="store"\} 3$/m);
  });

  test('unregister removes every pool metric', async () => {
    const registry = new Registry();
    const handle = registerPoolMetrics(registry, () => snapshot(0, []));
    handle.unregister();
    assert.equal((await registry.metrics()).trim(), '');
  });
});
