/** GET /api/protected: the resource behind session-bound verification. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { requireSession } from '../guards.js';
import { bearerSecurity, errorRef } from '../schemas/common.js';

export function protectedRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      '/api/protected',
      {
        preHandler: requireSession(ctx.deps),
        schema: {
          tags: ['resource'],
          summary: 'A protected resource',
          security: bearerSecurity,
          response: {
            200: {
              type: 'object',
              required: ['message', 'user', 'timestamp'],
              properties: {
                message: { type: 'string' },
                user: { type: 'string' },
                timestamp: { type: 'string', format: 'date-time' },
              },
            },
            401: errorRef,
            503: errorRef,
          },
        },
      },
      async (request) => ({
        message: 'Access granted',
        user: request.claims?.email ?? '',
        timestamp: new Date().toISOString(),
      }),
    );
  };
}
