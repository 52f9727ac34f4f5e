/**
 * Prometheus metrics of the Redis pool, read from its stats snapshot at scrape time
 * (collect callbacks: nothing is updated on the hot path). Names follow the
 * OpenTelemetry database-client pool conventions (as used by HikariCP's OTel
 * instrumentation): `db_client_connections_*`, `db_client_operation_duration_seconds`;
 * what has no standard name is `tollgate_redis_pool_*`. Every series carries
 * `pool_name`.
 *
 * Cluster aggregation (prom-client AggregatorRegistry sums worker registries): counts,
 * counters and the histogram use `sum` (the process group's total); `healthy` uses `min`
 * (1 only if every worker is healthy); the last health check uses `min` (the stalest
 * worker); utilization uses `max` (the busiest worker decides the scale-up warning).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolStatsSnapshot } from '../redis/types.js';

type Label = 'pool_name';
type Aggregator = 'sum' | 'min' | 'max';

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** A histogram whose buckets come from the pool snapshot instead of `observe()`. */
interface HistogramData {
  name: string;
  help: string;
  type: 'histogram';
  values: HistogramValue[];
  aggregator: 'sum';
}

class SnapshotHistogram extends Histogram<Label> {
  readonly #read: () => PoolStatsSnapshot;
  readonly #name: string;
  readonly #help: string;

  constructor(name: string, help: string, registry: Registry, read: () => PoolStatsSnapshot) {
    super({ name, help, labelNames: ['pool_name'], registers: [registry], aggregator: 'sum' });
    this.#read = read;
    this.#name = name;
    this.#help = help;
  }

  #values(): HistogramValue[] {
    const s = this.#read();
    const b = s.command_latency_buckets;
    if (!b) return [];
    const poolName = s.name ?? 'redis';
    const values: HistogramValue[] = [];
    let cumulative = 0;
    b.bounds.forEach((le, i) => {
      cumulative += b.counts[i] ?? 0;
      values.push({
        labels: { le, pool_name: poolName },
        value: cumulative,
        metricName: `${this.#name}_bucket`,
      });
    });
    values.push({
      labels: { le: '+Inf', pool_name: poolName },
      value: b.count,
      metricName: `${this.#name}_bucket`,
    });
    values.push({ labels: { pool_name: poolName }, value: b.sumSeconds, metricName: `${this.#name}_sum` });
    values.push({ labels: { pool_name: poolName }, value: b.count, metricName: `${this.#name}_count` });
    return values;
  }

  #data(): HistogramData {
    return {
      name: this.#name,
      help: this.#help,
      type: 'histogram',
      values: this.#values(),
      aggregator: 'sum',
    };
  }

  override get(): ReturnType<Histogram<Label>['get']> {
    return Promise.resolve(this.#data()) as unknown as ReturnType<Histogram<Label>['get']>;
  }

  /** prom-client prefers this over get() when rendering text. */
  getForPromString(): Promise<HistogramData> {
    return Promise.resolve(this.#data());
  }
}

export interface PoolMetricsHandle {
  /** Removes the pool metrics from the registry. */
  unregister(): void;
}

export function registerPoolMetrics(
  registry: Registry,
  getStats: () => PoolStatsSnapshot,
): PoolMetricsHandle {
  // A snapshot is cheap (O(connections)); each metric reads a fresh one at scrape time.
  const read = getStats;
  const poolName = (s: PoolStatsSnapshot) => s.name ?? 'redis';
  const names: string[] = [];

  const gauge = (
    name: string,
    help: string,
    aggregator: Aggregator,
    value: (s: PoolStatsSnapshot) => number | undefined,
  ) => {
    names.push(name);
    new Gauge<Label>({
      name,
      help,
      labelNames: ['pool_name'],
      registers: [registry],
      aggregator,
      collect() {
        const s = read();
        const v = value(s);
        this.reset();
        if (v !== undefined) this.set({ pool_name: poolName(s) }, v);
      },
    });
  };
  const counter = (name: string, help: string, value: (s: PoolStatsSnapshot) => number | undefined) => {
    names.push(name);
    new Counter<Label>({
      name,
      help,
      labelNames: ['pool_name'],
      registers: [registry],
      aggregator: 'sum',
      collect() {
        const s = read();
        const v = value(s);
        this.reset();
        if (v !== undefined) this.inc({ pool_name: poolName(s) }, v);
      },
    });
  };

  gauge(
    'db_client_connections_max',
    'Maximum number of open connections allowed',
    'sum',
    (s) => s.max_connections,
  );
  names.push('db_client_connections_usage');
  new Gauge<Label | 'state'>({
    name: 'db_client_connections_usage',
    help: 'Open connections by state: used (a command in flight / checked out) or idle',
    labelNames: ['pool_name', 'state'],
    registers: [registry],
    aggregator: 'sum',
    collect() {
      const s = read();
      this.reset();
      this.set({ pool_name: poolName(s), state: 'used' }, s.in_use);
      this.set({ pool_name: poolName(s), state: 'idle' }, s.available_connections);
    },
  });
  gauge(
    'db_client_connections_pending_requests',
    'Requests waiting for a free connection',
    'sum',
    (s) => s.pending,
  );
  counter(
    'db_client_connections_timeouts_total',
    'Requests that timed out waiting for a connection (acquire timeout)',
    (s) => s.acquire_timeouts_total ?? 0,
  );
  gauge('tollgate_redis_pool_open_connections', 'Connections open and ready', 'sum', (s) => s.open);
  gauge(
    'tollgate_redis_pool_commands_in_flight',
    'Commands sent and not yet answered',
    'sum',
    (s) => s.commands_in_flight,
  );
  gauge(
    'tollgate_redis_pool_utilization_percent',
    'Connections in use / max * 100 (busiest worker when aggregated)',
    'max',
    (s) => s.utilization_percent,
  );
  gauge(
    'tollgate_redis_pool_healthy',
    '1 when at least one connection is open and passed its last health check (min over workers)',
    'min',
    (s) => (s.healthy ? 1 : 0),
  );
  gauge(
    'tollgate_redis_pool_last_health_check_timestamp_seconds',
    'Unix time of the last completed health check (stalest worker when aggregated)',
    'min',
    (s) => (s.last_health_check === null ? undefined : Date.parse(s.last_health_check) / 1000),
  );
  counter('tollgate_redis_pool_commands_total', 'Commands run through the pool', (s) => s.commands_total);
  counter(
    'tollgate_redis_pool_exhausted_total',
    'Requests refused because every connection was busy (queue full or acquire timeout)',
    (s) => s.exhausted_total,
  );
  counter(
    'tollgate_redis_pool_errors_total',
    'Commands that finally failed (any reason)',
    (s) => s.errors_total,
  );
  counter(
    'tollgate_redis_pool_command_timeouts_total',
    'Commands that hit the command timeout',
    (s) => s.timeouts_total,
  );
  counter('tollgate_redis_pool_retries_total', 'Retries of failed attempts', (s) => s.retries_total);
  counter('tollgate_redis_pool_reconnects_total', 'Reconnect attempts', (s) => s.reconnects_total);
  counter(
    'tollgate_redis_pool_health_check_failures_total',
    'Failed health checks (PING errors or timeouts)',
    (s) => s.health_check_failures_total,
  );
  names.push('db_client_operation_duration_seconds');
  new SnapshotHistogram(
    'db_client_operation_duration_seconds',
    'Duration of Redis commands through the pool, including queueing and retries',
    registry,
    read,
  );

  return {
    unregister() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
