/** GET / (banner) and GET /.well-known/jwks.json. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function metaRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      '/',
      {
        schema: {
          tags: ['meta'],
          summary: 'Service banner',
          response: {
            200: {
              type: 'object',
              required: ['service', 'version', 'status'],
              properties: {
                service: { type: 'string' },
                version: { type: 'string' },
                status: { type: 'string' },
              },
            },
          },
        },
      },
      async () => ({ service: 'tollgate', version: ctx.version, status: 'ok' }),
    );

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['meta'],
          summary: 'Public keys that verify access tokens',
          response: {
            200: {
              type: 'object',
              required: ['keys'],
              properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
            },
          },
        },
      },
      async (_request, reply) => reply.header('Cache-Control', 'public, max-age=300').send(ctx.keys.jwks),
    );
  };
}
