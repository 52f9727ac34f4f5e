/**
 * The production store: every operation is one command or one Lua script sent
 * through the pool. Reads and idempotent writes are marked so the pool may retry them;
 * scripts that change state (rotation, failure counting) are never blindly retried.
 */
import { randomBytes } from 'node:crypto';
import { InternalError } from '../errors.js';
import type { RedisExecutor, RedisPool, RedisReply } from '../redis/types.js';
import { keys, MAX_OLD_REFRESH_HASHES } from './keys.js';
import { LAST_SEEN_RESOLUTION_MS } from './store.js';
import {
  COUNT_SESSIONS,
  CREATE_SESSION,
  DELETE_ALL_SESSIONS,
  DELETE_SESSION,
  LIST_SESSIONS,
  READ_COUNTER,
  RECORD_FAILURE,
  RESET_UNLESS_BLOCKED,
  ROTATE_REFRESH,
  SET_SESSION_AUTH,
  SESSION_ALIVE,
  TOUCH_SESSION,
} from './lua.js';
import type {
  NewSession,
  RateLimitDecision,
  RateLimitRule,
  RotateRequest,
  RotateResult,
  SessionAuth,
  SessionRecord,
  Store,
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
  if (Number.isNaN(n)) throw new InternalError('unexpected reply from Redis: expected a number');
  return n;
}

function asArray(r: RedisReply): RedisReply[] {
  if (!Array.isArray(r)) throw new InternalError('unexpected reply from Redis: expected an array');
  return r;
}

/** `{count, pttl}` replies of the counter scripts. */
function counter(r: RedisReply): { count: number; pttlMs: number } {
  const [count, pttl] = asArray(r);
  return { count: asNumber(count), pttlMs: asNumber(pttl) };
}

/** Refused when any counter is over its bound; Retry-After is the longest remaining window. */
function decide(
  rules: readonly RateLimitRule[],
  counts: ReadonlyArray<{ count: number; pttlMs: number }>,
  refused: (count: number, limit: number) => boolean,
): RateLimitDecision {
  let waitMs = -1;
  rules.forEach((rule, i) => {
    const c = counts[i]!;
    if (refused(c.count, rule.limit))
      waitMs = Math.max(waitMs, c.pttlMs > 0 ? c.pttlMs : rule.windowSeconds * 1000);
  });
  return waitMs < 0
    ? { allowed: true }
    : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/** A new session generation: random, so no earlier one can come back (docs/sessions.md). */
/** Options of a command or script that is safe to repeat: one frozen object, not one per call. */
const SAFE_TO_REPEAT = Object.freeze({ idempotent: true });

export function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;

  /**
   * `sessionTtlSeconds` is the longest a session can live (the refresh-token lifetime):
   * a new generation is kept at least that long.
   */
  constructor(
    private readonly redis: RedisExecutor,
    private readonly owned?: Pick<RedisPool, 'close'>,
    private readonly sessionTtlSeconds = 30 * 86_400,
  ) {}

  private sessionKeys(uid: string, sid: string): string[] {
    return [
      keys.session(uid, sid),
      keys.sessionOldHashes(uid, sid),
      keys.userSessions(uid),
      keys.userGeneration(uid),
    ];
  }

  async createSession(s: NewSession): Promise<void> {
    // Idempotent: same keys, same values; a repeat only rewrites the same session.
    await this.redis.script(
      CREATE_SESSION,
      this.sessionKeys(s.uid, s.sid),
      [
        s.sid,
        s.uid,
        s.email,
        s.refreshHash,
        String(s.ttlSeconds),
        keys.sessionPrefix(s.uid),
        String(s.maxPerUser),
        s.ip,
        s.userAgent,
        String(s.auth.authTime),
        s.auth.amr.join(' '),
        newGeneration(),
      ],
      SAFE_TO_REPEAT,
    );
  }

  async isSessionAlive(uid: string, sid: string): Promise<boolean> {
    const r = await this.redis.script(
      SESSION_ALIVE,
      [keys.session(uid, sid), keys.userGeneration(uid)],
      [],
      SAFE_TO_REPEAT,
    );
    return asNumber(r) === 1;
  }

  async rotateRefresh(q: RotateRequest): Promise<RotateResult> {
    const r = asArray(
      await this.redis.script(
        ROTATE_REFRESH,
        this.sessionKeys(q.uid, q.sid),
        [
          q.presentedHash,
          q.nextHash,
          String(q.ttlSeconds),
          q.sid,
          String(q.retryGraceMs),
          String(MAX_OLD_REFRESH_HASHES),
          newGeneration(),
        ],
        { idempotent: false },
      ),
    );
    const status = asNumber(r[0]);
    if (status === 1 || status === 3) {
      const session = { uid: asString(r[1]) ?? q.uid, sid: q.sid, email: asString(r[2]) ?? '' };
      return { status: status === 1 ? 'rotated' : 'retried', session };
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
      this.sessionKeys(uid, sid).slice(0, 3),
      [sid, refreshHash],
      SAFE_TO_REPEAT,
    );
    return asNumber(r) === 1;
  }

  async deleteAllSessions(uid: string, generation?: string): Promise<number> {
    return this.deleteOtherSessions(uid, '', generation);
  }

  async deleteOtherSessions(uid: string, keepSid: string, generation = newGeneration()): Promise<number> {
    // Idempotent: the generation is chosen before the first attempt, so a retry writes the same one.
    const r = await this.redis.script(
      DELETE_ALL_SESSIONS,
      [keys.userSessions(uid), keys.userGeneration(uid)],
      [keys.sessionPrefix(uid), keepSid, generation, String(this.sessionTtlSeconds * 1000)],
      SAFE_TO_REPEAT,
    );
    return asNumber(r);
  }

  async countSessions(uid: string): Promise<number> {
    return asNumber(
      await this.redis.script(
        COUNT_SESSIONS,
        [keys.userSessions(uid), keys.userGeneration(uid)],
        [keys.sessionPrefix(uid)],
        SAFE_TO_REPEAT,
      ),
    );
  }

  async listSessions(uid: string): Promise<SessionRecord[]> {
    const flat = asArray(
      await this.redis.script(
        LIST_SESSIONS,
        [keys.userSessions(uid), keys.userGeneration(uid)],
        [keys.sessionPrefix(uid)],
        SAFE_TO_REPEAT,
      ),
    );
    const out: SessionRecord[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      out.push({
        sid: asString(flat[i]) ?? '',
        createdAt: asNumber(flat[i + 1]),
        lastSeenAt: asNumber(flat[i + 2]),
        ip: asString(flat[i + 3]) ?? '',
        userAgent: asString(flat[i + 4]) ?? '',
      });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  async touchSession(uid: string, sid: string): Promise<void> {
    await this.redis.script(
      TOUCH_SESSION,
      [keys.session(uid, sid)],
      [String(LAST_SEEN_RESOLUTION_MS)],
      SAFE_TO_REPEAT,
    );
  }

  async sessionAuth(uid: string, sid: string): Promise<SessionAuth | null> {
    const [owner, at, amr] = asArray(
      await this.redis.command(['HMGET', keys.session(uid, sid), 'uid', 'at', 'amr'], SAFE_TO_REPEAT),
    );
    // Every session has its uid; a session opened before `at` was recorded has none.
    if (asString(owner) === null) return null;
    const authTime = Number(asString(at) ?? '0');
    return {
      authTime: Number.isFinite(authTime) ? authTime : 0,
      amr: (asString(amr) ?? '').split(' ').filter((m) => m !== ''),
    };
  }

  async setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean> {
    // Setting the same values again is idempotent.
    const r = await this.redis.script(
      SET_SESSION_AUTH,
      [keys.session(uid, sid)],
      [String(auth.authTime), auth.amr.join(' ')],
      SAFE_TO_REPEAT,
    );
    return asNumber(r) === 1;
  }

  async checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    const counts = await Promise.all(
      rules.map(async (rule) =>
        counter(await this.redis.script(READ_COUNTER, [rule.key], [], SAFE_TO_REPEAT)),
      ),
    );
    return decide(rules, counts, (count, limit) => count >= limit);
  }

  async recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    const counts = await Promise.all(
      rules.map(async (rule) =>
        counter(
          await this.redis.script(RECORD_FAILURE, [rule.key], [String(rule.windowSeconds)], {
            idempotent: false,
          }),
        ),
      ),
    );
    return decide(rules, counts, (count, limit) => count > limit);
  }

  async recordLoginSuccess(
    rules: readonly RateLimitRule[],
    reset: RateLimitRule,
  ): Promise<RateLimitDecision> {
    const results = await Promise.all(
      rules.map(async (rule) => {
        if (rule.key !== reset.key) {
          return counter(await this.redis.script(READ_COUNTER, [rule.key], [], SAFE_TO_REPEAT));
        }
        // Deleting a counter that is under its limit is idempotent in effect.
        const [ok, pttl] = asArray(
          await this.redis.script(RESET_UNLESS_BLOCKED, [rule.key], [String(rule.limit)], SAFE_TO_REPEAT),
        );
        return asNumber(ok) === 1 ? { count: 0, pttlMs: 0 } : { count: rule.limit, pttlMs: asNumber(pttl) };
      }),
    );
    return decide(rules, results, (count, limit) => count >= limit);
  }

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

  async ping(): Promise<void> {
    await this.redis.command(['PING'], SAFE_TO_REPEAT);
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }
}
