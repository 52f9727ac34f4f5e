/** The session store choice and the Redis connection and pool settings. */
import { POOL_PRESETS, perWorkerPoolSize } from '../pool-presets.js';
import type { Reader } from '../reader.js';
import type { PoolMode, RedisConfig } from '../schema.js';
import type { ServerSection } from './server.js';

interface Endpoint {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: boolean;
}

/** REDIS_URL over the piecewise REDIS_HOST, REDIS_PORT ... variables. */
function readEndpoint(r: Reader): Endpoint {
  const endpoint: Endpoint = {
    host: r.string('REDIS_HOST', '127.0.0.1'),
    port: r.int('REDIS_PORT', 6379, 1, 65535),
    username: r.optional('REDIS_USERNAME'),
    password: r.secret('REDIS_PASSWORD', 'password file'),
    db: r.int('REDIS_DB', 0, 0, 15),
    tls: r.bool('REDIS_TLS', false),
  };
  const url = r.secret('REDIS_URL', 'URL file');
  if (!url) return endpoint;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    r.issue('REDIS_URL', 'is not a valid URL (expected redis://[:password@]host:port[/db])');
    return endpoint;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    r.issue('REDIS_URL', `must use redis:// or rediss://, got "${u.protocol}"`);
    return endpoint;
  }
  endpoint.host = u.hostname.replace(/^\[|\]$/g, '') || endpoint.host;
  endpoint.port = u.port ? Number(u.port) : 6379;
  if (u.username) endpoint.username = decodeURIComponent(u.username);
  if (u.password) endpoint.password = decodeURIComponent(u.password);
  const dbPart = u.pathname.replace(/^\//, '');
  if (dbPart) {
    if (!/^\d+$/.test(dbPart) || Number(dbPart) > 15) r.issue('REDIS_URL', 'database must be 0-15');
    else endpoint.db = Number(dbPart);
  }
  if (u.protocol === 'rediss:') endpoint.tls = true;
  return endpoint;
}

export interface StoreSection {
  store: 'memory' | 'redis';
  redis: RedisConfig;
}

export function readStore(r: Reader, server: ServerSection): StoreSection {
  const urlSet = r.isSet('REDIS_URL') || r.isSet('REDIS_URL_FILE');
  const sentinels = r.hostPortList('REDIS_SENTINELS');
  const clusterNodes = r.hostPortList('REDIS_CLUSTER_NODES');
  const sentinelsSet = r.isSet('REDIS_SENTINELS');
  const clusterSet = r.isSet('REDIS_CLUSTER_NODES');
  if ([urlSet, sentinelsSet, clusterSet].filter(Boolean).length > 1) {
    r.issue('REDIS_URL', 'set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES');
  }
  const redisConfigured = urlSet || r.isSet('REDIS_HOST') || sentinelsSet || clusterSet;
  const store = r.oneOf('STORE', ['memory', 'redis'] as const, redisConfigured ? 'redis' : 'memory');
  if (store === 'memory' && server.production && r.raw('STORE') !== 'memory') {
    r.issue(
      'STORE',
      'production needs Redis (set REDIS_URL); set STORE=memory explicitly to run on the memory store',
    );
  }
  if (store === 'memory' && server.workers > 1) {
    r.issue(
      'WORKERS',
      `the memory store keeps state inside one process, so it cannot be shared by ${server.workers} workers. ` +
        'Configure Redis (REDIS_URL) or set WORKERS=1',
    );
  }

  const preset = POOL_PRESETS[server.deploymentEnv];
  const poolSizeTotal = r.int('REDIS_POOL_SIZE', preset.totalConnections, 1, 10_000);
  const redis: RedisConfig = {
    mode: sentinelsSet ? 'sentinel' : clusterSet ? 'cluster' : 'standalone',
    ...readEndpoint(r),
    sentinels,
    sentinelName: r.string('REDIS_SENTINEL_NAME', 'mymaster'),
    clusterNodes,
    poolSize: perWorkerPoolSize(poolSizeTotal, server.workers),
    poolSizeTotal,
    poolMode: r.oneOf<PoolMode>('REDIS_POOL_MODE', ['multiplexed', 'exclusive'], 'multiplexed'),
    healthCheckIntervalMs: r.int('REDIS_HEALTH_CHECK_INTERVAL', 30, 1, 3600) * 1000,
    healthCheckTimeoutMs: r.int('REDIS_HEALTH_CHECK_TIMEOUT_MS', 1000, 10, 60_000),
    connectTimeoutMs: r.int('REDIS_CONNECT_TIMEOUT_MS', 5000, 50, 120_000),
    commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 10, 60_000),
    acquireTimeoutMs: r.int('REDIS_ACQUIRE_TIMEOUT_MS', 500, 1, 60_000),
    maxPending: r.int('REDIS_MAX_PENDING', 2000, 0, 1_000_000),
  };
  return { store, redis };
}
