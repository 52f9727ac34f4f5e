/**
 * buildApp(config, deps) → a Fastify instance with every route, never listening.
 * Tests use `inject` or `listen({ port: 0 })`; src/server.ts wires real dependencies.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AuthService } from './auth/service.js';
import type { KeySet } from './auth/keys.js';
import type { GroupBridge } from './cluster/bridge.js';
import { localBridge } from './cluster/local-bridge.js';
import type { Config } from './config/schema.js';
import type { AppContext } from './http/context.js';
import { installErrorHandling } from './http/error-handler.js';
import { authRoutes } from './http/routes/auth.js';
import { healthRoutes } from './http/routes/health.js';
import { metaRoutes } from './http/routes/meta.js';
import { opsRoutes } from './http/routes/ops.js';
import { protectedRoutes } from './http/routes/protected.js';
import { errorBody } from './http/schemas.js';
import { createMetrics, type AppMetrics } from './metrics/registry.js';
import type { RedisPool } from './redis/types.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

export interface AppDeps {
  store: Store;
  keys: KeySet;
  pool?: RedisPool;
  metrics?: AppMetrics;
  group?: GroupBridge;
  /** The process logger (pino); none in tests. */
  logger?: FastifyBaseLogger | false;
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // One log line per request costs the hot path; per-request logs only at debug/trace.
    logController: new LogController({
      disableRequestLogging: !deps.logger || !['debug', 'trace'].includes(deps.logger.level),
    }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Draining answers use our own 503 shape (below), not Fastify's.
    return503OnClosing: false,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.decorateRequest('claims', undefined);

  const auth = new AuthService({
    config,
    store: deps.store,
    keys: deps.keys,
    onEvent: (event) => metrics.authEvents.inc({ event }),
  });
  const ctx: AppContext = {
    config,
    auth,
    store: deps.store,
    keys: deps.keys,
    pool: deps.pool,
    group: deps.group ?? localBridge(metrics.registry, () => deps.pool?.stats()),
    metrics,
    version: VERSION,
  };

  installErrorHandling(app, (reason) => metrics.storeUnavailable.inc({ reason }));

  // While draining, requests that still arrive on open connections get the catalogue's
  // 503 with Retry-After and are told to reconnect (to another worker or instance).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply
      .code(503)
      .header('Retry-After', '1')
      .header('Connection', 'close')
      .send({ error: 'unavailable', message: 'The server is shutting down; retry shortly' });
  });
  app.addSchema(errorBody);

  // Strict JSON: only application/json bodies; anything else is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tollgate',
        version: VERSION,
        description:
          'Session-bound JWT authentication service. Errors are `{error, message}` with stable codes.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          opsToken: { type: 'http', scheme: 'bearer', description: 'OPS_TOKEN' },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(metaRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(protectedRoutes(ctx));
  await app.register(healthRoutes(ctx));
  await app.register(opsRoutes(ctx));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}
