/**
 * Where a command goes: its name (for metrics and events, never its arguments) and, in
 * Cluster mode, the key that routes it to a slot.
 */
import type { RedisArg } from './types.js';

/** Commands that take no key: they are sent to any node in Cluster mode. */
const KEYLESS = new Set([
  'PING',
  'INFO',
  'TIME',
  'DBSIZE',
  'ECHO',
  'SCRIPT',
  'CLIENT',
  'CONFIG',
  'COMMAND',
  'FLUSHALL',
  'FLUSHDB',
  'MEMORY',
  'SLOWLOG',
  'LASTSAVE',
]);

/** The upper-case command name (`args[0]`). */
export function commandName(args: readonly RedisArg[]): string {
  const first = args[0];
  return first === undefined ? '' : String(first).toUpperCase();
}

/** The routing key of a command: its first argument unless the command takes none. */
export function firstKeyOf(args: readonly RedisArg[]): string | undefined {
  if (args.length < 2 || KEYLESS.has(commandName(args))) return undefined;
  const key = args[1]!;
  return typeof key === 'string' ? key : key.toString('utf8');
}
