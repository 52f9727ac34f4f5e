/**
 * Sessions in Redis: every operation is one command or one Lua script
 * (`session-scripts.ts`) on the user's hash tag. Reads and idempotent writes are marked
 * so the pool may retry them; a rotation is never blindly retried.
 */
import type { RedisExecutor } from '../../redis/types.js';
import { keys, MAX_OLD_REFRESH_HASHES } from '../keys.js';
import type {
  NewSession,
  RotateRequest,
  RotateResult,
  SessionAuth,
  SessionRecord,
  SessionStore,
} from '../sessions.js';
import { LAST_SEEN_RESOLUTION_MS, newGeneration } from '../sessions.js';
import { asArray, asNumber, asString, SAFE_TO_REPEAT } from './replies.js';
import {
  COUNT_SESSIONS,
  CREATE_SESSION,
  DELETE_ALL_SESSIONS,
  DELETE_SESSION,
  LIST_SESSIONS,
  ROTATE_REFRESH,
  SET_SESSION_AUTH,
  SESSION_ALIVE,
  TOUCH_SESSION,
} from './session-scripts.js';

export class RedisSessions implements SessionStore {
  /**
   * `sessionTtlSeconds` is the longest a session can live (the refresh-token lifetime):
   * a new generation is kept at least that long.
   */
  constructor(
    private readonly redis: RedisExecutor,
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
}
