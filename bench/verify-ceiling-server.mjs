/**
 * The ceiling of any session check in Redis: a Fastify hello-world that asks Redis once
 * (`EXISTS`) per request, with the same node-redis client kind as tollgate's pool
 * (standalone, Sentinel or Cluster) and the same number of workers (node:cluster).
 * node-redis runs at its fastest: RESP2 and no per-command timeout (`timeout: 0`), so
 * nothing in this server is a cost tollgate could still drop.
 *
 * It speaks just enough of tollgate's API for `tollgate loadtest --scenario verify`:
 * `POST /auth/register` (201), `POST /auth/login` (a token pair), `GET /api/protected`
 * (401 without a Bearer token, else EXISTS on one of 64 session keys set at start, the
 * same JSON shape as tollgate's answer) and `GET /health`.
 *
 * Run by bench/verify-ceiling.ts: `node bench/verify-ceiling-server.mjs` with
 * PORT, WORKERS and CEILING_REDIS (JSON: {mode: 'standalone', url} |
 * {mode: 'sentinel', name, sentinels: [{host, port}]} | {mode: 'cluster', nodes: [{host, port}]}).
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';
import { createClient, createCluster, createSentinel } from 'redis';

const PORT = Number(process.env.PORT);
const WORKERS = Number(process.env.WORKERS ?? 1);
const TARGET = JSON.parse(
  process.env.CEILING_REDIS ?? '{"mode":"standalone","url":"redis://127.0.0.1:6379"}',
);
const KEYS = Array.from({ length: 64 }, (_, i) => `tg:sess:{ceiling-${i}}:s`);
const FAST = { timeout: 0 };

function redisClient() {
  if (TARGET.mode === 'sentinel') {
    return createSentinel({
      name: TARGET.name,
      sentinelRootNodes: TARGET.sentinels,
      RESP: 2,
      masterPoolSize: 1,
      commandOptions: FAST,
    });
  }
  if (TARGET.mode === 'cluster') {
    return createCluster({
      rootNodes: TARGET.nodes.map((n) => ({ socket: n })),
      RESP: 2,
      useReplicas: false,
      commandOptions: FAST,
    });
  }
  return createClient({ url: TARGET.url, RESP: 2, commandOptions: FAST });
}

async function worker() {
  const redis = redisClient();
  redis.on('error', () => undefined);
  await redis.connect();
  await Promise.all(KEYS.map((k) => redis.set(k, '1')));
  const app = Fastify({ logger: false });
  let next = 0;
  app.get(
    '/api/protected',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              message: { type: 'string' },
              user: { type: 'string' },
              timestamp: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const auth = request.headers.authorization;
      if (!auth || !auth.startsWith('Bearer ')) return reply.code(401).send({ error: 'invalid_token' });
      next = (next + 1) & 63;
      if ((await redis.exists(KEYS[next])) !== 1) return reply.code(401).send({ error: 'invalid_token' });
      return { message: 'Access granted', user: 'ceiling@example.test', timestamp: new Date().toISOString() };
    },
  );
  app.post('/auth/register', async (_request, reply) => reply.code(201).send({ status: 'registered' }));
  app.post('/auth/login', async () => ({
    access_token: `ceiling.${Math.random().toString(36).slice(2)}.token`,
    refresh_token: 'ceiling-refresh',
    token_type: 'Bearer',
    expires_in: 900,
  }));
  app.get('/health', async () => ({ status: 'ok' }));
  await app.listen({ port: PORT, host: '127.0.0.1' });
  process.send?.('listening');
  const stop = async () => {
    await app.close();
    await redis.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
}

if (WORKERS > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < WORKERS; i++) {
    cluster.fork().on('message', (m) => {
      if (m === 'listening' && ++listening === WORKERS) console.log(`ceiling listening on ${PORT}`);
    });
  }
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  await worker();
  if (!cluster.isWorker) console.log(`ceiling listening on ${PORT}`);
}
