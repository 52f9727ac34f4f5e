/**
 * One serving process: builds the store (Redis pool or memory), the keys and the app,
 * listens, and closes everything in order. Used directly for WORKERS=1 and by each
 * cluster worker.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { buildKeySet, ensureDevelopmentKey, type KeySet } from './auth/keys.js';
import { prepareDecoy } from './auth/passwords.js';
import type { GroupBridge } from './cluster/bridge.js';
import type { Config } from './config/schema.js';
import { createMetrics, type AppMetrics } from './metrics/registry.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { createPool } from './redis/index.js';
import type { RedisPool } from './redis/types.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { Store } from './store/store.js';

export interface Dependencies {
  store: Store;
  pool: RedisPool | undefined;
  keys: KeySet;
}

export async function loadKeys(config: Config, logger?: Logger): Promise<KeySet> {
  let pem = config.jwt.privateKeyPem;
  if (!pem) {
    const dev = ensureDevelopmentKey(config.varDir);
    if (dev.created)
      logger?.warn(
        { dir: config.varDir },
        'generated a development signing key (set JWT_PRIVATE_KEY in production)',
      );
    pem = dev.pem;
  }
  return buildKeySet(pem, config.jwt.extraPublicKeysPem);
}

export async function createStore(
  config: Config,
  logger?: Logger,
): Promise<{ store: Store; pool: RedisPool | undefined }> {
  if (config.store === 'memory') {
    logger?.warn(
      'using the embedded memory store: state lives in this process only (set REDIS_URL for Redis, required for WORKERS > 1)',
    );
    return { store: new MemoryStore(), pool: undefined };
  }
  const pool = createPool(config.redis, { logger, name: 'store' });
  try {
    await pool.connect();
  } catch (err) {
    await pool.close().catch(() => undefined);
    throw err;
  }
  const where =
    config.redis.mode === 'standalone'
      ? `${config.redis.host}:${config.redis.port}/${config.redis.db}`
      : `${config.redis.mode} (${(config.redis.mode === 'sentinel' ? config.redis.sentinels : config.redis.clusterNodes).length} nodes)`;
  logger?.info(
    { redis: where, pool_size: config.redis.poolSize, mode: config.redis.poolMode },
    'connected to Redis',
  );
  return { store: new RedisStore(pool, pool), pool };
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  port: number;
  metrics: AppMetrics;
  deps: Dependencies;
  /** Stops accepting, lets in-flight requests finish (bounded by the grace period), closes the store. */
  close(): Promise<void>;
}

/** Drains the server, then exits the process: 0 when closed cleanly, 1 otherwise. */
export function closeAndExit(server: RunningServer, logger: Logger, what: string): void {
  server.close().then(
    () => {
      logger.info(`${what} stopped`);
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err: { message: (err as Error).message } }, `error while stopping the ${what}`);
      process.exit(1);
    },
  );
}

export interface StartOptions {
  logger?: Logger;
  group?: GroupBridge;
  metrics?: AppMetrics;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger;
  const metrics = options.metrics ?? createMetrics();
  const keys = await loadKeys(config, logger);
  const { store, pool } = await createStore(config, logger);
  if (pool) registerPoolMetrics(metrics.registry, () => pool.stats());
  await prepareDecoy();
  const deps: Dependencies = { store, pool, keys };
  const app = await buildApp(config, { ...deps, metrics, group: options.group, logger: logger ?? false });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    metrics,
    deps,
    close() {
      closing ??= (async () => {
        const force = setTimeout(() => {
          logger?.warn(
            { grace_ms: config.shutdownGraceMs },
            'grace period over: closing remaining connections',
          );
          app.server.closeAllConnections();
        }, config.shutdownGraceMs);
        force.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(force);
          await store.close();
        }
      })();
      return closing;
    },
  };
}
