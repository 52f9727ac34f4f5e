/**
 * Builds node-redis clients from `RedisConfig` and hides the topology (standalone,
 * Sentinel, Cluster) behind one small `Backend` interface the pool's connections use.
 * Every client: RESP2 (plain replies), offline queue disabled (a command sent while
 * disconnected fails at once, provably unsent), TCP keepalive, the connect timeout,
 * TLS / username / password / db from config, `maintNotifications: 'disabled'`, and
 * no per-command timeout of node-redis' own (`NO_COMMAND_TIMEOUT`): the pool bounds
 * every command itself, with one timer per connection (deadlines.ts).
 */
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisConfig } from '../config/schema.js';
import type { RedisArg } from './types.js';

/**
 * node-redis 6 gives every command a 5 s timeout by default, built per command as an
 * `AbortSignal.timeout()` plus a listener, and drops it once the command is written, so
 * it never bounds the wait for a reply anyway. The pool's own deadline does (and covers
 * the unwritten part too); 0 switches the library's off, for clients, Sentinel and Cluster.
 */
export const NO_COMMAND_TIMEOUT = { timeout: 0 } as const;

/** node-redis' argument type; node-redis never mutates it, so the pool's array is passed without a copy. */
type ClientArgs = RedisArg[];

export interface Backend {
  /** Opens the connection(s); rejects on failure (no internal retry for standalone). */
  connect(): Promise<void>;
  /** Sends one command. `firstKey` routes it in Cluster mode. */
  send(args: readonly RedisArg[], firstKey: string | undefined): Promise<unknown>;
  /** Graceful close: waits for replies in flight. */
  close(): Promise<void>;
  /** Immediate close: rejects everything in flight. */
  destroy(): void;
}

export interface BackendHooks {
  /** The backend died on its own (socket lost); it will not come back by itself. */
  onTerminated: (cause: unknown) => void;
  /** Socket-level errors, for debug logs. */
  onError: (err: unknown) => void;
}

export type BackendFactory = (connectionId: number, hooks: BackendHooks) => Backend;

/** A human-readable target without credentials, for logs and errors. */
export function describeTarget(config: RedisConfig): string {
  switch (config.mode) {
    case 'sentinel':
      return `sentinel ${config.sentinelName} via ${config.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
    case 'cluster':
      return `cluster ${config.clusterNodes.map((s) => `${s.host}:${s.port}`).join(',')}`;
    default:
      return `${config.tls ? 'rediss' : 'redis'}://${config.host}:${config.port}/${config.db}`;
  }
}

function socketOptions(config: RedisConfig, host: string, port: number) {
  const common = {
    host,
    port,
    connectTimeout: config.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelay: 10_000,
    noDelay: true,
  };
  return config.tls
    ? { ...common, tls: true as const, servername: host }
    : { ...common, tls: false as const };
}

function ignoreAbort(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

export function createBackendFactory(config: RedisConfig, poolName: string): BackendFactory {
  const auth = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
  switch (config.mode) {
    case 'sentinel':
      return (id, hooks) => {
        const sentinel = createSentinel({
          name: config.sentinelName,
          sentinelRootNodes: config.sentinels.map((s) => ({ host: s.host, port: s.port })),
          RESP: 2,
          masterPoolSize: 1,
          commandOptions: NO_COMMAND_TIMEOUT,
          nodeClientOptions: {
            ...auth,
            database: config.db,
            disableOfflineQueue: true,
            maintNotifications: 'disabled',
            socket: socketOptions(config, config.host, config.port),
          },
          sentinelClientOptions: {
            disableOfflineQueue: true,
            maintNotifications: 'disabled',
            socket: { connectTimeout: config.connectTimeoutMs, keepAlive: true },
          },
        });
        sentinel.on('error', hooks.onError);
        return {
          async connect() {
            await sentinel.connect();
          },
          send: (args) => sentinel.sendCommand(false, args as ClientArgs),
          close: () => ignoreAbort(sentinel.close()),
          destroy: () => {
            void ignoreAbort(sentinel.destroy());
          },
        };
      };
    case 'cluster':
      return (id, hooks) => {
        const cluster = createCluster({
          rootNodes: config.clusterNodes.map((n) => ({ socket: { host: n.host, port: n.port } })),
          RESP: 2,
          useReplicas: false,
          commandOptions: NO_COMMAND_TIMEOUT,
          defaults: {
            ...auth,
            name: `${poolName}-${id}`,
            disableOfflineQueue: true,
            maintNotifications: 'disabled',
            socket: socketOptions(config, config.host, config.port),
          },
        });
        cluster.on('error', hooks.onError);
        return {
          async connect() {
            await cluster.connect();
          },
          send: (args, firstKey) => cluster.sendCommand(firstKey, false, args as ClientArgs),
          close: () => ignoreAbort(cluster.close()),
          destroy: () => cluster.destroy(),
        };
      };
    default:
      return (id, hooks) => {
        const client = createClient({
          ...auth,
          name: `${poolName}-${id}`,
          database: config.db,
          RESP: 2,
          disableOfflineQueue: true,
          maintNotifications: 'disabled',
          commandOptions: NO_COMMAND_TIMEOUT,
          socket: {
            ...socketOptions(config, config.host, config.port),
            // The pool reconnects itself, with its own backoff and health state.
            reconnectStrategy: false,
          },
        });
        client.on('error', hooks.onError);
        client.on('terminated', hooks.onTerminated);
        return {
          async connect() {
            await client.connect();
          },
          send: (args) => client.sendCommand(args),
          close: () => ignoreAbort(client.close()),
          destroy: () => {
            try {
              client.destroy();
            } catch {
              /* already closed */
            }
          },
        };
      };
  }
}
