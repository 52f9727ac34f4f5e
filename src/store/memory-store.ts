/**
 * The embedded store: in-process maps with the same TTL semantics as the Redis store,
 * for a single process with no Redis configured. Expired entries are dropped lazily on
 * access and by a periodic sweep (unref'd, cleared by close()).
 */
import { StoreUnavailableError } from '../errors.js';
import type {
  NewSession,
  RateLimitDecision,
  RateLimitRule,
  RotateResult,
  Store,
  UserRecord,
} from './store.js';

interface SessionEntry {
  uid: string;
  sid: string;
  email: string;
  refreshHash: string;
  oldHashes: Set<string>;
  expiresAt: number;
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
  private readonly users = new Map<string, UserRecord>();
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly userSessions = new Map<string, Set<string>>();
  private readonly counters = new Map<string, Counter>();
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

  private static sessionKey(uid: string, sid: string): string {
    return `${uid}\u0000${sid}`;
  }

  private liveSession(uid: string, sid: string): SessionEntry | undefined {
    const key = MemoryStore.sessionKey(uid, sid);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.dropSession(s);
      return undefined;
    }
    return s;
  }

  private dropSession(s: SessionEntry): void {
    this.sessions.delete(MemoryStore.sessionKey(s.uid, s.sid));
    const set = this.userSessions.get(s.uid);
    set?.delete(s.sid);
    if (set && set.size === 0) this.userSessions.delete(s.uid);
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
    for (const s of this.sessions.values()) if (s.expiresAt <= now) this.dropSession(s);
    for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
  }

  createUser(user: UserRecord): Promise<boolean> {
    return this.op(() => {
      if (this.users.has(user.email)) return false;
      this.users.set(user.email, { ...user });
      return true;
    });
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return this.op(() => {
      const u = this.users.get(email);
      return u ? { ...u } : null;
    });
  }

  createSession(s: NewSession): Promise<void> {
    return this.op(() => {
      const entry: SessionEntry = {
        uid: s.uid,
        sid: s.sid,
        email: s.email,
        refreshHash: s.refreshHash,
        oldHashes: new Set(),
        expiresAt: this.now() + s.ttlSeconds * 1000,
      };
      this.sessions.set(MemoryStore.sessionKey(s.uid, s.sid), entry);
      let set = this.userSessions.get(s.uid);
      if (!set) this.userSessions.set(s.uid, (set = new Set()));
      set.add(s.sid);
      return undefined;
    });
  }

  isSessionAlive(uid: string, sid: string): Promise<boolean> {
    return this.op(() => {
      return this.liveSession(uid, sid) !== undefined;
    });
  }

  rotateRefresh(
    uid: string,
    sid: string,
    presented: string,
    next: string,
    ttlSeconds: number,
  ): Promise<RotateResult> {
    return this.op(() => {
      const s = this.liveSession(uid, sid);
      if (!s) return { status: 'invalid' };
      if (s.refreshHash === presented) {
        s.oldHashes.add(presented);
        s.refreshHash = next;
        s.expiresAt = this.now() + ttlSeconds * 1000;
        return { status: 'rotated', session: { uid: s.uid, sid: s.sid, email: s.email } };
      }
      if (s.oldHashes.has(presented)) {
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

  deleteAllSessions(uid: string): Promise<number> {
    return this.op(() => {
      let n = 0;
      for (const sid of [...(this.userSessions.get(uid) ?? [])]) {
        const s = this.liveSession(uid, sid);
        if (s) {
          this.dropSession(s);
          n++;
        }
      }
      this.userSessions.delete(uid);
      return n;
    });
  }

  consumeAttempt(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.op(() => {
      for (const rule of rules) {
        const c = this.liveCounter(rule.key);
        if (c && c.count >= rule.limit) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil((c.expiresAt - this.now()) / 1000)),
          };
        }
      }
      for (const rule of rules) {
        const c = this.liveCounter(rule.key);
        if (c) c.count++;
        else this.counters.set(rule.key, { count: 1, expiresAt: this.now() + rule.windowSeconds * 1000 });
      }
      return { allowed: true };
    });
  }

  refundAttempt(rule: RateLimitRule): Promise<void> {
    return this.op(() => {
      const c = this.liveCounter(rule.key);
      if (c && c.count > 0) c.count--;
      return undefined;
    });
  }

  resetAttempts(rule: RateLimitRule): Promise<void> {
    return this.op(() => {
      this.counters.delete(rule.key);
      return undefined;
    });
  }

  ping(): Promise<void> {
    return this.op(() => {
      return undefined;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}
