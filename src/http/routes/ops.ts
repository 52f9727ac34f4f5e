/** GET /redis/stats and /metrics (ops-token protected when OPS_TOKEN is set). */
import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { opsGuard } from '../ops-auth.js';
import { aggregatePools } from '../pool-report.js';
import { parseRedisInfo } from '../redis-info.js';
import { errorRef, opsSecurity } from '../schemas.js';

export function opsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const guard = opsGuard(ctx.config.opsToken);

    app.get(
      '/redis/stats',
      {
        preHandler: guard,
        schema: {
          tags: ['ops'],
          summary: 'Redis INFO subset and the group pool',
          security: opsSecurity,
          response: {
            200: {
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
            },
            401: errorRef,
            503: errorRef,
          },
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
