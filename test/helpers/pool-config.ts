/** A standalone `RedisConfig` for pool tests, pointing at a test redis-server. */
import type { RedisConfig } from '../../src/config/schema.js';

export function poolConfig(port: number, overrides: Partial<RedisConfig> = {}): RedisConfig {
  return {
    mode: 'standalone',
    host: '127.0.0.1',
    port,
    username: undefined,
    password: undefined,
    db: 0,
    tls: false,
    sentinels: [],
    sentinelName: 'mymaster',
    clusterNodes: [],
    poolSize: 2,
    poolSizeTotal: 2,
    poolMode: 'multiplexed',
    healthCheckIntervalMs: 30_000,
    healthCheckTimeoutMs: 300,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 500,
    acquireTimeoutMs: 200,
    maxPending: 100,
    ...overrides,
  };
}
