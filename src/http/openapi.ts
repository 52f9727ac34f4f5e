/** The OpenAPI 3 document (`/openapi.json`) and its UI (`/docs`), built from the route schemas. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tollgate',
        version,
        description:
          'Session-bound JWT authentication service. Errors are `{error, message}` with stable codes.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          opsToken: { type: 'http', scheme: 'bearer', description: 'OPS_TOKEN' },
          clientBasic: {
            type: 'http',
            scheme: 'basic',
            description: 'a client of INTROSPECTION_CLIENTS: id and secret, each form-urlencoded first',
          },
          refreshCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'tollgate_refresh',
            description: 'REFRESH_COOKIE=on: the refresh token, httpOnly, Path=/auth',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}

/** Serves the document; registered after every route so that it lists them all. */
export function serveOpenApiDocument(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
