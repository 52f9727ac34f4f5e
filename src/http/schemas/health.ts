/** Response schemas of the health and operations routes (published in the OpenAPI document). */

/** Pool snapshot: the fixed fields plus anything the pool adds. */
export const poolSnapshot = {
  type: 'object',
  additionalProperties: true,
  properties: {
    max_connections: { type: 'integer' },
    open: { type: 'integer' },
    in_use: { type: 'integer' },
    available_connections: { type: 'integer' },
    pending: { type: 'integer' },
    utilization_percent: { type: 'number' },
    exhausted_total: { type: 'integer' },
    errors_total: { type: 'integer' },
    reconnects_total: { type: 'integer' },
    health_check_failures_total: { type: 'integer' },
    last_health_check: { type: ['string', 'null'] },
  },
} as const;

export const statusBody = { type: 'object', properties: { status: { type: 'string' } } } as const;

/** GET /health: one shape for 200 and 503; the 503 adds the catalogue's `error` and `message`. */
export const healthBody = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    /** Why the status is `degraded` (empty when it is not). */
    reasons: { type: 'array', items: { type: 'string' } },
    /** What this deployment cannot keep (Redis persistence and eviction), whatever happens next. */
    warnings: { type: 'array', items: { type: 'string' } },
    store: { type: 'string' },
    redis: {
      type: 'object',
      properties: {
        connected: { type: 'boolean' },
        commands_processed: { type: 'integer' },
        persistence: { type: 'string' },
        maxmemory_policy: { type: ['string', 'null'] },
        evicted_keys: { type: 'integer' },
        used_memory_bytes: { type: 'integer' },
        maxmemory_bytes: { type: 'integer' },
        revocations_confirmed: { type: 'boolean' },
        checked_at: { type: ['string', 'null'] },
      },
    },
    database: { type: 'object', properties: { connected: { type: 'boolean' } } },
    pool: poolSnapshot,
    timestamp: { type: 'string' },
  },
} as const;

/** GET /health/redis. */
export const healthRedisBody = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    healthy: { type: 'boolean' },
    environment: { type: 'string' },
    store: { type: 'string' },
    pool: {
      type: 'object',
      additionalProperties: true,
      properties: {
        ...poolSnapshot.properties,
        workers: { type: 'integer' },
        per_worker: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
    health: {
      type: 'object',
      properties: {
        check_interval_seconds: { type: 'number' },
        retry_policy: {
          type: 'object',
          properties: {
            max_retries: { type: 'integer' },
            backoff_ms: { type: 'array', items: { type: 'integer' } },
            max_backoff_ms: { type: 'integer' },
            retries: { type: 'string' },
          },
        },
        last_check: { type: ['string', 'null'] },
        command_timeout_ms: { type: 'integer' },
        acquire_timeout_ms: { type: 'integer' },
      },
    },
    utilization_band: { type: 'string' },
    /** The Redis server as last read on the health-check cadence (docs/sessions.md). */
    redis: { type: 'object', additionalProperties: true },
    warnings: { type: 'array', items: { type: 'string' } },
    recommendations: { type: 'array', items: { type: 'string' } },
    timestamp: { type: 'string' },
  },
} as const;

/** GET /redis/stats. */
export const redisStatsBody = {
  type: 'object',
  properties: {
    redis: {
      type: 'object',
      properties: {
        connected_clients: { type: 'integer' },
        used_memory_human: { type: 'string' },
        total_commands_processed: { type: 'integer' },
        instantaneous_ops_per_sec: { type: 'integer' },
        keyspace: { type: 'object', additionalProperties: true },
        redis_version: { type: 'string' },
        role: { type: 'string' },
        uptime_in_seconds: { type: 'integer' },
      },
    },
    pool: { type: 'object', additionalProperties: true },
    timestamp: { type: 'string' },
  },
} as const;
