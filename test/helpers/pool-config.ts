/** A standalone `RedisConfig` for pool tests, pointing at a test redis-server. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConfig } from '../../src/config/schema.js';
import type { RedisPool } from '../../src/redis/types.js';

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

/**
 * `connect()` resolves when the first connection is ready; tests that depend on every
 * connection being up wait for that too (bounded).
 */
export async function connectAll(pool: RedisPool, timeoutMs = 5000): Promise<void> {
  await pool.connect();
  const deadline = Date.now() + timeoutMs;
  while (pool.stats().open < pool.stats().max_connections) {
    if (Date.now() > deadline) throw new Error(`not every pool connection opened within ${timeoutMs} ms`);
    await sleep(10);
  }
}
