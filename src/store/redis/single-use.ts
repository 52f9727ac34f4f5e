/** Single-use values in Redis: `SET … EX` to keep, `GETDEL` to take. */
import { InternalError } from '../../errors.js';
import type { RedisExecutor } from '../../redis/types.js';
import type { SingleUseValues } from '../single-use.js';
import { SAFE_TO_REPEAT } from './replies.js';

export class RedisSingleUse implements SingleUseValues {
  constructor(private readonly redis: RedisExecutor) {}

  async putOnce(key: string, value: string, ttlSeconds: number): Promise<void> {
    // Setting the same value again is idempotent.
    await this.redis.command(['SET', key, value, 'EX', String(ttlSeconds)], SAFE_TO_REPEAT);
  }

  async takeOnce(key: string): Promise<string | null> {
    // Not idempotent: a retry after a lost reply would find nothing, and the caller fails closed.
    const r = await this.redis.command(['GETDEL', key], { idempotent: false });
    if (r === null || typeof r === 'string') return r;
    throw new InternalError(`GETDEL answered ${typeof r}`);
  }
}
