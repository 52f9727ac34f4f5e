import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { aggregateGroupMetrics, createClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import { registerPoolMetrics } from '../../src/metrics/pool-metrics.js';
import {
  COMMAND_CHANNEL,
  POOL_EVENTS_CHANNEL,
  type CommandEvent,
  type PoolEvent,
} from '../../src/redis/index.js';
import { LatencyRecorder } from '../../src/redis/latency.js';
import { PoolCounters, buildSnapshot } from '../../src/redis/stats.js';
import type { PoolStatsSnapshot, RedisPool } from '../../src/redis/types.js';

function snapshot(inUse: number, healthy = true): PoolStatsSnapshot {
  const counters = new PoolCounters();
  counters.commandsTotal = 9;
  counters.exhaustedTotal = 3;
  counters.acquireTimeoutsTotal = 2;
  counters.errorsTotal = 4;
  counters.timeoutsTotal = 1;
  counters.retriesTotal = 8;
  counters.reconnectsTotal = 5;
  counters.healthCheckFailuresTotal = 6;
  counters.lastHealthCheck = 1_700_000_000_000;
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
    latency: new LatencyRecorder(),
    healthCheckIntervalMs: 30_000,
    commandTimeoutMs: 1000,
  });
}

/** A pool that only has stats (the metrics read nothing else); counts its snapshots. */
function fakePool(current: () => PoolStatsSnapshot): RedisPool & { snapshots: number } {
  const pool = {
    snapshots: 0,
    stats() {
      pool.snapshots++;
      return current();
    },
    command: () => Promise.reject(new Error('not used')),
    script: () => Promise.reject(new Error('not used')),
    connect: () => Promise.resolve(),
    isHealthy: () => true,
    close: () => Promise.resolve(),
  };
  return pool;
}

const publishCommand = (event: CommandEvent) => diagnostics_channel.channel(COMMAND_CHANNEL).publish(event);
const publishEvent = (event: PoolEvent) => diagnostics_channel.channel(POOL_EVENTS_CHANNEL).publish(event);

const POOL = 'db_client_connection_pool_name="store"';

describe('pool metrics', () => {
  test('gauges and counters from the snapshot, OpenTelemetry names and labels, read at scrape time', async () => {
    const registry = new Registry();
    let current = snapshot(1);
    const handle = registerPoolMetrics(
      registry,
      fakePool(() => current),
    );
    try {
      const text = await registry.metrics();
      for (const line of [
        `db_client_connection_max{${POOL}} 4`,
        `db_client_connection_count{${POOL},db_client_connection_state="used"} 1`,
        `db_client_connection_count{${POOL},db_client_connection_state="idle"} 3`,
        `db_client_connection_pending_requests{${POOL}} 7`,
        `db_client_connection_timeouts_total{${POOL}} 2`,
        `tollgate_redis_pool_commands_in_flight{${POOL}} 1`,
        `tollgate_redis_pool_utilization_ratio{${POOL}} 0.25`,
        `tollgate_redis_pool_healthy{${POOL}} 1`,
        `tollgate_redis_pool_last_health_check_timestamp_seconds{${POOL}} 1700000000`,
        `tollgate_redis_pool_exhausted_total{${POOL}} 3`,
        `tollgate_redis_pool_retries_total{${POOL}} 8`,
        `tollgate_redis_pool_reconnects_total{${POOL}} 5`,
        `tollgate_redis_pool_health_check_failures_total{${POOL}} 6`,
      ]) {
        assert.ok(text.split('\n').includes(line), `missing: ${line}`);
      }
      // What the histogram and the other series already say is not repeated.
      assert.doesNotMatch(
        text,
        /tollgate_redis_pool_(commands|errors|command_timeouts)_total|_percent|_usage/,
      );

      current = snapshot(4, false);
      const again = await registry.metrics();
      assert.match(again, /^db_client_connection_count\{[^}]*state="used"\} 4$/m);
      assert.match(again, /^tollgate_redis_pool_utilization_ratio\{[^}]*\} 1$/m);
      assert.match(again, /^tollgate_redis_pool_healthy\{[^}]*\} 0$/m);
    } finally {
      handle.unregister();
    }
  });

  test('one snapshot per scrape, however many metrics read it', async () => {
    const registry = new Registry();
    const pool = fakePool(() => snapshot(2));
    const handle = registerPoolMetrics(registry, pool);
    try {
      const reads: number[] = [];
      await registry.metrics();
      reads.push(pool.snapshots);
      await registry.getMetricsAsJSON();
      reads.push(pool.snapshots);
      await Promise.all([registry.metrics(), registry.metrics()]);
      reads.push(pool.snapshots);
      // Two scrapes started in the same tick may share one read; never more than one each.
      assert.ok(
        reads[0] === 1 && reads[1] === 2 && reads[2]! <= 4,
        `snapshots after each scrape: ${reads.join(', ')}`,
      );
    } finally {
      handle.unregister();
    }
  });

  test('operation durations: a real histogram fed by this pool’s command channel only', async () => {
    const registry = new Registry();
    const pool = fakePool(() => snapshot(0));
    const other = fakePool(() => snapshot(0));
    const handle = registerPoolMetrics(registry, pool);
    try {
      publishCommand({ pool: 'store', source: pool, command: 'EXISTS', durationMs: 0.3 });
      publishCommand({ pool: 'store', source: pool, command: 'EXISTS', durationMs: 2 });
      publishCommand({ pool: 'store', source: pool, command: 'EVALSHA', durationMs: 1500, error: 'timeout' });
      publishCommand({ pool: 'store', source: other, command: 'EXISTS', durationMs: 1 });
      const text = await registry.metrics();
      const ok = 'db_system_name="redis",db_operation_name="EXISTS"';
      assert.match(text, /^# TYPE db_client_operation_duration_seconds histogram$/m);
      assert.ok(text.includes(`db_client_operation_duration_seconds_bucket{le="0.0005",${ok}} 1\n`), text);
      assert.ok(text.includes(`db_client_operation_duration_seconds_bucket{le="0.0025",${ok}} 2\n`));
      assert.ok(
        text.includes(`db_client_operation_duration_seconds_count{${ok}} 2\n`),
        'the other pool is not counted',
      );
      assert.ok(
        text.includes(
          'db_client_operation_duration_seconds_count{db_system_name="redis",db_operation_name="EVALSHA",error_type="timeout"} 1\n',
        ),
      );
      assert.ok(
        text.includes(
          'db_client_operation_duration_seconds_bucket{le="1",db_system_name="redis",db_operation_name="EVALSHA",error_type="timeout"} 0\n',
        ),
      );
    } finally {
      handle.unregister();
    }
  });

  test('stops listening when its pool closes; unregister removes every metric', async () => {
    const registry = new Registry();
    const pool = fakePool(() => snapshot(0));
    const handle = registerPoolMetrics(registry, pool);
    const channel = diagnostics_channel.channel(COMMAND_CHANNEL);
    const before = channel.hasSubscribers;
    assert.equal(before, true);
    publishEvent({ pool: 'store', source: fakePool(() => snapshot(0)), type: 'closed' });
    publishCommand({ pool: 'store', source: pool, command: 'GET', durationMs: 1 });
    publishEvent({ pool: 'store', source: pool, type: 'closed' });
    publishCommand({ pool: 'store', source: pool, command: 'GET', durationMs: 1 });
    assert.match(await registry.metrics(), /^db_client_operation_duration_seconds_count\{[^}]*\} 1$/m);
    assert.equal(channel.hasSubscribers, false, 'no subscriber left behind');
    handle.unregister();
    assert.equal((await registry.metrics()).trim(), '');
  });
});

describe('group aggregation (cluster primary)', () => {
  test('sums counts and counters, min for health, max for utilization; default metrics per their meaning', async () => {
    const workers = [new Registry(), new Registry()];
    const handles = [
      registerPoolMetrics(
        workers[0]!,
        fakePool(() => snapshot(1)),
      ),
      registerPoolMetrics(
        workers[1]!,
        fakePool(() => snapshot(3, false)),
      ),
    ];
    for (const r of workers) collectDefaultMetrics({ register: r });
    try {
      const single = await workers[0]!.metrics();
      const { body } = await aggregateGroupMetrics(
        createClusterMetrics(2),
        await Promise.all(workers.map((r) => r.getMetricsAsJSON())),
      );
      assert.match(body, /^db_client_connection_max\{[^}]*\} 8$/m);
      assert.match(body, /^db_client_connection_count\{[^}]*state="used"\} 4$/m);
      assert.match(body, /^tollgate_redis_pool_exhausted_total\{[^}]*\} 6$/m);
      assert.match(body, /^tollgate_redis_pool_healthy\{[^}]*\} 0$/m);
      assert.match(body, /^tollgate_redis_pool_utilization_ratio\{[^}]*\} 0.75$/m);
      assert.match(body, /^tollgate_cluster_workers_reporting 2$/m);
      const value = (text: string, name: string) =>
        Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      const maxFds = value(single, 'process_max_fds');
      assert.ok(maxFds > 0);
      assert.equal(value(body, 'process_max_fds'), maxFds, 'a limit is not summed');
      assert.ok(value(body, 'process_start_time_seconds') > 0, 'the start time is kept');
      assert.ok(
        value(body, 'nodejs_heap_size_used_bytes') > value(single, 'nodejs_heap_size_used_bytes') * 1.5,
      );
    } finally {
      for (const h of handles) h.unregister();
    }
  });
});
