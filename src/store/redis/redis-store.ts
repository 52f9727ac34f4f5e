/**
 * The Redis engine: every purpose through the pool (`sessions.ts`, `limits.ts`,
 * `single-use.ts`), and its health: one bounded `INFO stats`, with the watch's reading
 * of the server (`watch.ts`) when the store is watched. `open.ts` opens it as a serving
 * process needs it.
 */
import { StoreUnavailableError } from '../../errors.js';
import type { RedisExecutor, RedisPool } from '../../redis/types.js';
import { CombinedStore } from '../combined-store.js';
import type { StoreHealth } from '../health.js';
import { infoFields } from './durability.js';
import { RedisLimitCounters } from './limits.js';
import { SAFE_TO_REPEAT } from './replies.js';
import { RedisSessions } from './sessions.js';
import { RedisSingleUse } from './single-use.js';
import type { RedisWatch } from './watch.js';

export interface RedisStoreObserved {
  /** Watches the server (data loss, state); stopped when the store closes. */
  watch?: Pick<RedisWatch, 'report' | 'stop'>;
  /** What this deployment cannot keep, read at start (eviction, persistence). */
  warnings?: readonly string[];
}

interface RedisParts {
  readonly sessions: RedisSessions;
  readonly limits: RedisLimitCounters;
  readonly once: RedisSingleUse;
}

export class RedisStore extends CombinedStore<RedisParts> {
  /**
   * `owned` is closed with the store; `sessionTtlSeconds` is the longest a session can
   * live (the refresh-token lifetime): a new generation is kept at least that long.
   */
  constructor(
    private readonly redis: RedisExecutor,
    private readonly owned?: Pick<RedisPool, 'close'>,
    sessionTtlSeconds = 30 * 86_400,
    private readonly observed: RedisStoreObserved = {},
  ) {
    super({
      sessions: new RedisSessions(redis, sessionTtlSeconds),
      limits: new RedisLimitCounters(redis),
      once: new RedisSingleUse(redis),
    });
  }

  override async health(): Promise<StoreHealth> {
    const processed = await this.commandsProcessed();
    const state = this.observed.watch?.report();
    return {
      engine: 'redis',
      shared: true,
      reachable: processed !== undefined,
      commandsProcessed: processed ?? 0,
      ...(state ? { state } : {}),
      warnings: this.observed.warnings ?? [],
    };
  }

  /** From `INFO stats`; undefined when Redis cannot be reached. */
  private async commandsProcessed(): Promise<number | undefined> {
    try {
      const info = await this.redis.command(['INFO', 'stats'], SAFE_TO_REPEAT);
      return Number(infoFields(String(info)).get('total_commands_processed') ?? 0) || 0;
    } catch (err) {
      if (err instanceof StoreUnavailableError) return undefined;
      throw err;
    }
  }

  override async ping(): Promise<void> {
    await this.redis.command(['PING'], SAFE_TO_REPEAT);
  }

  override async close(): Promise<void> {
    this.observed.watch?.stop();
    await this.owned?.close();
  }
}
