/** The session store choice and the Redis connection and pool settings. */
import { bool, hostPortList, int, oneOf, optionalText, secret, text, type Section } from '../declare.js';
import { DEPLOYMENT_ENVS, POOL_PRESETS, perWorkerPoolSize } from '../pool-presets.js';
import type { Reader } from '../reader.js';
import type { RedisConfig } from '../schema.js';
import type { ServerSection } from './server.js';

const STORE = oneOf({
  name: 'STORE',
  allowed: ['memory', 'redis'],
  computed: '`redis` if Redis is configured, else `memory`',
  meaning: 'the session store: `memory` or `redis`',
  details: '; production refuses the memory store unless set explicitly',
});

const REDIS_URL = secret({
  name: 'REDIS_URL',
  what: 'URL file',
  meaning: '`redis://[user:password@]host:port[/db]`, `rediss://` for TLS',
  example: 'redis://127.0.0.1:6379',
});

const REDIS_HOST = text({
  name: 'REDIS_HOST',
  default: '127.0.0.1',
  meaning: 'instead of `REDIS_URL`, piece by piece: the host',
});

const REDIS_PORT = int({ name: 'REDIS_PORT', default: 6379, min: 1, max: 65535, meaning: 'the port' });

const REDIS_USERNAME = optionalText({ name: 'REDIS_USERNAME', meaning: 'the user (Redis ACL)' });

const REDIS_PASSWORD = secret({ name: 'REDIS_PASSWORD', what: 'password file', meaning: 'the password' });

const REDIS_DB = int({ name: 'REDIS_DB', default: 0, min: 0, max: 15, meaning: 'the database number' });

const REDIS_TLS = bool({ name: 'REDIS_TLS', default: false, meaning: 'connect with TLS (as `rediss://`)' });

const REDIS_SENTINELS = hostPortList({
  name: 'REDIS_SENTINELS',
  meaning: '`host:port,host:port` of Sentinels',
});

const REDIS_SENTINEL_NAME = text({
  name: 'REDIS_SENTINEL_NAME',
  default: 'mymaster',
  meaning: 'the master name Sentinels watch',
});

const REDIS_CLUSTER_NODES = hostPortList({
  name: 'REDIS_CLUSTER_NODES',
  meaning: '`host:port,...` seed nodes of a Redis Cluster',
});

const REDIS_POOL_SIZE = int({
  name: 'REDIS_POOL_SIZE',
  computed: `${DEPLOYMENT_ENVS.map((env) => POOL_PRESETS[env].totalConnections).join(' / ')} by environment`,
  min: 1,
  max: 10_000,
  meaning: 'connections for the whole process group; each worker gets its share',
  details: '(see docs/redis-pool.md)',
});

const REDIS_POOL_MODE = oneOf({
  name: 'REDIS_POOL_MODE',
  allowed: ['multiplexed', 'exclusive'],
  default: 'multiplexed',
  meaning: '`multiplexed` (pipelining connections) or `exclusive` (checkout per command)',
});

const REDIS_HEALTH_CHECK_INTERVAL = int({
  name: 'REDIS_HEALTH_CHECK_INTERVAL',
  default: 30,
  min: 1,
  max: 3600,
  meaning: 'seconds between connection health checks',
});

const REDIS_HEALTH_CHECK_TIMEOUT_MS = int({
  name: 'REDIS_HEALTH_CHECK_TIMEOUT_MS',
  default: 1000,
  min: 10,
  max: 60_000,
  meaning: 'timeout of one health check',
});

const REDIS_CONNECT_TIMEOUT_MS = int({
  name: 'REDIS_CONNECT_TIMEOUT_MS',
  default: 5000,
  min: 50,
  max: 120_000,
  meaning: 'connect timeout',
});

const REDIS_COMMAND_TIMEOUT_MS = int({
  name: 'REDIS_COMMAND_TIMEOUT_MS',
  default: 1000,
  min: 10,
  max: 60_000,
  meaning: 'a store call not answered by then fails (503)',
});

const REDIS_ACQUIRE_TIMEOUT_MS = int({
  name: 'REDIS_ACQUIRE_TIMEOUT_MS',
  default: 500,
  min: 1,
  max: 60_000,
  meaning: 'longest wait for a connection',
});

const REDIS_MAX_PENDING = int({
  name: 'REDIS_MAX_PENDING',
  default: 2000,
  min: 0,
  max: 1_000_000,
  meaning: 'bound of the wait queue per process; beyond it callers get 503 at once',
});

export const REDIS: Section = {
  title: 'Session store (Redis)',
  variables: [
    STORE,
    REDIS_URL,
    REDIS_HOST,
    REDIS_PORT,
    REDIS_USERNAME,
    REDIS_PASSWORD,
    REDIS_DB,
    REDIS_TLS,
    REDIS_SENTINELS,
    REDIS_SENTINEL_NAME,
    REDIS_CLUSTER_NODES,
    REDIS_POOL_SIZE,
    REDIS_POOL_MODE,
    REDIS_HEALTH_CHECK_INTERVAL,
    REDIS_HEALTH_CHECK_TIMEOUT_MS,
    REDIS_CONNECT_TIMEOUT_MS,
    REDIS_COMMAND_TIMEOUT_MS,
    REDIS_ACQUIRE_TIMEOUT_MS,
    REDIS_MAX_PENDING,
  ],
};

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
    host: REDIS_HOST.read(r),
    port: REDIS_PORT.read(r),
    username: REDIS_USERNAME.read(r),
    password: REDIS_PASSWORD.read(r),
    db: REDIS_DB.read(r),
    tls: REDIS_TLS.read(r),
  };
  const url = REDIS_URL.read(r);
  if (!url) return endpoint;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    r.issue(REDIS_URL.name, 'is not a valid URL (expected redis://[:password@]host:port[/db])');
    return endpoint;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    r.issue(REDIS_URL.name, `must use redis:// or rediss://, got "${u.protocol}"`);
    return endpoint;
  }
  endpoint.host = u.hostname.replace(/^\[|\]$/g, '') || endpoint.host;
  endpoint.port = u.port ? Number(u.port) : REDIS_PORT.defaultValue;
  if (u.username) endpoint.username = decodeURIComponent(u.username);
  if (u.password) endpoint.password = decodeURIComponent(u.password);
  const dbPart = u.pathname.replace(/^\//, '');
  if (dbPart) {
    if (!/^\d+$/.test(dbPart) || Number(dbPart) > 15) r.issue(REDIS_URL.name, 'database must be 0-15');
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
  const urlSet = REDIS_URL.isSet(r) || r.isSet(`${REDIS_URL.name}_FILE`);
  const sentinels = REDIS_SENTINELS.read(r);
  const clusterNodes = REDIS_CLUSTER_NODES.read(r);
  const sentinelsSet = REDIS_SENTINELS.isSet(r);
  const clusterSet = REDIS_CLUSTER_NODES.isSet(r);
  if ([urlSet, sentinelsSet, clusterSet].filter(Boolean).length > 1) {
    r.issue(REDIS_URL.name, 'set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES');
  }
  const redisConfigured = urlSet || REDIS_HOST.isSet(r) || sentinelsSet || clusterSet;
  const store = STORE.read(r, redisConfigured ? 'redis' : 'memory');
  if (store === 'memory' && server.production && STORE.raw(r) !== 'memory') {
    r.issue(
      STORE.name,
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
  const poolSizeTotal = REDIS_POOL_SIZE.read(r, preset.totalConnections);
  const redis: RedisConfig = {
    mode: sentinelsSet ? 'sentinel' : clusterSet ? 'cluster' : 'standalone',
    ...readEndpoint(r),
    sentinels,
    sentinelName: REDIS_SENTINEL_NAME.read(r),
    clusterNodes,
    poolSize: perWorkerPoolSize(poolSizeTotal, server.workers),
    poolSizeTotal,
    poolMode: REDIS_POOL_MODE.read(r),
    healthCheckIntervalMs: REDIS_HEALTH_CHECK_INTERVAL.read(r) * 1000,
    healthCheckTimeoutMs: REDIS_HEALTH_CHECK_TIMEOUT_MS.read(r),
    connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS.read(r),
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS.read(r),
    acquireTimeoutMs: REDIS_ACQUIRE_TIMEOUT_MS.read(r),
    maxPending: REDIS_MAX_PENDING.read(r),
  };
  return { store, redis };
}
