import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyRecorder } from '../../src/redis/latency.js';
import { PoolCounters, buildSnapshot, utilizationBand, utilizationPercent } from '../../src/redis/stats.js';
import type { ConnectionStatsSnapshot } from '../../src/redis/types.js';

const conn = (
  id: number,
  state: ConnectionStatsSnapshot['state'],
  inFlight: number,
): ConnectionStatsSnapshot => ({
  id,
  state,
  healthy: state === 'ready',
  in_flight: inFlight,
  health_check_failures: 0,
  last_health_check: null,
  reconnect_attempts: 0,
});

describe('stats math', () => {
  test('utilization: in_use / max * 100, one decimal', () => {
    assert.equal(utilizationPercent(0, 4), 0);
    assert.equal(utilizationPercent(1, 3), 33.3);
    assert.equal(utilizationPercent(2, 3), 66.7);
    assert.equal(utilizationPercent(4, 4), 100);
    assert.equal(utilizationPercent(1, 0), 0);
  });

  test('advice bands of DESIGN.md §5', () => {
    assert.deepEqual([0, 9.9, 10, 39.9, 40, 59.9, 60, 80, 80.1, 100].map(utilizationBand), [
      'idle',
      'idle',
      'normal',
      'normal',
      'healthy',
      'healthy',
      'watch',
      'watch',
      'scale_up',
      'scale_up',
    ]);
  });

  test('snapshot counts only ready connections as open / in use', () => {
    const counters = new PoolCounters();
    counters.commandsTotal = 10;
    counters.exhaustedTotal = 2;
    counters.lastHealthCheck = Date.UTC(2026, 0, 1);
    const s = buildSnapshot({
      name: 'p',
      mode: 'multiplexed',
      topology: 'standalone',
      maxConnections: 4,
      pending: 3,
      maxPending: 100,
      healthy: true,
      connections: [conn(0, 'ready', 5), conn(1, 'ready', 0), conn(2, 'down', 0), conn(3, 'connecting', 0)],
      counters,
      latency: new LatencyRecorder(),
      healthCheckIntervalMs: 30_000,
      commandTimeoutMs: 1000,
    });
    assert.equal(s.max_connections, 4);
    assert.equal(s.open, 2);
    assert.equal(s.in_use, 1);
    assert.equal(s.available_connections, 1);
    assert.equal(s.pending, 3);
    assert.equal(s.utilization_percent, 25);
    assert.equal(s.commands_in_flight, 5);
    assert.equal(s.commands_total, 10);
    assert.equal(s.exhausted_total, 2);
    assert.equal(s.last_health_check, '2026-01-01T00:00:00.000Z');
    assert.equal(s.command_latency_ms.count, 0);
    assert.equal(s.connections!.length, 4);
  });
});

describe('latency recorder', () => {
  test('percentiles within one log bucket (~9 %) of the truth', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) r.record(i / 10); // 0.1 .. 100 ms uniform
    const s = r.summary();
    assert.equal(s.count, 1000);
    assert.ok(Math.abs(s.mean - 50.05) < 0.01);
    assert.ok(s.p50 >= 50 && s.p50 <= 50 * 1.1, String(s.p50));
    assert.ok(s.p95 >= 95 && s.p95 <= 95 * 1.1, String(s.p95));
    assert.ok(s.p99 >= 99 && s.p99 <= 100, String(s.p99));
    assert.equal(s.max, 100);
  });

  test('empty recorder reports zeros; bad values are ignored', () => {
    const r = new LatencyRecorder();
    r.record(Number.NaN);
    r.record(-1);
    assert.deepEqual(r.summary(), { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
