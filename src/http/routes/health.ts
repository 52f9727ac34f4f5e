/** GET /health, /health/live, /health/ready, /health/redis. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StoreUnavailableError, type TollgateError } from '../../errors.js';
import { MAX_RETRIES, retryDelayMs } from '../../redis/retry.js';
import type { AppContext } from '../context.js';
import { applyErrorHeaders } from '../error-handler.js';
import { requireOpsToken } from '../guards.js';
import { adviseOnPool, aggregatePools } from '../pool-report.js';
import { errorRef, opsSecurity } from '../schemas/common.js';
import { healthBody, healthRedisBody, statusBody } from '../schemas/health.js';

const unreachable = (): StoreUnavailableError =>
  new StoreUnavailableError('disconnected', 'The session store is unreachable');

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

/** A health body that is also an error answer: the catalogue's fields and headers added. */
function failing<T extends object>(
  reply: FastifyReply,
  err: TollgateError,
  body: T,
): T & { error: string; message: string } {
  applyErrorHeaders(reply, err);
  void reply.code(err.statusCode);
  return { ...body, error: err.code, message: err.message };
}

/** The pool's retry policy as /health/redis describes it, read from the policy itself. */
const RETRY_POLICY = Object.freeze({
  max_retries: MAX_RETRIES,
  backoff_ms: Array.from({ length: MAX_RETRIES }, (_, i) => retryDelayMs(i)),
  max_backoff_ms: retryDelayMs(Number.MAX_SAFE_INTEGER),
  retries: 'only idempotent commands or commands never written to Redis',
});

async function databaseReachable(ctx: AppContext): Promise<boolean> {
  try {
    await ctx.directory.ping();
    return true;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return false;
    throw err;
  }
}

/** GET /health: the overall status, for people and load balancers' dashboards. */
function getHealth(app: FastifyInstance, ctx: AppContext): void {
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
      const [health, database] = await Promise.all([ctx.store.health(), databaseReachable(ctx)]);
      const server = health.shared ? health : undefined;
      const state = server?.state;
      const reasons = [...(state?.reasons ?? [])];
      // The accounts database down means no logins, but verification still works.
      if (!database)
        reasons.push('The accounts database is unreachable: logins and account changes answer 503.');
      const body = {
        status: reasons.length === 0 ? 'ok' : 'degraded',
        reasons,
        warnings: state ? state.warnings : [...(server?.warnings ?? [])],
        store: health.engine,
        redis: {
          connected: server?.reachable ?? false,
          commands_processed: server?.commandsProcessed ?? 0,
          ...(state
            ? {
                persistence: state.persistence,
                maxmemory_policy: state.maxmemory_policy,
                evicted_keys: state.evicted_keys,
                used_memory_bytes: state.used_memory_bytes,
                maxmemory_bytes: state.maxmemory_bytes,
                revocations_confirmed: state.revocations_confirmed,
                checked_at: state.checked_at,
              }
            : {}),
        },
        database: { connected: database },
        pool,
        timestamp: new Date().toISOString(),
      };
      if (server && !server.reachable) {
        return failing(reply, unreachable(), { ...body, status: 'unavailable' });
      }
      return body;
    },
  );
}

/** GET /health/live: the process answers. */
function getLive(app: FastifyInstance): void {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: statusBody },
      },
    },
    async () => ({ status: 'ok' }),
  );
}

/** GET /health/ready: the store is reachable (one bounded round trip). */
function getReady(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the store is reachable',
        response: { 200: statusBody, 503: errorRef },
      },
    },
    async () => {
      if (!(await storeReachable(ctx))) throw unreachable();
      return { status: 'ready' };
    },
  );
}

/** The status word of /health/redis. */
function redisStatus(shared: boolean, healthy: boolean, band: string, reasons: number): string {
  if (!shared) return 'not_configured';
  if (!healthy) return 'unhealthy';
  return band === 'scale_up' || reasons > 0 ? 'degraded' : 'healthy';
}

/** GET /health/redis: the pool of the whole process group and the Redis behind it (ops token). */
function getRedis(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/health/redis',
    {
      preHandler: requireOpsToken(ctx.config.opsToken),
      schema: {
        tags: ['ops'],
        summary: 'Redis pool health of the whole process group',
        security: opsSecurity,
        response: { 200: healthRedisBody, 401: errorRef, 503: healthRedisBody },
      },
    },
    async (_request, reply) => {
      const pool = aggregatePools(await ctx.group.poolStats());
      const health = await ctx.store.health();
      // An engine inside this process has nothing to reach.
      const server = health.shared ? health : undefined;
      const healthy = server?.reachable ?? true;
      const advice = adviseOnPool(pool, healthy);
      if (!health.shared) advice.warnings.unshift(health.notice);
      const state = server?.state;
      if (state) advice.warnings.push(...state.reasons, ...state.warnings);
      else advice.warnings.push(...(server?.warnings ?? []));
      const r = ctx.config.redis;
      const body = {
        status: redisStatus(!!server, healthy, advice.band, state?.reasons.length ?? 0),
        healthy,
        environment: ctx.config.deploymentEnv,
        store: health.engine,
        pool,
        health: {
          check_interval_seconds: r.healthCheckIntervalMs / 1000,
          retry_policy: RETRY_POLICY,
          last_check: pool.last_health_check,
          command_timeout_ms: r.commandTimeoutMs,
          acquire_timeout_ms: r.acquireTimeoutMs,
        },
        utilization_band: advice.band,
        ...(state ? { redis: state } : {}),
        warnings: advice.warnings,
        recommendations: advice.recommendations,
        timestamp: new Date().toISOString(),
      };
      if (!healthy) {
        const err = unreachable();
        applyErrorHeaders(reply, err);
        void reply.code(err.statusCode);
      }
      return body;
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, ctx: AppContext) => void)[] = [
  getHealth,
  getLive,
  getReady,
  getRedis,
];

export function healthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    for (const route of ROUTES) route(app, ctx);
  };
}
