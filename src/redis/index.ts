/**
 * The Redis pool layer. `createPool(config)` gives the `RedisPool` every Redis store
 * command goes through; `defineScript` prepares a Lua script for `pool.script`.
 */
import type { RedisConfig } from '../config/schema.js';
import { poolOptions, type CreatePoolOptions } from './options.js';
import { Pool } from './pool.js';
import type { RedisPool } from './types.js';

export type * from './types.js';
export type { CreatePoolOptions, PoolMode, PoolOptions } from './options.js';
export type { PoolLogger } from './logger.js';
export { defineScript } from './scripts.js';
export { utilizationBand, utilizationPercent, type UtilizationBand } from './stats.js';
export { COMMAND_CHANNEL, POOL_EVENTS_CHANNEL } from './events.js';
export type { CommandEvent, PoolEvent, PoolEventType } from './events.js';

/** The pool class's extra surface beyond the contract (for ops and tests). */
export interface ManagedRedisPool extends RedisPool {
  readonly name: string;
  /** Runs one health-check round now. */
  checkHealth(): Promise<void>;
}

export function createPool(config: RedisConfig, options: CreatePoolOptions = {}): ManagedRedisPool {
  return new Pool(poolOptions(config, options));
}
