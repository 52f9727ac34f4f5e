/**
 * Sessions in maps of this process, with the Redis engine's semantics. Expired sessions
 * are dropped when read and by the store's sweep. A user's sessions are few (capped by
 * `maxPerUser`), so their index is a plain Map.
 */
import { randomUUID } from 'node:crypto';
import { MAX_OLD_REFRESH_HASHES } from '../keys.js';
import type {
  NewSession,
  RotateRequest,
  RotateResult,
  SessionAuth,
  SessionRecord,
  SessionStore,
} from '../sessions.js';
import { LAST_SEEN_RESOLUTION_MS } from '../sessions.js';
import type { Lifetime } from './lifetime.js';

interface SessionEntry {
  uid: string;
  sid: string;
  email: string;
  refreshHash: string;
  /** The hash rotated into `refreshHash`, and when (for retries within the grace). */
  previousHash: string | undefined;
  rotatedAt: number;
  /** Rotated-away hashes (reuse detection), oldest first, capped. */
  oldHashes: Set<string>;
  expiresAt: number;
  createdAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
  auth: SessionAuth;
  /** The user's generation when it opened or was kept (see SessionStore.deleteAllSessions). */
  generation: string | undefined;
}

export class MemorySessions implements SessionStore {
  /** uid → sid → session. */
  private readonly sessions = new Map<string, Map<string, SessionEntry>>();
  /** uid → the generation of the user's last ending of all sessions (dropped with the last session). */
  private readonly generations = new Map<string, string>();

  constructor(private readonly life: Lifetime) {}

  private liveSession(uid: string, sid: string): SessionEntry | undefined {
    const s = this.sessions.get(uid)?.get(sid);
    if (!s) return undefined;
    if (s.expiresAt <= this.life.now()) {
      this.dropSession(s);
      return undefined;
    }
    return s;
  }

  private dropSession(s: SessionEntry): void {
    const mine = this.sessions.get(s.uid);
    mine?.delete(s.sid);
    if (mine && mine.size === 0) {
      this.sessions.delete(s.uid);
      this.generations.delete(s.uid);
    }
  }

  sweep(now: number): void {
    for (const mine of this.sessions.values()) {
      for (const s of mine.values()) if (s.expiresAt <= now) this.dropSession(s);
    }
  }

  createSession(s: NewSession): Promise<void> {
    return this.life.op(() => {
      const now = this.life.now();
      let mine = this.sessions.get(s.uid);
      if (!mine) this.sessions.set(s.uid, (mine = new Map<string, SessionEntry>()));
      mine.set(s.sid, {
        uid: s.uid,
        sid: s.sid,
        email: s.email,
        refreshHash: s.refreshHash,
        previousHash: undefined,
        rotatedAt: 0,
        oldHashes: new Set(),
        expiresAt: now + s.ttlSeconds * 1000,
        createdAt: now,
        lastSeenAt: now,
        ip: s.ip,
        userAgent: s.userAgent,
        auth: { authTime: s.auth.authTime, amr: [...s.auth.amr] },
        generation: this.generations.get(s.uid),
      });
      for (const other of mine.values()) if (other.expiresAt <= now) this.dropSession(other);
      // Past the cap, end the sessions closest to expiry (the least recently refreshed).
      const over = mine.size - s.maxPerUser;
      if (over > 0) {
        const victims = [...mine.values()].sort((a, b) => a.expiresAt - b.expiresAt).slice(0, over);
        for (const v of victims) this.dropSession(v);
      }
      return undefined;
    });
  }

  isSessionAlive(uid: string, sid: string): Promise<boolean> {
    return this.life.op(() => this.liveSession(uid, sid) !== undefined);
  }

  rotateRefresh(q: RotateRequest): Promise<RotateResult> {
    return this.life.op((): RotateResult => {
      const s = this.liveSession(q.uid, q.sid);
      if (!s) return { status: 'invalid' };
      const session = { uid: s.uid, sid: s.sid, email: s.email };
      const now = this.life.now();
      if (s.refreshHash === q.presentedHash) {
        s.oldHashes.delete(q.presentedHash);
        s.oldHashes.add(q.presentedHash);
        if (s.oldHashes.size > MAX_OLD_REFRESH_HASHES) {
          s.oldHashes.delete(s.oldHashes.values().next().value!);
        }
        s.previousHash = q.presentedHash;
        s.rotatedAt = now;
        s.refreshHash = q.nextHash;
        s.expiresAt = now + q.ttlSeconds * 1000;
        return { status: 'rotated', session };
      }
      if (
        s.previousHash === q.presentedHash &&
        s.refreshHash === q.nextHash &&
        now - s.rotatedAt <= q.retryGraceMs
      ) {
        return { status: 'retried', session };
      }
      if (s.oldHashes.has(q.presentedHash)) {
        this.dropSession(s);
        return { status: 'reused' };
      }
      return { status: 'invalid' };
    });
  }

  deleteSession(uid: string, sid: string): Promise<boolean> {
    return this.life.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s) return false;
      this.dropSession(s);
      return true;
    });
  }

  deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    return this.life.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s || (s.refreshHash !== refreshHash && !s.oldHashes.has(refreshHash))) return false;
      this.dropSession(s);
      return true;
    });
  }

  deleteAllSessions(uid: string, generation?: string): Promise<number> {
    return this.deleteOtherSessions(uid, '', generation);
  }

  deleteOtherSessions(uid: string, keepSid: string, generation: string = randomUUID()): Promise<number> {
    return this.life.op(() => {
      let n = 0;
      for (const s of [...(this.sessions.get(uid)?.values() ?? [])]) {
        if (s.sid === keepSid) {
          s.generation = generation;
          continue;
        }
        // Sessions opened under this very generation came after it: a repeat keeps them.
        if (s.generation === generation) continue;
        if (this.liveSession(uid, s.sid)) n++;
        this.dropSession(s);
      }
      if (this.sessions.has(uid)) this.generations.set(uid, generation);
      return n;
    });
  }

  countSessions(uid: string): Promise<number> {
    return this.life.op(() => {
      let n = 0;
      for (const s of [...(this.sessions.get(uid)?.values() ?? [])]) if (this.liveSession(uid, s.sid)) n++;
      return n;
    });
  }

  listSessions(uid: string): Promise<SessionRecord[]> {
    return this.life.op(() =>
      [...(this.sessions.get(uid)?.values() ?? [])]
        .filter((s) => this.liveSession(uid, s.sid))
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(({ sid, createdAt, lastSeenAt, ip, userAgent }) => ({
          sid,
          createdAt,
          lastSeenAt,
          ip,
          userAgent,
        })),
    );
  }

  touchSession(uid: string, sid: string): Promise<void> {
    return this.life.op(() => {
      const s = this.liveSession(uid, sid);
      const now = this.life.now();
      if (s && now - s.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) s.lastSeenAt = now;
      return undefined;
    });
  }

  sessionAuth(uid: string, sid: string): Promise<SessionAuth | null> {
    return this.life.op(() => {
      const s = this.liveSession(uid, sid);
      return s ? { authTime: s.auth.authTime, amr: [...s.auth.amr] } : null;
    });
  }

  setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean> {
    return this.life.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s) return false;
      s.auth = { authTime: auth.authTime, amr: [...auth.amr] };
      return true;
    });
  }
}
