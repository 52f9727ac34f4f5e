/**
 * Prometheus metrics of the Redis behind the session store, read at scrape time from
 * what the store's watch last read (src/store/redis/watch.ts, on the pool's health-check
 * cadence): nothing here talks to Redis. Every worker reads the same server, so the
 * cluster primary takes the maximum of the workers (`aggregator: 'max'`), except the
 * confirmation, where one unconfirmed worker is enough (`min`).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { oncePerScrape } from './per-scrape.js';

/** What the watch reports, as plain numbers (the metrics layer imports no store). */
export interface RedisStateSample {
  persistence: string;
  evictingPolicy: boolean;
  evictedKeys: number;
  usedMemoryBytes: number;
  maxmemoryBytes: number;
  confirmed: boolean;
  dataLossDetections: { restart: number; missing: number };
  replays: number;
  replayedRevocations: number;
}

const PERSISTENCE_MODES = ['aof', 'aof+rdb', 'rdb', 'none', 'unknown'] as const;

export function registerRedisStateMetrics(registry: Registry, sample: () => RedisStateSample): void {
  const read = oncePerScrape(sample);
  const gauge = (
    name: string,
    help: string,
    value: (s: RedisStateSample) => number,
    aggregator: 'max' | 'min' = 'max',
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      aggregator,
      collect() {
        this.set(value(read()));
      },
    });
  const counter = (name: string, help: string, value: (s: RedisStateSample) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.reset();
        this.inc(value(read()));
      },
    });

  counter(
    'tollgate_redis_evicted_keys_total',
    "Keys Redis evicted under memory pressure (Redis's evicted_keys; it restarts from 0 with Redis)",
    (s) => s.evictedKeys,
  );
  new Gauge({
    name: 'tollgate_redis_persistence',
    help: 'How Redis persists its data: 1 for the current mode (aof, aof+rdb, rdb, none, unknown)',
    labelNames: ['mode'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      const current = read().persistence;
      for (const mode of PERSISTENCE_MODES) this.set({ mode }, mode === current ? 1 : 0);
    },
  });
  gauge(
    'tollgate_redis_evicting_policy',
    "1 when Redis's maxmemory-policy may evict session keys (anything but noeviction)",
    (s) => (s.evictingPolicy ? 1 : 0),
  );
  gauge('tollgate_redis_used_memory_bytes', 'Memory Redis uses (used_memory)', (s) => s.usedMemoryBytes);
  gauge('tollgate_redis_maxmemory_bytes', "Redis's maxmemory (0 = no limit)", (s) => s.maxmemoryBytes);
  gauge(
    'tollgate_redis_revocations_confirmed',
    '1 when tollgate has confirmed that the current Redis server holds every recorded session end',
    (s) => (s.confirmed ? 1 : 0),
    'min',
  );
  new Counter({
    name: 'tollgate_redis_data_loss_detected_total',
    help: 'Times tollgate found Redis restarted or failed over (cause=restart) or without its confirmation key (cause=missing)',
    labelNames: ['cause'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      const s = read();
      this.reset();
      this.inc({ cause: 'restart' }, s.dataLossDetections.restart);
      this.inc({ cause: 'missing' }, s.dataLossDetections.missing);
    },
  });
  counter(
    'tollgate_session_revocation_replays_total',
    'Replays of the revocation log into Redis',
    (s) => s.replays,
  );
  counter(
    'tollgate_session_revocations_replayed_total',
    'Recorded session ends applied to Redis again by replays',
    (s) => s.replayedRevocations,
  );
}
