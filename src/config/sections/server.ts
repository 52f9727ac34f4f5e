/** Deployment environment, listening, processes and request limits. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEPLOYMENT_ENVS, POOL_PRESETS, type DeploymentEnv } from '../pool-presets.js';
import type { Reader } from '../reader.js';
import type { LogFormat, LogLevel, TrustProxy } from '../schema.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServerSection {
  deploymentEnv: DeploymentEnv;
  production: boolean;
  host: string;
  port: number;
  workers: number;
  /** Preloaded spare workers that take a crashed worker's place (WORKERS > 1). */
  standbyWorkers: number;
  trustProxy: TrustProxy;
  logLevel: LogLevel;
  logFormat: LogFormat;
  bodyLimitBytes: number;
  varDir: string;
  shutdownGraceMs: number;
}

export function readServer(r: Reader): ServerSection {
  const deploymentEnv = r.oneOf('DEPLOYMENT_ENV', DEPLOYMENT_ENVS, 'development');
  const production = deploymentEnv === 'production';
  const preset = POOL_PRESETS[deploymentEnv];
  const workers =
    r.raw('WORKERS')?.toLowerCase() === 'auto'
      ? availableParallelism()
      : r.int('WORKERS', preset.workers, 1, 256);
  return {
    deploymentEnv,
    production,
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
    port: r.int('PORT', 8000, 0, 65535),
    workers,
    standbyWorkers: r.int('STANDBY_WORKERS', 1, 0, 16),
    trustProxy: r.trustProxy('TRUST_PROXY'),
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: r.oneOf<LogFormat>('LOG_FORMAT', ['auto', 'pretty', 'json'], 'auto'),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 16 * 1024, 256, 10 * 1024 * 1024),
    varDir: resolve(r.cwd, r.string('VAR_DIR', 'var')),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_SECONDS', 10, 0, 600) * 1000,
  };
}
