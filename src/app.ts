/**
 * buildApp(config, services) → a Fastify instance with every route, never listening.
 * The composition root (src/compose.ts) builds the services; tests use `inject`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { KeySet } from './auth/keys.js';
import type { Database } from './persistence/directory/database.js';
import type { UserDirectory } from './persistence/directory/user-directory.js';
import type { FlowDeps } from './flows/deps.js';
import type { Config } from './config/schema.js';
import type { GroupBridge } from './group/bridge.js';
import type { AppContext } from './http/context.js';
import { registerCors } from './http/cors.js';
import { clientErrorHandler, frameworkErrors, installExpectationHandling } from './http/client-errors.js';
import { installDraining } from './http/draining.js';
import { installErrorHandling } from './http/error-handler.js';
import { registerOpenApi, serveOpenApiDocument } from './http/openapi.js';
import { accountRoutes } from './http/routes/account.js';
import { accountFlowRoutes } from './http/routes/account-flows.js';
import { credentialRoutes } from './http/routes/credentials.js';
import { adminRoutes } from './http/routes/admin.js';
import {
  installRequestIdEcho,
  REQUEST_ID_LOG_LABEL,
  requestIdFor,
  withRequestId,
} from './http/request-id.js';
import { authRoutes } from './http/routes/auth.js';
import { healthRoutes } from './http/routes/health.js';
import { metaRoutes } from './http/routes/meta.js';
import { oauthRoutes } from './http/routes/oauth.js';
import { passkeyRoutes } from './http/routes/passkeys.js';
import { opsRoutes } from './http/routes/ops.js';
import { protectedRoutes } from './http/routes/protected.js';
import { fastifyTrustProxy } from './http/trust-proxy.js';
import { errorBody } from './http/schemas/common.js';
import type { AppMetrics } from './metrics/registry.js';
import type { RedisPool } from './redis/types.js';
import type { Store } from './store/store.js';
import { lazyChildLoggerFactory } from './logger.js';
import { VERSION } from './version.js';

export interface AppServices {
  /** What the flows run on (src/flows/deps.ts), built by the composition root. */
  deps: FlowDeps;
  store: Store;
  /** The accounts database. */
  directory: UserDirectory;
  /** The SQL database under the directory: the stores of the other account tables use it. */
  database: Database;
  keys: KeySet;
  /** Present when the store is Redis. */
  pool: RedisPool | undefined;
  metrics: AppMetrics;
  group: GroupBridge;
  /** The process logger (pino); none in tests. */
  logger?: FastifyBaseLogger | false;
}

export async function buildApp(config: Config, services: AppServices): Promise<FastifyInstance> {
  const { metrics, logger } = services;
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // A request's child logger is made on its first line at an enabled level (src/logger.ts).
    ...(logger ? { childLoggerFactory: lazyChildLoggerFactory as never } : {}),
    // One log line per request costs the hot path; per-request logs only at debug/trace.
    logController: new LogController({
      disableRequestLogging: !logger || !['debug', 'trace'].includes(logger.level),
      requestIdLogLabel: REQUEST_ID_LOG_LABEL,
    }),
    // X-Request-Id: the client's (validated) or a new one; echoed and logged (src/http/request-id.ts).
    genReqId: requestIdFor,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Draining answers use the catalogue's 503 (src/http/draining.ts), not Fastify's.
    return503OnClosing: false,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    clientErrorHandler,
    frameworkErrors: withRequestId(frameworkErrors),
  });
  app.decorateRequest('claims', undefined);

  const ctx: AppContext = { config, ...services, version: VERSION };

  installRequestIdEcho(app);
  installErrorHandling(app, {
    onUnavailable: (err) => metrics.dependencies.unavailable(err),
  });
  installDraining(app);
  installExpectationHandling(app);
  app.addSchema(errorBody);

  // Strict JSON: only application/json bodies; anything else is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.addHook('onResponse', (request, reply, done) => {
    metrics.http.observe(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  await registerOpenApi(app, VERSION, config.docs, config.publicUrl);
  await registerCors(app, config.corsOrigins);
  await app.register(metaRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(oauthRoutes(ctx));
  await app.register(protectedRoutes(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(accountFlowRoutes(ctx));
  await app.register(credentialRoutes(ctx));
  await app.register(passkeyRoutes(ctx));
  await app.register(adminRoutes(ctx));
  await app.register(healthRoutes(ctx));
  await app.register(opsRoutes(ctx));
  serveOpenApiDocument(app);

  return app;
}
