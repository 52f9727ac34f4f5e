/**
 * The pool's own options, and how they are derived from the service's `RedisConfig`.
 * The pool reads only this shape, so it does not change when the config grows; the
 * backend factory (client.ts) is the one place that knows topology, TLS and credentials.
 */
import type { RedisConfig } from '../config/schema.js';
import { createBackendFactory, describeTarget, type BackendFactory } from './client.js';
import { silentLogger, type PoolLogger } from './logger.js';
import { DEFAULT_RECONNECT_BACKOFF, type ReconnectBackoff } from './retry.js';

/** multiplexed: every connection pipelines; exclusive: one command per connection at a time. */
export type PoolMode = 'multiplexed' | 'exclusive';

export interface PoolOptions {
  /** Names the pool in logs, events and metric labels; unique within a process. */
  name: string;
  /** Number of connections. */
  size: number;
  mode: PoolMode;
  /** Commands one connection may carry at once (1 in exclusive mode). */
  maxInFlightPerConnection: number;
  /** Opens one connection's client. */
  backends: BackendFactory;
  /** Where the pool connects, without credentials (logs, errors). */
  target: string;
  /** standalone | sentinel | cluster (stats). */
  topology: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** How long a caller waits for a free connection. */
  acquireTimeoutMs: number;
  /** How many callers may wait for a free connection. */
  maxPending: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  reconnectBackoff: ReconnectBackoff;
  logger: PoolLogger;
}

/** What a caller of `createPool` may set beyond the config. */
export interface CreatePoolOptions {
  logger?: PoolLogger;
  /** Names the pool in logs, events and metric labels (default "redis"). */
  name?: string;
  /** Commands a multiplexed connection may carry at once (default 256). Exclusive: 1. */
  maxInFlightPerConnection?: number;
  /** Reconnect backoff (default 50 ms doubling to 1 s, equal jitter). */
  reconnectBackoff?: ReconnectBackoff;
}

const DEFAULT_MAX_IN_FLIGHT = 256;

export function poolOptions(config: RedisConfig, options: CreatePoolOptions = {}): PoolOptions {
  const name = options.name ?? 'redis';
  return {
    name,
    size: config.poolSize,
    mode: config.poolMode,
    maxInFlightPerConnection:
      config.poolMode === 'exclusive'
        ? 1
        : Math.max(1, Math.floor(options.maxInFlightPerConnection ?? DEFAULT_MAX_IN_FLIGHT)),
    backends: createBackendFactory(config, `tollgate-${name}`),
    target: describeTarget(config),
    topology: config.mode,
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
    acquireTimeoutMs: config.acquireTimeoutMs,
    maxPending: config.maxPending,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    healthCheckTimeoutMs: config.healthCheckTimeoutMs,
    reconnectBackoff: options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF,
    logger: options.logger ?? silentLogger,
  };
}
