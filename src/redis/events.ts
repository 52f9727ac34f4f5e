/**
 * What the pool tells the rest of the process, on node:diagnostics_channel: lifecycle
 * events and one message per finished call. The pool imports no metrics library; the
 * metrics layer (src/metrics/pool-metrics.ts) subscribes. Publishing is skipped when
 * nobody listens. Every message carries the publishing pool (`source`) so that a
 * subscriber can follow one pool among several in a process.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { RedisPool } from './types.js';

export const POOL_EVENTS_CHANNEL = 'tollgate:redis:pool';
export const COMMAND_CHANNEL = 'tollgate:redis:command';

export type PoolEventType =
  | 'connected'
  | 'connection_ready'
  | 'connection_down'
  | 'reconnect_attempt'
  | 'health_check_failed'
  | 'exhausted'
  | 'timeout'
  | 'closed';

export interface PoolEvent {
  /** The pool's name. */
  pool: string;
  /** The pool that published (compare by identity). */
  source: RedisPool;
  type: PoolEventType;
  connection?: number;
  detail?: string;
}

export interface CommandEvent {
  pool: string;
  source: RedisPool;
  /** Upper-case command name (EVALSHA for scripts); never arguments. */
  command: string;
  /** The whole call: queueing, retries and backoff included. */
  durationMs: number;
  /** Undefined on success; else the StoreUnavailableError reason. */
  error?: string;
}

const events = diagnostics_channel.channel(POOL_EVENTS_CHANNEL);
const commands = diagnostics_channel.channel(COMMAND_CHANNEL);

export function publishEvent(event: PoolEvent): void {
  if (events.hasSubscribers) events.publish(event);
}

/** True when someone listens for commands (so the pool builds the message only then). */
export function commandsObserved(): boolean {
  return commands.hasSubscribers;
}

export function publishCommand(event: CommandEvent): void {
  commands.publish(event);
}
