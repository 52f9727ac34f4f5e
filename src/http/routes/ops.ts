/** GET /redis/stats and /metrics (ops-token protected when OPS_TOKEN is set). */
import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { requireOpsToken } from '../guards.js';
import { aggregatePools } from '../pool-report.js';
import { parseRedisInfo } from '../redis-info.js';
import { errorRef, opsSecurity } from '../schemas/common.js';
import { redisStatsBody } from '../schemas/health.js';

export function opsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const guard = requireOpsToken(ctx.config.opsToken);

    app.get(
      '/redis/stats',
      {
        preHandler: guard,
        schema: {
          tags: ['ops'],
          summary: 'Redis INFO subset and the group pool',
          security: opsSecurity,
          response: { 200: redisStatsBody, 401: errorRef, 503: errorRef },
        },
      },
      async () => {
        if (!ctx.pool) {
          throw new StoreUnavailableError(
            'disconnected',
            'Redis is not configured: the memory store is in use',
          );
        }
        const info = parseRedisInfo(String(await ctx.pool.command(['INFO'], { idempotent: true })));
        return {
          redis: info,
          pool: aggregatePools(await ctx.group.poolStats()),
          timestamp: new Date().toISOString(),
        };
      },
    );

    app.get(
      '/metrics',
      {
        preHandler: guard,
        schema: { tags: ['ops'], summary: 'Prometheus metrics of the whole group', security: opsSecurity },
      },
      async (_request, reply) => {
        const { contentType, body } = await ctx.group.metrics();
        return reply.type(contentType).send(body);
      },
    );
  };
}
