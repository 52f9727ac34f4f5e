/**
 * A complete small resource server protected by tollgate: `GET /orders` answers only
 * while the caller's tollgate session is alive; `GET /health` is public.
 *
 * Run it (after `npm run build`):
 *
 *   TOLLGATE_URL=http://127.0.0.1:3000 TOLLGATE_AUDIENCE=orders-api \
 *   VERIFY_MODE=introspect INTROSPECTION_CLIENT_ID=orders-api INTROSPECTION_CLIENT_SECRET=… \
 *   node --import tsx packages/verify/examples/orders-service.ts
 *
 * or with `VERIFY_MODE=redis REDIS_URL=redis://…` (tollgate's own Redis).
 * `startOrdersService(config)` starts the same service in-process.
 */
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { createClient } from 'redis';
import tollgate from '@tollgate/verify/fastify';
import type { VerifierOptions } from '@tollgate/verify';

export interface OrdersServiceConfig {
  port: number;
  host: string;
  /** tollgate's base URL. */
  tollgateUrl: string;
  /** tollgate's TOKEN_ISSUER. */
  issuer: string;
  /** tollgate's TOKEN_AUDIENCE. */
  audience: string;
  mode: 'introspect' | 'redis';
  clientId?: string;
  clientSecret?: string;
  redisUrl?: string;
  keyPrefix?: string;
  logLevel: string;
}

/** Reads the configuration from environment variables; throws naming what is missing. */
export function configFromEnv(env: NodeJS.ProcessEnv): OrdersServiceConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is required`);
    return v;
  };
  const mode = need('VERIFY_MODE');
  if (mode !== 'introspect' && mode !== 'redis') throw new Error('VERIFY_MODE must be introspect or redis');
  return {
    port: Number(env.PORT ?? 3001),
    host: env.HOST ?? '127.0.0.1',
    tollgateUrl: need('TOLLGATE_URL'),
    // tollgate's issuer is its PUBLIC_URL; without one it is the address it serves on.
    issuer: env.TOLLGATE_ISSUER ?? need('TOLLGATE_URL'),
    audience: need('TOLLGATE_AUDIENCE'),
    mode,
    ...(mode === 'introspect'
      ? { clientId: need('INTROSPECTION_CLIENT_ID'), clientSecret: need('INTROSPECTION_CLIENT_SECRET') }
      : { redisUrl: need('REDIS_URL'), keyPrefix: env.TOLLGATE_KEY_PREFIX ?? 'tg:' }),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

export interface OrdersService {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function startOrdersService(config: OrdersServiceConfig): Promise<OrdersService> {
  const app = Fastify({ logger: { level: config.logLevel } });

  let session: VerifierOptions['session'];
  let redis: ReturnType<typeof createClient> | undefined;
  if (config.mode === 'redis') {
    redis = createClient({ url: config.redisUrl, maintNotifications: 'disabled' });
    redis.on('error', (err: Error) => app.log.warn({ err: err.message }, 'redis connection error'));
    await redis.connect();
    app.addHook('onClose', async () => {
      redis?.destroy();
    });
    session = { mode: 'redis', client: redis, keyPrefix: config.keyPrefix ?? 'tg:' };
  } else {
    session = { mode: 'introspect', clientId: config.clientId!, clientSecret: config.clientSecret! };
  }

  await app.register(tollgate, {
    baseUrl: config.tollgateUrl,
    issuer: config.issuer,
    audience: config.audience,
    session,
  });

  // Protected: only a live tollgate session gets through; its claims are in request.auth.
  app.get('/orders', { onRequest: app.tollgate.authenticate }, async (request) => {
    const { sub, email } = request.auth!;
    return { user: sub, email: email ?? null, orders: [] };
  });

  // Public.
  app.get('/health', async () => ({ status: 'ok', mode: config.mode }));

  try {
    const url = await app.listen({ port: config.port, host: config.host });
    app.log.info({ url, mode: config.mode }, 'orders service listening');
    return { app, url, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}

// Started as a program (not imported): configure from the environment, stop on signals.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const service = await startOrdersService(configFromEnv(process.env));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
