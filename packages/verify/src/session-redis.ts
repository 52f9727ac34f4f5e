/**
 * `redis` mode: one `EXISTS` on tollgate's session key through the caller's own
 * node-redis client (v5 or v6, standalone or cluster). The key is
 * `<prefix>sess:{<sub>}:<sid>`: `{<sub>}` is a Redis Cluster hash tag, so the braces are
 * part of the key. Nothing is cached: every request asks Redis.
 */
import { SessionEndedError, SessionStoreUnavailableError } from './errors.js';
import type { TollgateClaims } from './jwt.js';
import type { SessionCheck } from './session-check.js';
import { withTimeout } from './timeout.js';

/**
 * The one command this mode needs. A node-redis v5/v6 client (`createClient()`) or
 * cluster (`createCluster()`) fits; it stays yours (connect it first, close it yourself).
 */
export interface RedisExistsClient {
  exists(key: string): Promise<unknown>;
}

export interface RedisSessionOptions {
  client: RedisExistsClient;
  keyPrefix: string;
  timeoutMs: number;
}

/** tollgate's session key for a user id and session id. */
export function sessionKey(prefix: string, sub: string, sid: string): string {
  return `${prefix}sess:{${sub}}:${sid}`;
}

export function redisSessionCheck(options: RedisSessionOptions): SessionCheck {
  const { client, keyPrefix, timeoutMs } = options;
  return {
    async check(_token: string, claims: TollgateClaims): Promise<void> {
      let reply: unknown;
      try {
        // A synchronous throw (e.g. a closed client) lands in the catch below too.
        const pending = client.exists(sessionKey(keyPrefix, claims.sub, claims.sid));
        reply = await withTimeout(
          pending,
          timeoutMs,
          () =>
            new SessionStoreUnavailableError('timeout', {
              cause: new Error(`no reply within ${timeoutMs} ms`),
            }),
        );
      } catch (err) {
        if (err instanceof SessionStoreUnavailableError) throw err;
        throw new SessionStoreUnavailableError('error', { cause: err });
      }
      if (reply === 1 || reply === 1n) return;
      if (reply === 0 || reply === 0n) throw new SessionEndedError();
      throw new SessionStoreUnavailableError('error', { cause: new Error('unexpected reply to EXISTS') });
    },
    async close(): Promise<void> {
      // The client belongs to the caller.
    },
  };
}
