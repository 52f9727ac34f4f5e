/**
 * The production store: every operation is one command or one Lua script sent
 * through the pool. Reads and idempotent writes are marked so the pool may retry them;
 * scripts that change state (rotation above all) are never blindly retried.
 */
import { InternalError } from '../errors.js';
import type { RedisExecutor, RedisPool, RedisReply } from '../redis/types.js';
import { keys } from './keys.js';
import {
  CONSUME_ATTEMPT,
  CREATE_SESSION,
  DELETE_ALL_SESSIONS,
  DELETE_SESSION,
  REFUND_ATTEMPT,
  ROTATE_REFRESH,
} from './lua.js';
import type {
  NewSession,
  RateLimitDecision,
  RateLimitRule,
  RotateResult,
  Store,
  UserRecord,
} from './store.js';

function asString(r: RedisReply | undefined): string | null {
  if (r === null || r === undefined) return null;
  if (typeof r === 'string') return r;
  if (Buffer.isBuffer(r)) return r.toString('utf8');
  return String(r);
}

function asNumber(r: RedisReply | undefined): number {
  if (typeof r === 'number') return r;
  if (typeof r === 'bigint') return Number(r);
  const s = asString(r);
  const n = s === null ? NaN : Number(s);
  if (Number.isNaN(n)) throw new InternalError(`unexpected reply from Redis: expected a number`);
  return n;
}

function asArray(r: RedisReply): RedisReply[] {
  if (!Array.isArray(r)) throw new InternalError('unexpected reply from Redis: expected an array');
  return r;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: RedisExecutor,
    private readonly owned?: Pick<RedisPool, 'close'>,
  ) {}

  async createUser(user: UserRecord): Promise<boolean> {
    // SET NX is not idempotent in its answer: a retried SET NX would report "taken".
    const r = await this.redis.command(['SET', keys.user(user.email), JSON.stringify(user), 'NX']);
    return r !== null;
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const raw = asString(await this.redis.command(['GET', keys.user(email)], { idempotent: true }));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as UserRecord;
    } catch {
      throw new InternalError('a user record in Redis is not valid JSON');
    }
  }

  async createSession(s: NewSession): Promise<void> {
    // Idempotent: same keys, same values; a repeat only rewrites the same session.
    await this.redis.script(
      CREATE_SESSION,
      [keys.session(s.uid, s.sid), keys.sessionOldHashes(s.uid, s.sid), keys.userSessions(s.uid)],
      [
        s.sid,
        s.uid,
        s.email,
        s.refreshHash,
        String(s.ttlSeconds),
        String(Date.now()),
        keys.sessionPrefix(s.uid),
      ],
      { idempotent: true },
    );
  }

  async isSessionAlive(uid: string, sid: string): Promise<boolean> {
    const r = await this.redis.command(['EXISTS', keys.session(uid, sid)], { idempotent: true });
    return asNumber(r) === 1;
  }

  async rotateRefresh(
    uid: string,
    sid: string,
    presentedHash: string,
    nextHash: string,
    ttlSeconds: number,
  ): Promise<RotateResult> {
    const r = asArray(
      await this.redis.script(
        ROTATE_REFRESH,
        [keys.session(uid, sid), keys.sessionOldHashes(uid, sid), keys.userSessions(uid)],
        [presentedHash, nextHash, String(ttlSeconds), sid],
        { idempotent: false },
      ),
    );
    const status = asNumber(r[0]);
    if (status === 1) {
      return { status: 'rotated', session: { uid: asString(r[1]) ?? uid, sid, email: asString(r[2]) ?? '' } };
    }
    return status === 2 ? { status: 'reused' } : { status: 'invalid' };
  }

  async deleteSession(uid: string, sid: string): Promise<boolean> {
    return this.runDelete(uid, sid, '');
  }

  async deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    return this.runDelete(uid, sid, refreshHash);
  }

  private async runDelete(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    // Deleting is idempotent in effect (the answer may differ on a repeat, the state does not).
    const r = await this.redis.script(
      DELETE_SESSION,
      [keys.session(uid, sid), keys.sessionOldHashes(uid, sid), keys.userSessions(uid)],
      [sid, refreshHash],
      { idempotent: true },
    );
    return asNumber(r) === 1;
  }

  async deleteAllSessions(uid: string): Promise<number> {
    const r = await this.redis.script(
      DELETE_ALL_SESSIONS,
      [keys.userSessions(uid)],
      [keys.sessionPrefix(uid)],
      {
        idempotent: true,
      },
    );
    return asNumber(r);
  }

  async consumeAttempt(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    const taken: RateLimitRule[] = [];
    for (const rule of rules) {
      const r = asArray(
        await this.redis.script(
          CONSUME_ATTEMPT,
          [rule.key],
          [String(rule.limit), String(rule.windowSeconds)],
          {
            idempotent: false,
          },
        ),
      );
      if (asNumber(r[0]) !== 1) {
        await Promise.all(taken.map((t) => this.refundAttempt(t)));
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(asNumber(r[1]) / 1000)) };
      }
      taken.push(rule);
    }
    return { allowed: true };
  }

  async refundAttempt(rule: RateLimitRule): Promise<void> {
    await this.redis.script(REFUND_ATTEMPT, [rule.key], [], { idempotent: false });
  }

  async resetAttempts(rule: RateLimitRule): Promise<void> {
    await this.redis.command(['DEL', rule.key], { idempotent: true });
  }

  async ping(): Promise<void> {
    await this.redis.command(['PING'], { idempotent: true });
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }
}
