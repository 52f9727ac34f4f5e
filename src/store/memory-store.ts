/**
 * The embedded store: in-process maps with the same semantics as the Redis store, for
 * a single process with no Redis configured. Expired entries are dropped lazily on
 * access and by a periodic sweep (unref'd, cleared by close()). A user's sessions are
 * few (capped by `maxPerUser`), so their index is a plain Map.
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../errors.js';
import { MAX_OLD_REFRESH_HASHES } from './keys.js';
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
import { LAST_SEEN_RESOLUTION_MS } from './store.js';

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
  /** The user's generation when it opened or was kept (see Store.deleteAllSessions). */
  generation: string | undefined;
}

interface Counter {
  count: number;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Injected clock (ms) for tests. */
  now?: () => number;
  sweepIntervalMs?: number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  /** uid → sid → session. */
  private readonly sessions = new Map<string, Map<string, SessionEntry>>();
  private readonly counters = new Map<string, Counter>();
  /** uid → the generation of the user's last ending of all sessions (dropped with the last session). */
  private readonly generations = new Map<string, string>();
  /** Single-use values: key → value and when it expires (ms). */
  private readonly onceValues = new Map<string, { value: string; expiresAt: number }>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  /** Runs an operation as a promise; after close() every operation rejects (fail closed). */
  private op<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('closed', 'The store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private liveSession(uid: string, sid: string): SessionEntry | undefined {
    const s = this.sessions.get(uid)?.get(sid);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
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

  private liveCounter(key: string): Counter | undefined {
    const c = this.counters.get(key);
    if (c && c.expiresAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  sweep(): void {
    const now = this.now();
    for (const mine of this.sessions.values()) {
      for (const s of mine.values()) if (s.expiresAt <= now) this.dropSession(s);
    }
    for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
    for (const [k, v] of this.onceValues) if (v.expiresAt <= now) this.onceValues.delete(k);
  }

  putOnce(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.op(() => {
      this.onceValues.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    });
  }

  takeOnce(key: string): Promise<string | null> {
    return this.op(() => {
      const entry = this.onceValues.get(key);
      this.onceValues.delete(key);
      return entry && entry.expiresAt > this.now() ? entry.value : null;
    });
  }

  createSession(s: NewSession): Promise<void> {
    return this.op(() => {
      const now = this.now();
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
    return this.op(() => this.liveSession(uid, sid) !== undefined);
  }

  rotateRefresh(q: RotateRequest): Promise<RotateResult> {
    return this.op((): RotateResult => {
      const s = this.liveSession(q.uid, q.sid);
      if (!s) return { status: 'invalid' };
      const session = { uid: s.uid, sid: s.sid, email: s.email };
      const now = this.now();
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
    return this.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s) return false;
      this.dropSession(s);
      return true;
    });
  }

  deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    return this.op(() => {
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
    return this.op(() => {
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
    return this.op(() => {
      let n = 0;
      for (const s of [...(this.sessions.get(uid)?.values() ?? [])]) if (this.liveSession(uid, s.sid)) n++;
      return n;
    });
  }

  listSessions(uid: string): Promise<SessionRecord[]> {
    return this.op(() =>
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
    return this.op(() => {
      const s = this.liveSession(uid, sid);
      const now = this.now();
      if (s && now - s.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) s.lastSeenAt = now;
      return undefined;
    });
  }

  sessionAuth(uid: string, sid: string): Promise<SessionAuth | null> {
    return this.op(() => {
      const s = this.liveSession(uid, sid);
      return s ? { authTime: s.auth.authTime, amr: [...s.auth.amr] } : null;
    });
  }

  setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean> {
    return this.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s) return false;
      s.auth = { authTime: auth.authTime, amr: [...auth.amr] };
      return true;
    });
  }

  /** Refused when a counter is over its bound; Retry-After is the longest remaining window. */
  private decide(
    rules: readonly RateLimitRule[],
    refused: (count: number, limit: number) => boolean,
  ): RateLimitDecision {
    let waitMs = -1;
    for (const rule of rules) {
      const c = this.liveCounter(rule.key);
      if (c && refused(c.count, rule.limit)) waitMs = Math.max(waitMs, c.expiresAt - this.now());
    }
    return waitMs < 0
      ? { allowed: true }
      : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.op(() => this.decide(rules, (count, limit) => count >= limit));
  }

  recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.op(() => {
      for (const rule of rules) {
        const c = this.liveCounter(rule.key);
        if (c) c.count++;
        else this.counters.set(rule.key, { count: 1, expiresAt: this.now() + rule.windowSeconds * 1000 });
      }
      return this.decide(rules, (count, limit) => count > limit);
    });
  }

  recordLoginSuccess(rules: readonly RateLimitRule[], reset: RateLimitRule): Promise<RateLimitDecision> {
    return this.op(() => {
      // Like the Redis store: the reset counter is cleared unless it is itself at its limit.
      const resetCounter = this.liveCounter(reset.key);
      const decision = this.decide(rules, (count, limit) => count >= limit);
      if (!resetCounter || resetCounter.count < reset.limit) this.counters.delete(reset.key);
      return decision;
    });
  }

  ping(): Promise<void> {
    return this.op(() => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}
