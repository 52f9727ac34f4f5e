/** GET /health, /health/live, /health/ready, /health/redis. */
import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { adviseOnPool, aggregatePools } from '../pool-report.js';
import { parseRedisInfo } from '../redis-info.js';
import { errorRef, opsSecurity, poolSnapshot } from '../schemas.js';
import { opsGuard } from '../ops-auth.js';

/** Bounded round trip to the store. */
async function storeReachable(ctx: AppContext): Promise<boolean> {
  try {
    await ctx.store.ping();
    return true;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return false;
    throw err;
  }
}

export function healthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const unavailable = (): StoreUnavailableError =>
      new StoreUnavailableError('disconnected', 'The session store is unreachable');

    // One shape for 200 and 503; the 503 adds the catalogue's `error` and `message`.
    const healthBody = {
      type: 'object',
      properties: {
        status: { type: 'string' },
        error: { type: 'string' },
        message: { type: 'string' },
        store: { type: 'string' },
        redis: {
          type: 'object',
          properties: { connected: { type: 'boolean' }, commands_processed: { type: 'integer' } },
        },
        pool: poolSnapshot,
        timestamp: { type: 'string' },
      },
    } as const;

    app.get(
      '/health',
      {
        schema: {
          tags: ['health'],
          summary: 'Overall status (store reachability and pool)',
          response: { 200: healthBody, 503: healthBody },
        },
      },
      async (_request, reply) => {
        const pool = aggregatePools(await ctx.group.poolStats());
        const redis = { connected: false, commands_processed: 0 };
        if (ctx.pool) {
          try {
            const info = parseRedisInfo(
              String(await ctx.pool.command(['INFO', 'stats'], { idempotent: true })),
            );
            redis.connected = true;
            redis.commands_processed = info.total_commands_processed;
          } catch (err) {
            if (!(err instanceof StoreUnavailableError)) throw err;
          }
        }
        const body = {
          status: 'ok',
          store: ctx.store.kind,
          redis,
          pool,
          timestamp: new Date().toISOString(),
        };
        if (ctx.store.kind === 'redis' && !redis.connected) {
          void reply.code(503).header('Retry-After', '1');
          return {
            ...body,
            status: 'unavailable',
            error: 'unavailable',
            message: 'The session store is unreachable',
          };
        }
        return body;
      },
    );

    app.get(
      '/health/live',
      {
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers',
          response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
        },
      },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/health/ready',
      {
        schema: {
          tags: ['health'],
          summary: 'Readiness: the store is reachable',
          response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, 503: errorRef },
        },
      },
      async () => {
        if (!(await storeReachable(ctx))) throw unavailable();
        return { status: 'ready' };
      },
    );

    const healthRedisBody = {
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
        warnings: { type: 'array', items: { type: 'string' } },
        recommendations: { type: 'array', items: { type: 'string' } },
        timestamp: { type: 'string' },
      },
    } as const;

    app.get(
      '/health/redis',
      {
        preHandler: opsGuard(ctx.config.opsToken),
        schema: {
          tags: ['ops'],
          summary: 'Redis pool health of the whole process group',
          security: opsSecurity,
          response: { 200: healthRedisBody, 401: errorRef, 503: healthRedisBody },
        },
      },
      async (_request, reply) => {
        const pool = aggregatePools(await ctx.group.poolStats());
        const memory = ctx.store.kind === 'memory';
        const healthy = memory ? true : await storeReachable(ctx);
        const advice = adviseOnPool(pool, healthy);
        if (memory) {
          advice.warnings.unshift(
            'Redis is not configured: the embedded memory store is in use (one process only).',
          );
        }
        const r = ctx.config.redis;
        const body = {
          status: memory
            ? 'not_configured'
            : healthy
              ? advice.band === 'scale_up'
                ? 'degraded'
                : 'healthy'
              : 'unhealthy',
          healthy,
          environment: ctx.config.deploymentEnv,
          store: ctx.store.kind,
          pool,
          health: {
            check_interval_seconds: r.healthCheckIntervalMs / 1000,
            retry_policy: {
              max_retries: 3,
              backoff_ms: [8, 32, 128],
              max_backoff_ms: 512,
              retries: 'only idempotent commands or commands never written to Redis',
            },
            last_check: pool.last_health_check,
            command_timeout_ms: r.commandTimeoutMs,
            acquire_timeout_ms: r.acquireTimeoutMs,
          },
          utilization_band: advice.band,
          warnings: advice.warnings,
          recommendations: advice.recommendations,
          timestamp: new Date().toISOString(),
        };
        if (!healthy) void reply.code(503).header('Retry-After', '1');
        return body;
      },
    );
  };
}
