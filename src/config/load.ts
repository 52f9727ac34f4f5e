/**
 * The only module that reads the environment. `loadConfig` merges `.env` and
 * `.env.<DEPLOYMENT_ENV>` (real environment wins), validates every value once and
 * returns a deeply frozen Config. A bad value throws ConfigError naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { POOL_PRESETS, perWorkerPoolSize, type DeploymentEnv } from './pool-presets.js';
import type { Config, HostPort, LogLevel, PoolMode, RedisConfig } from './schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

const DEPLOYMENT_ENVS = ['development', 'staging', 'production'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads `.env` then `.env.<env>` from `cwd`; later files and the real env win. */
export function readEnvFiles(realEnv: Env, cwd: string): Env {
  const fromFile = (name: string): Record<string, string> => {
    const path = resolve(cwd, name);
    return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
  };
  const base = fromFile('.env');
  const envName = realEnv.DEPLOYMENT_ENV ?? base.DEPLOYMENT_ENV ?? 'development';
  const specific = DEPLOYMENT_ENVS.includes(envName as DeploymentEnv) ? fromFile(`.env.${envName}`) : {};
  return { ...base, ...specific, ...realEnv };
}

class Reader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be a whole number, got "${v}"`);
    const n = Number(v);
    if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(l)) return true;
    if (['0', 'false', 'no', 'off'].includes(l)) return false;
    throw new ConfigError(name, `must be true or false, got "${v}"`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T))
      throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
    return v as T;
  }
}

function parseHostPortList(name: string, value: string): HostPort[] {
  return value.split(',').map((part) => {
    const p = part.trim();
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(p);
    if (!m) throw new ConfigError(name, `expected a comma-separated list of host:port, got "${p}"`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new ConfigError(name, `port out of range in "${p}"`);
    return { host: m[1]!, port };
  });
}

function readPem(r: Reader, name: string, fileName: string, cwd: string): string | undefined {
  const inline = r.optional(name);
  const file = r.optional(fileName);
  if (inline && file) throw new ConfigError(name, `set either ${name} or ${fileName}, not both`);
  if (inline) return inline.replace(/\\n/g, '\n');
  if (file) {
    const path = resolve(cwd, file);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new ConfigError(fileName, `cannot read the key file "${file}"`);
    }
  }
  return undefined;
}

export interface LoadOptions {
  cwd?: string;
  /** Skip .env files (tests). */
  skipEnvFiles?: boolean;
}

export function loadConfig(realEnv: Env = process.env, options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.skipEnvFiles ? realEnv : readEnvFiles(realEnv, cwd);
  const r = new Reader(env);

  const deploymentEnv = r.oneOf('DEPLOYMENT_ENV', DEPLOYMENT_ENVS, 'development');
  const production = deploymentEnv === 'production';
  const preset = POOL_PRESETS[deploymentEnv];

  const workersRaw = r.raw('WORKERS');
  let workers: number;
  if (workersRaw === undefined) workers = preset.workers;
  else if (workersRaw.toLowerCase() === 'auto') workers = availableParallelism();
  else workers = r.int('WORKERS', preset.workers, 1, 256);

  // --- Redis -------------------------------------------------------------------
  const redisUrl = r.optional('REDIS_URL');
  const sentinelsRaw = r.optional('REDIS_SENTINELS');
  const clusterRaw = r.optional('REDIS_CLUSTER_NODES');
  const redisConfigured = Boolean(redisUrl || r.optional('REDIS_HOST') || sentinelsRaw || clusterRaw);
  if ([redisUrl, sentinelsRaw, clusterRaw].filter(Boolean).length > 1) {
    throw new ConfigError('REDIS_URL', 'set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES');
  }

  let host = r.string('REDIS_HOST', '127.0.0.1');
  let port = r.int('REDIS_PORT', 6379, 1, 65535);
  let username = r.optional('REDIS_USERNAME');
  let password = r.optional('REDIS_PASSWORD');
  let db = r.int('REDIS_DB', 0, 0, 15);
  let tls = r.bool('REDIS_TLS', false);
  if (redisUrl) {
    let u: URL;
    try {
      u = new URL(redisUrl);
    } catch {
      throw new ConfigError('REDIS_URL', 'is not a valid URL (expected redis://[:password@]host:port[/db])');
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
      throw new ConfigError('REDIS_URL', `must use redis:// or rediss://, got "${u.protocol}"`);
    }
    host = u.hostname.replace(/^\[|\]$/g, '') || host;
    port = u.port ? Number(u.port) : 6379;
    if (u.username) username = decodeURIComponent(u.username);
    if (u.password) password = decodeURIComponent(u.password);
    const dbPart = u.pathname.replace(/^\//, '');
    if (dbPart) {
      if (!/^\d+$/.test(dbPart) || Number(dbPart) > 15)
        throw new ConfigError('REDIS_URL', 'database must be 0-15');
      db = Number(dbPart);
    }
    if (u.protocol === 'rediss:') tls = true;
  }

  const storeDefault = redisConfigured ? 'redis' : 'memory';
  const store = r.oneOf('STORE', ['memory', 'redis'] as const, storeDefault);
  if (store === 'memory' && production && r.raw('STORE') !== 'memory') {
    throw new ConfigError(
      'STORE',
      'production needs Redis (set REDIS_URL); set STORE=memory explicitly to run on the memory store',
    );
  }
  if (store === 'memory' && workers > 1) {
    throw new ConfigError(
      'WORKERS',
      `the memory store keeps state inside one process, so it cannot be shared by ${workers} workers ` +
        '(per-process state made the old system fail 43.85 % of requests). Configure Redis (REDIS_URL) or set WORKERS=1',
    );
  }

  const poolSizeTotal = r.int('REDIS_POOL_SIZE', preset.totalConnections, 1, 10_000);
  const redis: RedisConfig = {
    mode: sentinelsRaw ? 'sentinel' : clusterRaw ? 'cluster' : 'standalone',
    host,
    port,
    username,
    password,
    db,
    tls,
    sentinels: sentinelsRaw ? parseHostPortList('REDIS_SENTINELS', sentinelsRaw) : [],
    sentinelName: r.string('REDIS_SENTINEL_NAME', 'mymaster'),
    clusterNodes: clusterRaw ? parseHostPortList('REDIS_CLUSTER_NODES', clusterRaw) : [],
    poolSize: perWorkerPoolSize(poolSizeTotal, workers),
    poolSizeTotal,
    poolMode: r.oneOf<PoolMode>('REDIS_POOL_MODE', ['multiplexed', 'exclusive'], 'multiplexed'),
    healthCheckIntervalMs: r.int('REDIS_HEALTH_CHECK_INTERVAL', 30, 1, 3600) * 1000,
    healthCheckTimeoutMs: r.int('REDIS_HEALTH_CHECK_TIMEOUT_MS', 1000, 10, 60_000),
    connectTimeoutMs: r.int('REDIS_CONNECT_TIMEOUT_MS', 5000, 50, 120_000),
    commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 10, 60_000),
    acquireTimeoutMs: r.int('REDIS_ACQUIRE_TIMEOUT_MS', 500, 1, 60_000),
    maxPending: r.int('REDIS_MAX_PENDING', 2000, 0, 1_000_000),
  };

  // --- Tokens ------------------------------------------------------------------
  const privateKeyPem = readPem(r, 'JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE', cwd);
  if (production && !privateKeyPem) {
    throw new ConfigError(
      'JWT_PRIVATE_KEY',
      'production requires a signing key: set JWT_PRIVATE_KEY (PEM) or JWT_PRIVATE_KEY_FILE (generate one with `tollgate keys generate`)',
    );
  }
  if (privateKeyPem && !privateKeyPem.includes('PRIVATE KEY')) {
    throw new ConfigError(
      'JWT_PRIVATE_KEY',
      'must be a PEM-encoded private key (PKCS#8, as `tollgate keys generate` prints)',
    );
  }
  const extraPublic = readPem(r, 'JWT_PUBLIC_KEYS', 'JWT_PUBLIC_KEYS_FILE', cwd);
  const extraPublicKeysPem = extraPublic
    ? (extraPublic.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [])
    : [];
  if (extraPublic && extraPublicKeysPem.length === 0) {
    throw new ConfigError('JWT_PUBLIC_KEYS', 'must contain one or more PEM public keys');
  }
  const accessTokenTtl = r.int('ACCESS_TOKEN_TTL', 900, 10, 86_400);
  const refreshTokenTtl = r.int('REFRESH_TOKEN_TTL', 7 * 86_400, 60, 365 * 86_400);
  if (refreshTokenTtl < accessTokenTtl) {
    throw new ConfigError('REFRESH_TOKEN_TTL', `must be at least ACCESS_TOKEN_TTL (${accessTokenTtl})`);
  }

  // --- Ops ---------------------------------------------------------------------
  const opsToken = r.optional('OPS_TOKEN');
  if (production && !opsToken) {
    throw new ConfigError(
      'OPS_TOKEN',
      'production requires OPS_TOKEN to protect /health/redis, /redis/stats and /metrics',
    );
  }
  if (opsToken && opsToken.length < 16) throw new ConfigError('OPS_TOKEN', 'must be at least 16 characters');

  const trustProxyRaw = r.optional('TRUST_PROXY');
  let trustProxy: boolean | string = false;
  if (trustProxyRaw !== undefined) {
    const l = trustProxyRaw.toLowerCase();
    trustProxy = ['1', 'true', 'yes', 'on'].includes(l)
      ? true
      : ['0', 'false', 'no', 'off'].includes(l)
        ? false
        : trustProxyRaw;
  }

  const passwordMinLength = r.int('PASSWORD_MIN_LENGTH', 8, 1, 128);
  const passwordMaxLength = r.int('PASSWORD_MAX_LENGTH', 128, 8, 1024);
  if (passwordMaxLength < passwordMinLength) {
    throw new ConfigError('PASSWORD_MAX_LENGTH', 'must be at least PASSWORD_MIN_LENGTH');
  }

  const config: Config = {
    deploymentEnv,
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
    port: r.int('PORT', 8000, 0, 65535),
    workers,
    store,
    redis,
    trustProxy,
    jwt: {
      privateKeyPem,
      extraPublicKeysPem,
      issuer: r.string('TOKEN_ISSUER', 'tollgate'),
      accessTokenTtl,
      refreshTokenTtl,
    },
    opsToken,
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info'),
    rateLimit: {
      windowSeconds: r.int('LOGIN_FAILURE_WINDOW', 900, 1, 86_400),
      maxFailuresPerAccountIp: r.int('LOGIN_MAX_FAILURES_PER_ACCOUNT_IP', 10, 1, 1_000_000),
      maxFailuresPerIp: r.int('LOGIN_MAX_FAILURES_PER_IP', 100, 1, 10_000_000),
    },
    allowRegistration: r.bool('ALLOW_REGISTRATION', true),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 16 * 1024, 256, 10 * 1024 * 1024),
    passwordHashing: {
      // One hash per core across the group by default: more only queues inside libuv.
      concurrency: r.int(
        'PASSWORD_HASH_CONCURRENCY',
        Math.max(1, Math.ceil(availableParallelism() / workers)),
        1,
        256,
      ),
      maxQueue: r.int('PASSWORD_HASH_QUEUE', 64, 0, 100_000),
      maxWaitMs: r.int('PASSWORD_HASH_MAX_WAIT_MS', 1000, 1, 60_000),
    },
    passwordMinLength,
    passwordMaxLength,
    varDir: resolve(cwd, r.string('VAR_DIR', 'var')),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_SECONDS', 10, 0, 600) * 1000,
  };
  return deepFreeze(config);
}

/** A copy safe to log: secrets replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    redis: { ...config.redis, password: config.redis.password ? '[redacted]' : undefined },
    jwt: {
      ...config.jwt,
      privateKeyPem: config.jwt.privateKeyPem ? '[redacted]' : '[development key]',
      extraPublicKeysPem: config.jwt.extraPublicKeysPem.length,
    },
    opsToken: config.opsToken ? '[redacted]' : undefined,
  };
}
