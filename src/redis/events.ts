/**
 * Pool events and snapshots on node:diagnostics_channel, so metrics and logs can
 * subscribe without the pool importing Prometheus. Publishing is skipped when nobody
 * listens.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { PoolStatsSnapshot } from './types.js';

export const POOL_EVENTS_CHANNEL = 'tollgate:redis:pool';
export const POOL_STATS_CHANNEL = 'tollgate:redis:pool:stats';
export const COMMAND_CHANNEL = 'tollgate:redis:command';

export type PoolEventType =
  | 'connected'
  | 'connection_ready'
  | 'connection_down'
  | 'reconnect_attempt'
  | 'health_check_failed'
  | 'exhausted'
  | 'timeout'
  | 'retry'
  | 'closed';

export interface PoolEvent {
  pool: string;
  type: PoolEventType;
  connection?: number;
  detail?: string;
}

export interface PoolStatsMessage {
  pool: string;
  stats: PoolStatsSnapshot;
}

export interface CommandEvent {
  pool: string;
  /** Upper-case command name (EVALSHA for scripts); never arguments. */
  command: string;
  durationMs: number;
  /** Undefined on success; else the StoreUnavailableError reason. */
  error?: string;
}

const events = diagnostics_channel.channel(POOL_EVENTS_CHANNEL);
const stats = diagnostics_channel.channel(POOL_STATS_CHANNEL);
const commands = diagnostics_channel.channel(COMMAND_CHANNEL);

export function publishEvent(event: PoolEvent): void {
  if (events.hasSubscribers) events.publish(event);
}

export function publishStats(pool: string, snapshot: () => PoolStatsSnapshot): void {
  if (stats.hasSubscribers) stats.publish({ pool, stats: snapshot() } satisfies PoolStatsMessage);
}

export function commandsObserved(): boolean {
  return commands.hasSubscribers;
}

export function publishCommand(event: CommandEvent): void {
  commands.publish(event);
}
