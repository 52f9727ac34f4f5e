/**
 * The OpenAPI 3 document (`/openapi.json`), built from the route schemas, and its UI
 * (`/docs`, when DOCS is on: by default everywhere but production).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { DOCS_FAVICON_SVG, DOCS_LOGO_SVG, DOCS_TITLE } from './docs-branding.js';
import { polishOpenApi } from './openapi-polish.js';

/** Builds the document from the route schemas; `withUi` also serves Swagger UI at /docs. */
export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  withUi: boolean,
  serverUrl: string,
): Promise<void> {
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
    transformObject: (document) =>
      'openapiObject' in document
        ? polishOpenApi(document.openapiObject as Record<string, unknown>, { serverUrl })
        : document.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  if (withUi) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      theme: {
        title: DOCS_TITLE,
        favicon: [
          {
            filename: 'favicon.svg',
            rel: 'icon',
            type: 'image/svg+xml',
            sizes: 'any',
            content: DOCS_FAVICON_SVG,
          },
        ],
      },
      logo: { type: 'image/svg+xml', content: DOCS_LOGO_SVG, href: '/docs', target: '_self' },
    });
  }
}

/** Serves the document; registered after every route so that it lists them all. */
export function serveOpenApiDocument(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
