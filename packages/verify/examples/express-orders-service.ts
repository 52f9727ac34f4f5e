/**
 * The same orders service on Express: `GET /orders` only while the caller's tollgate
 * session is alive. Configured by the same environment variables as orders-service.ts:
 *
 *   node --import tsx packages/verify/examples/express-orders-service.ts
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { createClient } from 'redis';
import { tollgateAuth } from '@tollgate/verify/express';
import { UnavailableError, type VerifierOptions } from '@tollgate/verify';
import { configFromEnv, type OrdersServiceConfig } from './orders-service.js';

export async function startExpressOrdersService(
  config: OrdersServiceConfig,
): Promise<{ url: string; close(): Promise<void> }> {
  let session: VerifierOptions['session'];
  let redis: ReturnType<typeof createClient> | undefined;
  if (config.mode === 'redis') {
    redis = createClient({ url: config.redisUrl, maintNotifications: 'disabled' });
    redis.on('error', (err: Error) => console.warn('redis connection error:', err.message));
    await redis.connect();
    session = { mode: 'redis', client: redis, keyPrefix: config.keyPrefix ?? 'tg:' };
  } else {
    session = { mode: 'introspect', clientId: config.clientId!, clientSecret: config.clientSecret! };
  }

  const auth = tollgateAuth(
    { baseUrl: config.tollgateUrl, issuer: config.issuer, audience: config.audience, session },
    {
      // 503s mean tollgate or its Redis did not answer in time: worth a log line.
      onRefused: (err) => {
        if (err instanceof UnavailableError) console.warn(`request refused: ${err.code} (${err.reason})`);
      },
    },
  );

  const app = express();
  app.get('/orders', auth, (req, res) => {
    res.json({ user: req.auth!.sub, email: req.auth!.email ?? null, orders: [] });
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', mode: config.mode });
  });

  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
      redis?.destroy();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const service = await startExpressOrdersService(configFromEnv(process.env));
  console.log(`orders service (express) listening on ${service.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
