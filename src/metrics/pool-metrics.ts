/**
 * Prometheus metrics of a Redis pool, by one mechanism each:
 *
 * - gauges and counters read the pool's stats snapshot at scrape time, once per scrape
 *   (per-scrape.ts): nothing on the hot path;
 * - `db_client_operation_duration_seconds` is a prom-client Histogram fed from the
 *   pool's command channel (src/redis/events.ts), one observation per finished call.
 *
 * Names and labels follow the OpenTelemetry database-client semantic conventions
 * (`db.client.connection.*`, `db.client.operation.duration`, translated to Prometheus:
 * dots become underscores, the unit is a suffix, counters end in `_total`); what has no
 * convention is `tollgate_redis_pool_*`. Each metric's `aggregator` is how the cluster
 * primary combines workers: counts and counters add up; health takes the minimum (0 if
 * any worker is unhealthy), the last health check the stalest worker, utilization the
 * busiest worker.
 *
 * One pool per registry: a second `registerPoolMetrics` on the same registry throws.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  COMMAND_CHANNEL,
  POOL_EVENTS_CHANNEL,
  type CommandEvent,
  type PoolEvent,
  type PoolStatsSnapshot,
  type RedisPool,
} from '../redis/index.js';
import { oncePerScrape } from './per-scrape.js';

const POOL = 'db_client_connection_pool_name';
type Aggregator = 'sum' | 'min' | 'max';

/** Buckets (s) of `db_client_operation_duration_seconds`: 0.5 ms to 10 s. */
const OPERATION_DURATION_BUCKETS = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

interface SnapshotGauge {
  name: string;
  help: string;
  aggregator: Aggregator;
  value: (s: PoolStatsSnapshot) => number | undefined;
}

const GAUGES: readonly SnapshotGauge[] = [
  {
    name: 'db_client_connection_max',
    help: 'The maximum number of open connections allowed',
    aggregator: 'sum',
    value: (s) => s.max_connections,
  },
  {
    name: 'db_client_connection_pending_requests',
    help: 'Callers waiting for a free connection',
    aggregator: 'sum',
    value: (s) => s.pending,
  },
  {
    name: 'tollgate_redis_pool_commands_in_flight',
    help: 'Commands sent and not yet answered',
    aggregator: 'sum',
    value: (s) => s.commands_in_flight,
  },
  {
    name: 'tollgate_redis_pool_utilization_ratio',
    help: 'Connections in use / maximum, 0-1 (the busiest worker when aggregated)',
    aggregator: 'max',
    value: (s) => (s.max_connections > 0 ? s.in_use / s.max_connections : 0),
  },
  {
    name: 'tollgate_redis_pool_healthy',
    help: '1 when at least one connection is open and passed its last health check (0 if any worker is not)',
    aggregator: 'min',
    value: (s) => (s.healthy ? 1 : 0),
  },
  {
    name: 'tollgate_redis_pool_last_health_check_timestamp_seconds',
    help: 'Unix time of the last completed health check (the stalest worker when aggregated)',
    aggregator: 'min',
    value: (s) => (s.last_health_check === null ? undefined : Date.parse(s.last_health_check) / 1000),
  },
];

const COUNTERS: ReadonlyArray<{ name: string; help: string; value: (s: PoolStatsSnapshot) => number }> = [
  {
    name: 'db_client_connection_timeouts_total',
    help: 'Callers that timed out waiting for a free connection',
    value: (s) => s.acquire_timeouts_total ?? 0,
  },
  {
    name: 'tollgate_redis_pool_exhausted_total',
    help: 'Callers refused because every connection was busy (queue full or acquire timeout)',
    value: (s) => s.exhausted_total,
  },
  {
    name: 'tollgate_redis_pool_retries_total',
    help: 'Retries of failed attempts (only commands safe to repeat)',
    value: (s) => s.retries_total,
  },
  {
    name: 'tollgate_redis_pool_reconnects_total',
    help: 'Reconnect attempts',
    value: (s) => s.reconnects_total,
  },
  {
    name: 'tollgate_redis_pool_health_check_failures_total',
    help: 'Failed health checks (PING errors or timeouts)',
    value: (s) => s.health_check_failures_total,
  },
];

export interface PoolMetricsHandle {
  /** Stops observing the pool and removes its metrics from the registry. */
  unregister(): void;
}

export function registerPoolMetrics(registry: Registry, pool: RedisPool): PoolMetricsHandle {
  const read = oncePerScrape(() => pool.stats());
  const poolName = (s: PoolStatsSnapshot) => s.name ?? 'redis';
  const names: string[] = [];

  for (const g of GAUGES) {
    names.push(g.name);
    new Gauge({
      name: g.name,
      help: g.help,
      labelNames: [POOL],
      registers: [registry],
      aggregator: g.aggregator,
      collect() {
        const s = read();
        const v = g.value(s);
        this.reset();
        if (v !== undefined) this.set({ [POOL]: poolName(s) }, v);
      },
    });
  }
  names.push('db_client_connection_count');
  new Gauge({
    name: 'db_client_connection_count',
    help: 'Open connections by state: used (a command in flight, or checked out) or idle',
    labelNames: [POOL, 'db_client_connection_state'],
    registers: [registry],
    aggregator: 'sum',
    collect() {
      const s = read();
      this.set({ [POOL]: poolName(s), db_client_connection_state: 'used' }, s.in_use);
      this.set({ [POOL]: poolName(s), db_client_connection_state: 'idle' }, s.available_connections);
    },
  });
  for (const c of COUNTERS) {
    names.push(c.name);
    new Counter({
      name: c.name,
      help: c.help,
      labelNames: [POOL],
      registers: [registry],
      aggregator: 'sum',
      collect() {
        const s = read();
        this.reset();
        this.inc({ [POOL]: poolName(s) }, c.value(s));
      },
    });
  }

  names.push('db_client_operation_duration_seconds');
  const durations = new Histogram({
    name: 'db_client_operation_duration_seconds',
    help: 'Duration of Redis calls through the pool (queueing, retries and backoff included)',
    labelNames: ['db_system_name', 'db_operation_name', 'error_type'],
    buckets: [...OPERATION_DURATION_BUCKETS],
    registers: [registry],
    aggregator: 'sum',
  });
  // One labels object per (command, error): the hot path allocates nothing here.
  const labelSets = new Map<string, Record<string, string>>();
  const labelsOf = (command: string, error: string | undefined) => {
    const key = error === undefined ? command : `${command}\u0000${error}`;
    let labels = labelSets.get(key);
    if (!labels) {
      labels = { db_system_name: 'redis', db_operation_name: command };
      if (error !== undefined) labels.error_type = error;
      labelSets.set(key, labels);
    }
    return labels;
  };

  const onCommand = (message: unknown): void => {
    const e = message as CommandEvent;
    if (e.source === pool) durations.observe(labelsOf(e.command, e.error), e.durationMs / 1000);
  };
  const onEvent = (message: unknown): void => {
    const e = message as PoolEvent;
    if (e.source === pool && e.type === 'closed') stopListening();
  };
  let listening = true;
  const stopListening = (): void => {
    if (!listening) return;
    listening = false;
    diagnostics_channel.unsubscribe(COMMAND_CHANNEL, onCommand);
    diagnostics_channel.unsubscribe(POOL_EVENTS_CHANNEL, onEvent);
  };
  diagnostics_channel.subscribe(COMMAND_CHANNEL, onCommand);
  diagnostics_channel.subscribe(POOL_EVENTS_CHANNEL, onEvent);

  return {
    unregister() {
      stopListening();
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
