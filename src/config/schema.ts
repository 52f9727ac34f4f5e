import type { DeploymentEnv } from './pool-presets.js';

export type { DeploymentEnv };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type PoolMode = 'multiplexed' | 'exclusive';

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisConfig {
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** Standalone: host/port (REDIS_URL is parsed into these). */
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: boolean;
  sentinels: readonly HostPort[];
  sentinelName: string;
  clusterNodes: readonly HostPort[];
  /** Pool size of this process (its share of `poolSizeTotal`). */
  poolSize: number;
  /** Pool size of the whole process group. */
  poolSizeTotal: number;
  poolMode: PoolMode;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  acquireTimeoutMs: number;
  /** Bound of the wait queue per process. */
  maxPending: number;
}

export interface RateLimitConfig {
  windowSeconds: number;
  maxFailuresPerAccountIp: number;
  maxFailuresPerIp: number;
}

export interface Config {
  deploymentEnv: DeploymentEnv;
  host: string;
  port: number;
  workers: number;
  store: 'memory' | 'redis';
  redis: RedisConfig;
  /** Fastify `trustProxy`: false, true, or a list of addresses / CIDRs. */
  trustProxy: boolean | string;
  jwt: {
    /** PEM of the signing key (from JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE); undefined = development key. */
    privateKeyPem: string | undefined;
    /** Extra PEM public keys still accepted and published (key rotation). */
    extraPublicKeysPem: readonly string[];
    issuer: string;
    accessTokenTtl: number;
    refreshTokenTtl: number;
  };
  opsToken: string | undefined;
  logLevel: LogLevel;
  rateLimit: RateLimitConfig;
  allowRegistration: boolean;
  bodyLimitBytes: number;
  /** Bounded admission of argon2 work per process (see src/auth/admission.ts). */
  passwordHashing: { concurrency: number; maxQueue: number; maxWaitMs: number };
  passwordMinLength: number;
  passwordMaxLength: number;
  /** Where development keys live. */
  varDir: string;
  shutdownGraceMs: number;
}
